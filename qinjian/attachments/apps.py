from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "qinjian.attachments"
    label = "attachments"
    verbose_name = "附件与标签"
