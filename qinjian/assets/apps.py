from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "qinjian.assets"
    label = "assets"
    verbose_name = "资产"
