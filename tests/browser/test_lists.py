"""A list page in the browser: the data scope, and the Excel export of a filtered list."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from qinjian.core.models import SecurityEvent
from qinjian.org.models import Person
from qinjian.testing.factories import DEFAULT_PASSWORD, make_user

from .conftest import BROWSER, login

pytestmark = BROWSER


def _names(*units) -> set[str]:
    return set(Person.objects.filter(unit__in=units).values_list("name", flat=True))


def _table_names(page) -> set[str]:
    return {t.strip() for t in page.locator("#qj-results table tbody tr td:first-child").all_inner_texts()}


def test_unit_admin_sees_own_tree_people_only(page, mini_city):
    admin = make_user("unit_admin", mini_city.edu)
    login(page, admin.username, DEFAULT_PASSWORD)

    page.goto("/org/people/")

    own = _names(mini_city.edu, mini_city.edu_school)
    others = _names(mini_city.health, mini_city.center)
    assert len(own) == 6 and len(others) == 6
    expect(page.locator(".qj-summary")).to_contain_text("共 6 条")
    assert _table_names(page) == own
    text = page.locator("body").inner_text()
    assert not [name for name in others if name in text]
    assert "示范市卫生健康委员会" not in page.content()  # not even in the unit filter's choices


def test_export_of_a_filtered_people_list_has_exactly_the_filtered_rows(page, mini_city):
    officer = make_user("center_office", mini_city.center)
    login(page, officer.username, DEFAULT_PASSWORD)
    page.goto("/org/people/")
    expect(page.locator(".qj-summary")).to_contain_text("共 12 条")

    page.select_option("#id_unit", label="示范市卫生健康委员会")
    expect(page.locator(".qj-summary")).to_contain_text("共 3 条")
    expected = _names(mini_city.health)
    assert _table_names(page) == expected

    with page.expect_download() as info:
        page.locator("#qj-results a", has_text="导出").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(rows) if "姓名" in r)
    name_col = rows[header_at].index("姓名")
    exported = [r[name_col] for r in rows[header_at + 1:] if any(c not in (None, "") for c in r)]
    assert sorted(exported) == sorted(expected)
    event = SecurityEvent.objects.filter(event_type="export", username=officer.username).get()
    assert event.detail["obj_count"] == 3
