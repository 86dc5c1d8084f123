from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "qinjian.standards"
    label = "standards"
    verbose_name = "标准库"

    def ready(self) -> None:
        from . import menu  # noqa: F401  # type: ignore[attr-defined]
