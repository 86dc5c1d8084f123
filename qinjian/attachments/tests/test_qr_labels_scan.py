"""QR codes resolve with an access check; label sheets; the scan page's code lookup."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from qinjian.attachments.labels import LAYOUTS, Label, page_count, render_labels
from qinjian.attachments.selectors import lookup
from qinjian.testing.factories import UnitFactory, make_user

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pages(pdf: bytes) -> int:
    return pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ") or pdf.count(b"/Type /Page>")


def test_qr_resolver_redirects_within_scope_and_404s_outside(mini_city):
    client = _client(make_user("unit_admin", mini_city.edu))
    ok = client.get(reverse("attachments:qr_resolve", args=["org.unit", mini_city.edu_school.pk]))
    assert ok.status_code == 302 and ok["Location"] == mini_city.edu_school.get_absolute_url()
    assert client.get(reverse("attachments:qr_resolve", args=["org.unit", mini_city.health.pk])).status_code == 404
    assert client.get(reverse("attachments:qr_resolve", args=["no.such", 1])).status_code == 404
    assert client.get(reverse("attachments:qr_resolve", args=["attachments.attachment", 1])).status_code == 404
    anonymous = Client().get(reverse("attachments:qr_resolve", args=["org.unit", mini_city.edu.pk]))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_qr_images_encode_the_resolver_url(mini_city):
    client = _client(make_user("unit_admin", mini_city.edu))
    png = client.get(reverse("attachments:qr_png", args=["org.unit", mini_city.edu.pk]))
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(png.content)) as image:
        assert image.size[0] == image.size[1] > 100
    svg = client.get(reverse("attachments:qr_svg", args=["org.unit", mini_city.edu.pk]))
    assert svg.status_code == 200 and svg.content.startswith(b"<?xml") and b"<svg" in svg.content
    assert b"<script" not in svg.content
    assert client.get(reverse("attachments:qr_png", args=["org.unit", mini_city.health.pk])).status_code == 404
    api = client.get(reverse("attachments-api:qr", args=["org.unit", mini_city.health.pk]))
    assert api.status_code == 404 and api.json()["code"] == "not_found"


@pytest.mark.parametrize(("count", "layout", "start", "pages"), [
    (1, "a4-3x8", 0, 1), (24, "a4-3x8", 0, 1), (25, "a4-3x8", 0, 2), (24, "a4-3x8", 1, 2),
    (10, "a4-2x5", 9, 2), (40, "a4-4x10", 0, 1), (41, "a4-4x10", 39, 2), (42, "a4-4x10", 39, 3),
])
def test_label_pdf_page_count(count, layout, start, pages):
    labels = [Label(f"CODE-{i}", f"单位{i}", f"https://example.test/q/{i}/", ["简称"]) for i in range(count)]
    pdf = render_labels(labels, layout=LAYOUTS[layout], start=start, title="示范市机关事务服务中心")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert page_count(count, LAYOUTS[layout], start) == pages
    assert _pages(pdf) == pages


def test_label_pdf_of_a_filtered_list_is_scoped(mini_city):
    client = _client(make_user("unit_admin", mini_city.edu))
    url = reverse("attachments:labels_pdf")
    everything = client.get(url + "?model=org.unit&layout=a4-3x8&start=1")
    assert everything.status_code == 200 and everything["Content-Type"] == "application/pdf"
    assert everything.content.startswith(b"%PDF-") and _pages(everything.content) == 1
    # 市教育局 sees two units (itself and its school); 23 skipped positions push the second to page 2
    assert _pages(client.get(url + "?model=org.unit&layout=a4-3x8&start=24").content) == 2
    assert _pages(client.get(url + "?model=org.unit&layout=a4-3x8&start=24&q=第一中学").content) == 1
    options = client.get(reverse("attachments:labels") + "?model=org.unit")
    body = options.content.decode()
    assert "共 <strong>2</strong> 张单位标签" in body
    assert "示范市卫生健康委员会" not in body
    bad = client.get(url + "?model=org.unit&layout=a4-2x5&start=11")
    assert bad.status_code == 302 and bad["Location"].startswith(reverse("attachments:labels"))


def test_label_pdf_ids_outside_scope_are_ignored(mini_city):
    client = _client(make_user("unit_admin", mini_city.edu))
    response = client.get(reverse("attachments:labels") + f"?model=org.unit&ids={mini_city.health.pk}")
    assert "共 <strong>0</strong> 张单位标签" in response.content.decode()
    api = client.get(reverse("attachments-api:labels") + f"?model=org.unit&ids={mini_city.edu.pk}")
    assert api.status_code == 200 and api.content.startswith(b"%PDF-")


def test_many_labels_fill_ten_sheets():
    labels = [Label(f"ZC-2026-{i:06d}", "台式计算机（联想 启天 M437）", f"https://qj.example/attachments/q/assets.asset/{i}/")
              for i in range(400)]
    pdf = render_labels(labels, layout=LAYOUTS["a4-4x10"])
    assert _pages(pdf) == 10  # 400 labels at 40 a sheet (speed is measured in benchmarks, not asserted here)


def test_lookup_by_typed_code(mini_city):
    user = make_user("unit_admin", mini_city.edu)
    found = lookup(user, " sfs-jyj-01 ")
    assert (found.status, found.url) == ("found", mini_city.edu_school.get_absolute_url())
    out = lookup(user, "SFS-WJW")
    assert (out.status, out.message) == ("out_of_scope", "编码“SFS-WJW”对应的对象不在您的数据权限范围内，无法查看。")
    unknown = lookup(user, "NO-SUCH")
    assert (unknown.status, unknown.message) == ("unknown", "没有找到编码为“NO-SUCH”的对象，请核对后重试。")
    assert lookup(user, "  ").status == "empty"


def test_lookup_by_scanned_url(mini_city):
    user = make_user("unit_admin", mini_city.edu)
    url = f"http://192.168.1.10:8000/attachments/q/org.unit/{mini_city.edu.pk}/"
    assert lookup(user, url).url == mini_city.edu.get_absolute_url()
    page_url = f"https://qj.example{mini_city.edu.get_absolute_url()}"
    assert lookup(user, page_url).status == "found"
    assert lookup(user, f"/attachments/q/org.unit/{mini_city.health.pk}/").status == "out_of_scope"
    assert lookup(user, "/attachments/q/org.unit/999999/").status == "unknown"
    assert lookup(user, "https://weixin.qq.com/r/abc").message == "这个二维码不是本平台的标签，无法识别。"


def test_scan_lookup_page_and_json(mini_city):
    client = _client(make_user("unit_admin", mini_city.edu))
    url = reverse("attachments:scan_lookup")
    assert client.get(url + "?code=SFS-JYJ")["Location"] == mini_city.edu.get_absolute_url()
    page = client.get(url + "?code=SFS-WJW")
    assert page.status_code == 200 and "不在您的数据权限范围内" in page.content.decode()
    data = client.get(url + "?format=json&code=NOPE").json()
    assert data == {"status": "unknown", "message": "没有找到编码为“NOPE”的对象，请核对后重试。", "url": "", "choices": []}
    api = client.get(reverse("attachments-api:lookup") + "?code=sfs-jyj").json()
    assert api["status"] == "found" and api["url"] == mini_city.edu.get_absolute_url()
    assert client.get(reverse("attachments:scan")).status_code == 200


def test_several_matches_are_offered(mini_city):
    UnitFactory(code="DUP", name="重复甲", parent=mini_city.edu)
    user = make_user("center_office", mini_city.center)
    assert lookup(user, "dup").status == "found"
