from qinjian.core.menu import MenuGroup, MenuItem, register

register(
    MenuGroup(
        key="org",
        label="组织机构",
        icon="bi-diagram-3",
        order=100,
        items=[
            MenuItem("单位", "org:unit_list", "org.view_unit", "bi-building"),
            MenuItem("内设机构", "org:department_list", "org.view_department", "bi-columns-gap"),
            MenuItem("人员", "org:person_list", "org.view_person", "bi-people"),
            MenuItem("编制调整申请", "org:staffingchangerequest_list", "org.view_staffingchangerequest",
                     "bi-arrow-left-right"),
        ],
    )
)

from . import widgets  # noqa: E402,F401  (home-page widgets register on import)
