from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "qinjian.workflow"
    label = "workflow"
    verbose_name = "审批"

    def ready(self) -> None:
        from . import jobs, menu, tabs  # noqa: F401  (periodic jobs, sidebar, the 审批 tab)
