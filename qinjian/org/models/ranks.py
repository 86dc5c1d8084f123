from __future__ import annotations

from django.db import models

from ..choices import AdminLevel


class Rank(models.Model):
    """A rank category (职级) as the office-area standard groups them, per organ level.

    Reference data loaded from ``org/data/ranks.csv`` (source: 发改投资〔2014〕2674号).
    """

    level = models.CharField("机关层级", max_length=16, choices=AdminLevel.choices)
    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("职级", max_length=50)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_leader = models.BooleanField("领导职务", default=False)
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "职级"
        verbose_name_plural = "职级"
        ordering = ["level", "sort_order"]

    def __str__(self) -> str:
        return self.name
