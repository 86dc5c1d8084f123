import datetime

import pytest
from django.urls import reverse

from qinjian.standards.models import AssetClass, StandardRow, StandardTable, StandardVersion
from qinjian.standards.services.loader import DATA_DIR

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user, backend="qinjian.accounts.backends.RoleBackend")
    return client


def _state():
    return (list(StandardVersion.objects.values_list("pk", "status", "effective_to").order_by("pk")),
            StandardRow.objects.count())


def _post_data(table, version, **overrides):
    data = {"code": "2027", "doc_no": "测试〔2027〕1号", "doc_title": "测试标准", "effective_from": "2027-01-01",
            "effective_to": "", "status": "active", "close_previous": "on", "note": "", "based_on": str(version.pk)}
    rows = list(version.rows.order_by("sort_order"))
    data["row_count"] = str(len(rows))
    for i, r in enumerate(rows):
        for name in table.key_names:
            data[f"row-{i}-k-{name}"] = r.key.get(name, "")
        for name in table.value_names:
            data[f"row-{i}-v-{name}"] = r.values.get(name, "")
        data[f"row-{i}-confidence"] = r.confidence
        data[f"row-{i}-note"] = r.note
    data.update(overrides)
    return data


def test_pages_render_for_every_role_with_view_permission(client, staff):
    _login(client, staff)
    table = StandardTable.objects.get(name="office_area")
    version = table.versions.get(code="2014")
    for url in (reverse("standards:standardtable_list"), table.get_absolute_url(), version.get_absolute_url(),
                reverse("standards:assetclass_list"), reverse("standards:assetclass_list") + "?node=A02010100",
                reverse("standards:assetclass_list") + "?q=台式", reverse("standards:legacyclassmapping_list"),
                version.get_absolute_url() + "?tab=history"):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(table.get_absolute_url()).content.decode()
    assert "今日生效" in page and "正局(处)级" in page and "[C2]" in page
    assert "新建版本" not in page  # staff may not add versions
    tree = client.get(reverse("standards:assetclass_list") + "?q=台式").content.decode()
    assert "A02010105" in tree and "台式计算机" in tree


def test_table_list_shows_the_version_in_force(client, staff):
    _login(client, staff)
    response = client.get(reverse("standards:standardtable_list"))
    rows = {t.name: t.qj_current for t in response.context["table"].rows}
    assert len(rows) == len(list(DATA_DIR.glob("*.json")))
    assert rows["office_area"].code == "2014"
    assert rows["co2_factor"].code in {"2022年数据", "2023年数据"}


def test_no_role_no_pages(client, nobody):
    _login(client, nobody)
    assert client.get(reverse("standards:standardtable_list")).status_code == 403
    assert client.get(reverse("standards:assetclass_list")).status_code == 403


def test_only_sysadmin_creates_versions_and_a_denial_changes_nothing(client, staff, center_asset):
    table = StandardTable.objects.get(name="office_area")
    version = table.versions.get(code="2014")
    url = reverse("standards:standardversion_create", args=[table.pk])
    before = _state()
    for user in (staff, center_asset):
        _login(client, user)
        assert client.get(url).status_code == 403
        assert client.post(url, _post_data(table, version)).status_code == 403
        assert client.post(reverse("standards:standardversion_retire", args=[version.pk]),
                           {"reason": "x"}).status_code == 403
    assert _state() == before


def test_sysadmin_creates_a_version_from_the_current_one(client, sysadmin):
    _login(client, sysadmin)
    table = StandardTable.objects.get(name="office_area")
    version = table.versions.get(code="2014")
    url = reverse("standards:standardversion_create", args=[table.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["based_on"] == version
    data = _post_data(table, version)
    c3 = next(i for i in range(int(data["row_count"])) if data[f"row-{i}-k-rank"] == "C-3")
    data[f"row-{c3}-v-area"] = "26"
    response = client.post(url, data)
    new = StandardVersion.objects.get(table=table, code="2027")
    assert response.status_code == 302 and response["Location"] == new.get_absolute_url()
    assert new.rows.count() == 23
    assert new.rows.get(key_text="level=city|rank=C-3").values["area"] == "26"
    version.refresh_from_db()
    assert version.effective_to == datetime.date(2026, 12, 31)
    assert version.rows.get(key_text="level=city|rank=C-3").values["area"] == "24"


def test_overlap_in_the_form_is_refused_in_chinese(client, sysadmin):
    _login(client, sysadmin)
    table = StandardTable.objects.get(name="office_area")
    version = table.versions.get(code="2014")
    before = _state()
    data = _post_data(table, version)
    del data["close_previous"]
    response = client.post(reverse("standards:standardversion_create", args=[table.pk]), data)
    assert response.status_code == 200
    assert "生效期间与现行版本“2014”（2014-11-01 至 长期）重叠" in response.content.decode()
    assert _state() == before


def test_bad_row_values_are_shown_by_row(client, sysadmin):
    _login(client, sysadmin)
    table = StandardTable.objects.get(name="office_area")
    version = table.versions.get(code="2014")
    data = _post_data(table, version, **{"row-0-v-area": "很大"})
    response = client.post(reverse("standards:standardversion_create", args=[table.pk]), data)
    assert response.status_code == 200
    assert "第 1 行“使用面积上限”：“很大”不是有效的数值。" in response.content.decode()
    assert not StandardVersion.objects.filter(code="2027").exists()


def test_sysadmin_retires_a_version(client, sysadmin):
    _login(client, sysadmin)
    version = StandardVersion.objects.get(table__name="vehicle_replacement")
    response = client.post(reverse("standards:standardversion_retire", args=[version.pk]), {"reason": "已核对省级细则"})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == "retired"
    assert "已核对省级细则" in version.note


@pytest.mark.parametrize("query", ["?node=ZZZ", "?q=" + "x" * 500, "?page=999", "?node=%00", "?q=%00",
                                   "?q=%00&node=A02000000", "?page=abc"])
def test_bad_tree_input_never_fails(client, staff, query):
    _login(client, staff)
    assert client.get(reverse("standards:assetclass_list") + query).status_code in (200, 404)


def test_create_page_for_unknown_table_or_version_is_404(client, sysadmin):
    _login(client, sysadmin)
    assert client.get(reverse("standards:standardversion_create", args=[999999])).status_code == 404
    table = StandardTable.objects.get(name="office_area")
    assert client.get(reverse("standards:standardversion_create", args=[table.pk]) + "?from=999999").status_code == 404
    assert AssetClass.objects.count() == 3482


@pytest.mark.parametrize("query", ["?q=%00", "?scheme=zz", "?sort=nope", "?match=none&q=6000000"])
def test_bad_legacy_list_input_never_fails(client, staff, query):
    _login(client, staff)
    assert client.get(reverse("standards:legacyclassmapping_list") + query).status_code == 200
    assert client.get(reverse("standards:standardtable_list") + query).status_code == 200


def test_home_redirects_signed_in_users_only(client, staff):
    assert client.get("/standards/")["Location"].startswith(reverse("accounts:login"))
    _login(client, staff)
    assert client.get("/standards/")["Location"] == reverse("standards:standardtable_list")
