from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qinjian.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        from . import audit, checks, jobs  # noqa: F401  (change-log signals, checks, periodic jobs)
