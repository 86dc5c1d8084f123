from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "qinjian.org"
    label = "org"
    verbose_name = "组织机构"

    def ready(self) -> None:
        from . import menu, rules  # noqa: F401
        from .services.staffing import register_approvals

        register_approvals()
