"""The filter panel of 任务列表."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from .models import JobRun


class JobRunFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=JobRun.Status.choices, empty_label="全部")
    starter = django_filters.ChoiceFilter(label="发起人", choices=(("me", "本人发起"), ("others", "他人发起")),
                                          empty_label="全部", method="filter_starter")

    class Meta:
        model = JobRun
        fields = ("status",)

    def filter_starter(self, queryset: QuerySet[JobRun], name: str, value: Any) -> QuerySet[JobRun]:
        if self.request is None or value not in ("me", "others"):
            return queryset
        mine = {"user": self.request.user}
        return queryset.filter(**mine) if value == "me" else queryset.exclude(**mine)
