from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "qinjian.jobs"
    label = "jobs"
    verbose_name = "后台任务"

    def ready(self) -> None:
        from qinjian.core import background

        from . import handlers, menu, tasks  # noqa: F401  (handlers, menu and huey tasks register on import)
        from .runner import JobRunner

        background.install(JobRunner())
