from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "qinjian.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import menu, permcache  # noqa: F401
        from .roles import sync_default_roles

        permcache.connect()

        post_migrate.connect(sync_default_roles, sender=self)
