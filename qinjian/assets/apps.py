from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "qinjian.assets"
    label = "assets"
    verbose_name = "资产"

    def ready(self) -> None:
        from . import menu  # noqa: F401
        from .hooks import register_all

        register_all()
