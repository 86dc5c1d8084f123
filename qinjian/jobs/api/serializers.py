from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import JobRun
from ..services import live_progress


class JobRunSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    user_name = serializers.CharField(source="user.display_name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    progress = serializers.SerializerMethodField(help_text="进度：done、total、message、percent")
    download_url = serializers.SerializerMethodField(help_text="结果文件下载地址（仅发起人，无文件时为空）")

    class Meta:
        model = JobRun
        fields = ("id", "kind", "title", "status", "status_display", "user", "user_name", "unit", "unit_name",
                  "progress", "message", "counts", "errors", "result_name", "download_url", "next_url",
                  "cancel_requested", "created_at", "started_at", "finished_at")
        read_only_fields = fields

    def get_progress(self, job: JobRun) -> dict[str, Any]:
        return live_progress(job)

    def get_download_url(self, job: JobRun) -> str:
        request = self.context.get("request")
        if not job.result_file or request is None or request.user.pk != job.user_id:
            return ""
        return request.build_absolute_uri(job.get_absolute_url() + "download/")
