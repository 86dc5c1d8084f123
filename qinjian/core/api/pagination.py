"""Page-number pagination: ``?page=&page_size=`` → ``{count, next, previous, results}``."""

from __future__ import annotations

from typing import Any

from django.core.paginator import InvalidPage
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination


class InvalidPageError(NotFound):
    default_code = "invalid_page"
    default_detail = "页码超出范围。"


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    page_query_description = "页码，从 1 开始。"
    page_size_query_description = "每页条数，默认 50，最大 500。"

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any] | None:
        self.request = request
        page_size = self.get_page_size(request) or self.page_size
        paginator = self.django_paginator_class(queryset, page_size)
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            raise InvalidPageError(f"页码“{str(page_number)[:20]}”无效或超出范围（共 {paginator.num_pages} 页）。") from exc
        return list(self.page)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        result = super().get_paginated_response_schema(schema)
        props = result["properties"]
        props["count"]["description"] = "符合条件的总条数"
        props["next"]["description"] = "下一页地址；没有下一页时为 null"
        props["previous"]["description"] = "上一页地址；没有上一页时为 null"
        props["next"]["example"] = "http://127.0.0.1:8000/api/org/units/?page=3"
        props["previous"]["example"] = "http://127.0.0.1:8000/api/org/units/?page=1"
        result["required"] = ["count", "next", "previous", "results"]
        return result
