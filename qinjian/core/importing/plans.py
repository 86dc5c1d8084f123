"""Keeping a validated plan for the commit, so a file is read and validated once, not twice.

A clean validation's plan is kept in this process (one slot) and pickled beside the upload (signed
with an HMAC of the secret key, so only a plan this server wrote is ever unpickled). The commit reuses
it only if all of these still hold, and otherwise validates the file again:

* the same file (SHA-256), import kind, uploader, upload options and row decisions;
* the same acting role assignment of the user;
* no change record (``core.ObjectChange``) since validation began for any model the spec
  ``depends_on`` or for roles and role assignments — every business write is change-logged
  (``qinjian.core.audit``), so "no change record" means "nothing the validation looked at changed".
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import pickle
import threading
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile

from qinjian.core.models import ImportBatch, ObjectChange
from qinjian.core.scope import active_assignment

from .spec import ImportSpec

logger = logging.getLogger(__name__)

ALWAYS_DEPENDS_ON = ("accounts.Role", "accounts.RoleAssignment")
_lock = threading.Lock()
_slot: dict[str, tuple[dict[str, Any], Any]] = {}  # token -> (meta, plan); at most one entry


STATIC_ROWS = 10_000


def _static_fingerprint(spec: ImportSpec) -> str | None:
    """A digest of the (small) dependencies that are not change-logged, e.g. reference tables."""
    from qinjian.core.models import BaseModel

    digest = hashlib.sha256()
    for label in spec.depends_on:
        model = apps.get_model(label)
        if issubclass(model, BaseModel):
            continue
        rows = list(model._default_manager.order_by("pk").values_list()[:STATIC_ROWS + 1])
        if len(rows) > STATIC_ROWS:
            return None  # too big to fingerprint: never reuse
        digest.update(repr(rows).encode())
    return digest.hexdigest()


def marker(spec: ImportSpec) -> dict[str, Any]:
    """Where the data stands before a validation starts: the change-log position and a digest of the
    dependencies that are not change-logged."""
    if not spec.depends_on:
        return {}
    last = ObjectChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return {"change": last, "static": _static_fingerprint(spec)}


def _key() -> bytes:
    return hashlib.sha256(b"qinjian.import.plan:" + settings.SECRET_KEY.encode()).digest()


def _name(batch: ImportBatch) -> str:
    return f"{batch.file.name}.plan" if batch.file else ""


def _meta(batch: ImportBatch, spec: ImportSpec, user: Any) -> dict[str, Any]:
    assignment = active_assignment(user)
    preview = batch.preview or {}
    return {"token": batch.token, "sha256": batch.sha256, "kind": spec.kind, "user": getattr(user, "pk", None),
            "assignment": (getattr(assignment, "pk", None), getattr(assignment, "scope", None)),
            "options": preview.get("options") or {}, "decisions": preview.get("decisions") or {}}


def keep(batch: ImportBatch, spec: ImportSpec, user: Any, plan: Any, *, marker: dict[str, Any], rows: int) -> None:
    if not spec.depends_on or not batch.file or marker.get("static") is None:
        return
    meta = {**_meta(batch, spec, user), "marker": marker}
    with _lock:
        _slot.clear()
        _slot[batch.token] = (meta, plan)
    try:
        body = pickle.dumps((meta, plan), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # an unpicklable plan: this process can still reuse it
        logger.warning("import plan of %s cannot be pickled", spec.kind, exc_info=True)
        return
    signature = hmac.new(_key(), body, hashlib.sha256).digest()
    storage, name = batch.file.storage, _name(batch)
    if storage.exists(name):
        storage.delete(name)
    storage.save(name, ContentFile(signature + body))


def _load(batch: ImportBatch) -> tuple[dict[str, Any], Any] | None:
    with _lock:
        if batch.token in _slot:
            return _slot[batch.token]
    if not batch.file:
        return None
    storage, name = batch.file.storage, _name(batch)
    try:
        if not storage.exists(name):
            return None
        with storage.open(name, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    signature, body = data[:32], data[32:]
    if not hmac.compare_digest(signature, hmac.new(_key(), body, hashlib.sha256).digest()):
        logger.warning("import plan %s has a bad signature; validating again", name)
        return None
    loaded: tuple[dict[str, Any], Any] = pickle.load(io.BytesIO(body))  # noqa: S301 (signed by this server)
    return loaded


def reuse(batch: ImportBatch, spec: ImportSpec, user: Any) -> Any | None:
    """The kept plan if it still holds (see the module docstring), else None."""
    kept = _reuse(batch, spec, user, ignore_decisions=False)
    return None if kept is None else kept[0]


def reuse_for_decisions(batch: ImportBatch, spec: ImportSpec, user: Any) -> tuple[Any, dict[str, Any]] | None:
    """(plan, marker) of the kept plan if it still holds whatever row decisions it was made with: the
    spec applies the new decisions to it (``ImportSpec.apply_decisions``) instead of validating again."""
    return _reuse(batch, spec, user, ignore_decisions=True)


def _reuse(batch: ImportBatch, spec: ImportSpec, user: Any, *, ignore_decisions: bool
           ) -> tuple[Any, dict[str, Any]] | None:
    if not spec.depends_on:
        return None
    kept = _load(batch)
    if kept is None:
        return None
    meta, plan = kept
    skip = {"marker", "decisions"} if ignore_decisions else {"marker"}
    now = _meta(batch, spec, user)
    if {k: v for k, v in meta.items() if k not in skip} != {k: v for k, v in now.items() if k not in skip}:
        return None
    models = [apps.get_model(label) for label in (*spec.depends_on, *ALWAYS_DEPENDS_ON)]
    types = ContentType.objects.get_for_models(*models, for_concrete_models=True).values()
    if ObjectChange.objects.filter(id__gt=meta["marker"]["change"], content_type__in=list(types)).exists():
        return None
    if _static_fingerprint(spec) != meta["marker"]["static"]:
        return None
    return plan, meta["marker"]


def forget(batch: ImportBatch) -> None:
    """Drop the in-process copy (after a commit, or a failed one)."""
    with _lock:
        _slot.pop(batch.token, None)


def discard(batch: ImportBatch) -> None:
    forget(batch)
    if batch.file:
        try:
            name = _name(batch)
            if batch.file.storage.exists(name):
                batch.file.storage.delete(name)
        except OSError:
            pass
