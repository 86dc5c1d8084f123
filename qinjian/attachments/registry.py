"""Which objects can carry attachments, QR codes and labels, and how a typed or scanned code finds them.

Any business model (``BaseModel`` with ``get_absolute_url``) gets attachments and a QR code without
registration — except records where files make no sense: system and configuration records (alerts,
reference standards, background jobs, roles, flow definitions, approval tasks; ``NOT_ATTACHABLE``).
A model decides for itself with a class attribute, which wins over that list::

    class DepreciationRun(BaseModel):
        attachments_enabled = False   # no 附件 tab, no uploads, no QR code
 Labels and code lookup need a ``LabelSource``: one call per model, e.g. in the assets
app's ``ready()``::

    from qinjian.attachments.registry import LabelSource, register_label_source
    register_label_source(LabelSource("assets.asset", code_field="code", name_field="name",
                                      list_view="qinjian.assets.views.AssetListView",
                                      lines=lambda a: [a.unit.short_name or a.unit.name],
                                      select_related=("unit",), title="资产标签"))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.urls import reverse

from qinjian.core.models import BaseModel


def object_token(model_or_obj: type[models.Model] | models.Model) -> str:
    """The type part of attachment/QR URLs: ``app_label.model_name`` (stable across installations)."""
    return model_or_obj._meta.label_lower


# App labels or model labels (``app_label.model_name``) whose records carry no files: generated or
# configuration records, whose pages have no use for a 附件 tab. A model's ``attachments_enabled``
# attribute, when it sets one, wins over this list.
NOT_ATTACHABLE = frozenset({
    "alerts",                     # 预警 and 预警规则: raised and closed by the system
    "standards",                  # 标准库: reference tables (each version names its source document)
    "jobs",                       # 后台任务 records
    "accounts",                   # roles and role assignments
    "workflow.flowdefinition", "workflow.flowstep", "workflow.approvaltask",  # flow configuration, inbox rows
})


def is_attachable(model: type[models.Model]) -> bool:
    from .models import Attachment

    enabled = getattr(model, "attachments_enabled", None)
    if enabled is None:
        enabled = model._meta.app_label not in NOT_ATTACHABLE and model._meta.label_lower not in NOT_ATTACHABLE
    return (
        bool(enabled)
        and issubclass(model, BaseModel)
        and not model._meta.abstract
        and model is not Attachment
        and callable(getattr(model, "get_absolute_url", None))
        and isinstance(model._meta.pk, models.AutoField | models.BigAutoField | models.IntegerField)
        and hasattr(model.objects, "scoped")  # type: ignore[attr-defined]
    )


def model_for_token(token: str) -> type[models.Model] | None:
    try:
        model = apps.get_model(token)
    except (LookupError, ValueError):
        return None
    return model if is_attachable(model) else None


def visible_object(user: Any, token: str, pk: Any) -> models.Model | None:
    """The object if the user may view it (data scope), else None — callers answer 404."""
    model = model_for_token(token)
    if model is None:
        return None
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if pk <= 0 or pk > 2**62:
        return None
    return model.objects.scoped(user, "view").filter(pk=pk).first()  # type: ignore[attr-defined]


def resolver_path(obj: models.Model) -> str:
    return reverse("attachments:qr_resolve", args=[object_token(obj), obj.pk])


# --- label sources ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelSource:
    """How to print labels for (and find by code) one model."""

    model_label: str                      # "org.unit"
    code_field: str = "code"              # printed on the label and matched (exactly) by the scan page
    name_field: str = "name"
    title: str = ""                       # e.g. "单位标签"; default: the model's verbose name + 标签
    list_view: str = ""                   # dotted path of the ObjectListView whose filters select labels
    lines: Callable[[Any], Sequence[str]] | None = None  # extra small lines on a label
    select_related: tuple[str, ...] = field(default_factory=tuple)

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def label_title(self) -> str:
        return self.title or f"{self.model._meta.verbose_name}标签"

    def code(self, obj: Any) -> str:
        return str(getattr(obj, self.code_field, "") or "")

    def name(self, obj: Any) -> str:
        return str(getattr(obj, self.name_field, "") or obj)

    def extra_lines(self, obj: Any) -> list[str]:
        return [str(x) for x in (self.lines(obj) if self.lines else []) if x]


_SOURCES: dict[str, LabelSource] = {}


def register_label_source(source: LabelSource) -> None:
    _SOURCES[source.model_label.lower()] = source


def label_source(token: str) -> LabelSource | None:
    return _SOURCES.get((token or "").lower())


def label_sources() -> list[LabelSource]:
    return list(_SOURCES.values())
