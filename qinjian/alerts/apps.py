from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "qinjian.alerts"
    label = "alerts"
    verbose_name = "预警中心"
