"""后台任务 API under /api/jobs/: the jobs the user may see (own, or their units' with a wider scope)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from qinjian.core.api.viewsets import ListRetrieveMixin, ScopedViewSet
from qinjian.core.errors import NotAllowed

from ..models import JobRun
from ..services import job_cancel
from . import serializers as s


class JobRunViewSet(ListRetrieveMixin, ScopedViewSet):
    """后台任务：导入、导出等耗时操作的执行记录、进度和结果。"""

    queryset = JobRun.objects.select_related("user", "unit")
    serializer_class = s.JobRunSerializer
    filterset_fields = ("status", "kind")
    search_fields = ["title"]
    ordering_fields = ["created_at", "finished_at"]
    schema_tags = ["后台任务"]

    @extend_schema(request=None, responses=s.JobRunSerializer)
    @action(detail=True, methods=["post"], permission_action="view")
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """取消任务

        只有发起人可以取消；排队中的任务立即取消，运行中的任务在当前步骤结束时停止，不写入半截数据。"""
        job = self.get_object()
        try:
            job = job_cancel(job=job, user=request.user)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        return Response(self.represent(job))
