from django.db import models


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    ACTIVE = "active", "生效"
    RETIRED = "retired", "废止"


class Confidence(models.TextChoices):
    """How sure a figure is (the tags of shared/reference/regulations.md)."""

    CONFIRMED = "C", "[C] 已核对原文"
    SECONDARY = "C2", "[C2] 已核对转载件"
    RECALLED = "R", "[R] 推断或回忆，待核实"
    OPEN = "?", "[?] 未查实"


class ColumnType(models.TextChoices):
    DECIMAL = "decimal", "数值"
    INTEGER = "integer", "整数"
    TEXT = "text", "文本"


class MappingMatch(models.TextChoices):
    EXACT = "exact", "一一对应"
    BROADER = "broader", "对应到上级类"
    NONE = "none", "无法对应"


class LegacyScheme(models.TextChoices):
    GBT2010 = "gbt2010", "GB/T 14885-2010"
    CAT2013 = "cat2013", "2013版品目目录"
