from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AlertsConfig(AppConfig):
    name = "qinjian.alerts"
    label = "alerts"
    verbose_name = "预警中心"

    def ready(self) -> None:
        from . import extensions, jobs, menu, signals  # noqa: F401  (tab, top-bar badge, periodic sweeps)
        from .services.config import rules_sync

        post_migrate.connect(rules_sync, sender=self, dispatch_uid="qinjian.alerts.rules_sync")
