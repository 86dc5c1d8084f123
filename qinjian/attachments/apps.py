from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "qinjian.attachments"
    label = "attachments"
    verbose_name = "附件与标签"

    def ready(self) -> None:
        from . import setup

        setup.register_all()
