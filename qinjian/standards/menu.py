from qinjian.core.menu import MenuGroup, MenuItem, register

register(
    MenuGroup(
        key="standards",
        label="标准库",
        icon="bi-journal-bookmark",
        order=800,
        items=[
            MenuItem("标准与版本", "standards:standardtable_list", "standards.view_standardtable", "bi-journal-text"),
            MenuItem("资产分类", "standards:assetclass_list", "standards.view_assetclass", "bi-diagram-2"),
            MenuItem("旧分类代码对照", "standards:legacyclassmapping_list", "standards.view_legacyclassmapping",
                     "bi-arrow-left-right"),
        ],
    )
)
