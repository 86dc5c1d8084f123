from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "qinjian.workflow"
    label = "workflow"
    verbose_name = "审批"
