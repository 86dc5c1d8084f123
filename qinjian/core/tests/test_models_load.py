"""BaseModel.from_db: rows of plain fields become instances without Model.__init__'s per-field loop, and the
instances are the ones Django would build — same attributes, same state, same deferred fields."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from qinjian.core.models import base

# core knows no domain app (import-linter): concrete business models are looked up, not imported
Unit = apps.get_model("org", "Unit")
Attachment = apps.get_model("attachments", "Attachment")

pytestmark = pytest.mark.django_db


def _django_built(cls: type[models.Model], field_names: list[str], values: tuple) -> models.Model:
    """What Model.from_db itself builds (through __init__)."""
    instance = models.Model.from_db.__func__(cls, "default", field_names, values)  # type: ignore[attr-defined]
    return instance


def _attributes(instance: models.Model) -> dict:
    return {k: v for k, v in vars(instance).items() if k not in {"_state", "_loaded_values"}}


def test_a_whole_row_is_loaded_as_django_loads_it(mini_city):
    names = [f.attname for f in Unit._meta.concrete_fields]
    values = Unit.objects.filter(pk=mini_city.edu.pk).values_list(*names).get()
    fast = Unit.objects.get(pk=mini_city.edu.pk)
    slow = _django_built(Unit, names, values)
    assert base._plain_load(Unit, names) == tuple(names)
    assert _attributes(fast) == _attributes(slow)
    assert (fast._state.adding, fast._state.db) == (slow._state.adding, slow._state.db) == (False, "default")
    assert fast._loaded_values == dict(zip(names, values, strict=True))
    assert fast.get_deferred_fields() == set()


def test_deferred_fields_stay_deferred_and_load_on_access(mini_city):
    fast = Unit.objects.only("name", "tree_path").get(pk=mini_city.edu.pk)
    slow = _django_built(Unit, ["id", "name", "tree_path"], (fast.pk, fast.name, fast.tree_path))
    assert _attributes(fast) == _attributes(slow)
    assert fast.get_deferred_fields() == slow.get_deferred_fields() and "code" in fast.get_deferred_fields()
    assert fast.code == mini_city.edu.code  # a deferred field is fetched on first access


def test_related_rows_and_saving_after_a_fast_load(mini_city):
    unit = Unit.objects.select_related("parent").get(pk=mini_city.edu.pk)
    assert unit.parent.pk == mini_city.edu.parent_id and unit.parent._state.adding is False
    unit.short_name = "教育"
    unit.save(update_fields=["short_name"])
    assert Unit.objects.get(pk=unit.pk).short_name == "教育"


def test_models_whose_fields_do_more_than_store_go_through_init():
    names = [f.attname for f in Attachment._meta.concrete_fields]
    assert base._plain_load(Attachment, names) is None  # its FileFields' descriptor wraps the stored name
    assert base._plain_load(Unit, ["id", "no_such_field"]) is None
