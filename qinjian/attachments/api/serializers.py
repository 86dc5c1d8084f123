from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from ..models import Attachment


class AttachmentSerializer(serializers.ModelSerializer):
    model = serializers.SerializerMethodField(help_text="所属对象类型，如 org.unit")
    uploaded_by = serializers.SerializerMethodField(help_text="上传人")
    uploaded_at = serializers.DateTimeField(source="created_at", read_only=True)
    download_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ("id", "model", "object_id", "kind", "original_name", "file_type", "mime_type", "size", "sha256",
                  "width", "height", "description", "uploaded_by", "uploaded_at", "download_url", "thumbnail_url")
        read_only_fields = fields

    def get_model(self, obj: Attachment) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    def get_uploaded_by(self, obj: Attachment) -> str:
        return obj.uploader_name

    def get_download_url(self, obj: Attachment) -> str:
        return reverse("attachments-api:attachment-download", args=[obj.pk])

    def get_thumbnail_url(self, obj: Attachment) -> str | None:
        return reverse("attachments:attachment_thumbnail", args=[obj.pk]) if obj.thumbnail else None


class UploadInput(serializers.Serializer):
    model = serializers.CharField(max_length=100, help_text="所属对象类型，如 org.unit")
    object_id = serializers.IntegerField(min_value=1, help_text="所属对象编号")
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices, required=False, allow_blank=True)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), help_text="一个或多个文件（multipart 字段 files）")
