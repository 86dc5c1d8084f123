"""Page-number pagination: ``?page=&page_size=`` → ``{count, next, previous, results}``.

``CappedPagination`` is for lists that reach city scale (asset cards): the count stops at
``count_limit`` + 1 rows and the answer says ``count_capped: true``; pages past the limit still work
(``next`` is known from one extra row), only ``page=last`` needs the exact count and is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.paginator import InvalidPage
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from ..paging import CappedPaginator


class InvalidPageError(NotFound):
    default_code = "invalid_page"
    default_detail = "页码超出范围。"


class StandardPagination(PageNumberPagination):
    # How a page's slice of the queryset is read (core.api.rows reads tuples); the count is the queryset's.
    read_rows: Callable[[Any], Iterable[Any]] | None = None
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    page_query_description = "页码，从 1 开始。"
    page_size_query_description = "每页条数，默认 50，最大 500。"

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any] | None:
        self.request = request
        page_size = self.get_page_size(request) or self.page_size
        return self._django_page(self.django_paginator_class(queryset, page_size), request)

    def _django_page(self, paginator: Any, request: Any) -> list[Any]:
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            raise InvalidPageError(f"页码“{str(page_number)[:20]}”无效或超出范围（共 {paginator.num_pages} 页）。") from exc
        return self._read(self.page.object_list)

    def _read(self, rows: Any) -> list[Any]:
        return list(self.read_rows(rows) if self.read_rows is not None else rows)

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


class _OpenPage:
    """A page past the counted range: its rows, and whether one more row followed them."""

    def __init__(self, rows: list[Any], number: int, more: bool, paginator: CappedPaginator) -> None:
        self.object_list = rows
        self.number = number
        self.paginator = paginator
        self._more = more

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._more

    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


class CappedPagination(StandardPagination):
    """Counts at most ``count_limit`` rows (a subclass sets its own limit)."""

    count_limit = 10_000

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any] | None:
        self.request = request
        page_size = self.get_page_size(request) or self.page_size
        limit = self.count_limit
        paginator = CappedPaginator(queryset, page_size, count_limit=limit)
        paginator.count  # noqa: B018 - counts (at most limit + 1 rows) and sets ``capped``
        self.count_capped = paginator.capped
        if not paginator.capped:
            return self._django_page(paginator, request)
        raw = request.query_params.get(self.page_query_param) or "1"
        if raw in self.last_page_strings:
            raise InvalidPageError(f"符合条件的超过 {limit:,} 条，不能直接跳到最后一页；请增加筛选条件或逐页翻看。")
        number = int(raw) if raw.isdigit() and len(raw) <= 9 else 0
        if number < 1:
            raise InvalidPageError(f"页码“{raw[:20]}”无效，应为从 1 开始的整数。")
        start = (number - 1) * page_size
        rows = self._read(queryset[start:start + page_size + 1])  # one row more tells whether a next page exists
        if not rows and number > 1:
            raise InvalidPageError(f"页码“{number}”超出范围。")
        page = _OpenPage(rows[:page_size], number, len(rows) > page_size, paginator)
        self.page = page  # type: ignore[assignment]
        return page.object_list

    def get_paginated_response(self, data: Any) -> Response:
        page: Any = self.page
        return Response({
            "count": page.paginator.count,
            "count_capped": self.count_capped,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        })

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        result = super().get_paginated_response_schema(schema)
        result["properties"]["count"]["description"] = (
            f"符合条件的总条数；超过 {self.count_limit:,} 条时只数到 {self.count_limit:,}（此时 count_capped 为 true）")
        result["properties"] = {
            "count": result["properties"]["count"],
            "count_capped": {"type": "boolean", "example": False,
                             "description": "为 true 表示符合条件的超过 count 条，count 只是下限；仍可用 next 逐页翻看"},
            **{k: v for k, v in result["properties"].items() if k != "count"},
        }
        result["required"] = ["count", "count_capped", "next", "previous", "results"]
        return result
