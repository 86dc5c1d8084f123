"""A Django paginator whose count stops early, shared by the list pages and the API.

An exact ``COUNT(*)`` over a city's 100,000+ matching rows costs seconds on SQLite; counting at most
``count_limit + 1`` of them (``SELECT COUNT(*) FROM (… LIMIT n+1)``, without ORDER BY) costs little
and still tells "exactly 123" from "more than 5,000".
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db import models
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most ``count_limit`` rows; past it ``capped`` is True and ``count`` is the limit."""

    def __init__(self, object_list: Any, per_page: int, *, count_limit: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.count_limit = count_limit
        self.capped = False

    @cached_property
    def count(self) -> int:
        if not self.count_limit or not isinstance(self.object_list, models.QuerySet):
            return super().count
        # without ORDER BY: any count_limit + 1 rows will do, and a sort over every match is what costs
        n = self.object_list.order_by()[: self.count_limit + 1].count()
        if n > self.count_limit:
            self.capped = True
            return self.count_limit
        return n

    @property
    def count_text(self) -> str:
        """The count as a page says it: "123", or "10,000+" past the limit."""
        count = self.count
        return f"{count:,}+" if self.capped else str(count)
