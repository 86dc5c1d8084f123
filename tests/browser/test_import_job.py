"""Done-when of issue 3: an org import of 10,000 people runs as a background job with a progress page
and a correct preview of its errors; the commit runs as a job too. (Huey runs in immediate mode here:
the job has finished when its page opens; the moving bar is checked against a real worker by hand.)"""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from qinjian.jobs.models import JobRun
from qinjian.org.models import Person
from qinjian.testing.factories import DEFAULT_PASSWORD, make_user

from .conftest import BROWSER, login

pytestmark = BROWSER

HEADER = ["人员编号*", "姓名*", "性别*", "所在单位编码*", "部门名称", "职级", "职务", "编制类型", "状态", "手机号码"]
ROWS = 10_000


def people_file(path, *, broken: dict[int, tuple]) -> None:
    """10,000 people over the mini city's units; ``broken`` replaces data row i (0-based) by a bad one."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("人员")
    sheet.append(HEADER)
    units = ["SFS-JYJ", "SFS-JYJ-01", "SFS-WJW", "SFS-JGSW"]
    for i in range(ROWS):
        row = broken.get(i) or (f"T{i:06d}", f"导入人员{i}", "男" if i % 2 else "女", units[i % 4], "办公室", "",
                                "科员", "行政编制", "在职", f"139{i:08d}")
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())


@pytest.fixture
def officer(mini_city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_user("center_office", mini_city.city)


def upload(page, path):
    page.goto("/org/people/import/")
    page.set_input_files("#import-file", str(path))
    with page.expect_navigation(timeout=120_000):
        page.get_by_role("button", name="上传并校验").click()


def test_ten_thousand_people_import_as_jobs_with_errors_then_clean(page, officer, mini_city, tmp_path):
    bad = tmp_path / "人员_有错误.xlsx"
    people_file(bad, broken={
        41: ("T000041", "", "男", "SFS-JYJ", "", "", "", "", "", ""),                  # Excel row 43: no name
        5000: ("T005000", "查无此单位", "女", "SFS-NONE", "", "", "", "", "", ""),       # row 5002
        9998: ("T000007", "重复编号", "男", "SFS-WJW", "", "", "", "", "", ""),          # row 10000: duplicate
    })
    login(page, officer.username, DEFAULT_PASSWORD)
    upload(page, bad)

    job = JobRun.objects.get()
    assert page.url.endswith(f"/jobs/{job.pk}/")
    expect(page.locator(".qj-job-progress")).to_contain_text("成功")
    expect(page.locator(".qj-job-percent")).to_have_text("100%")
    result = page.locator(".qj-job-result")
    expect(result).to_contain_text("校验完成：共 3 行有错误。")
    expect(result).to_contain_text("将新增")
    expect(result.locator(".card-body .h2").first).to_have_text("10,000")  # 数据行
    errors = page.locator(".qj-job-errors tbody tr")
    expect(errors).to_have_count(3)
    expect(errors.nth(0)).to_contain_text("第 43 行")
    expect(errors.nth(1)).to_contain_text("第 5002 行")
    expect(errors.nth(1)).to_contain_text("单位编码“SFS-NONE”不存在。")
    expect(errors.nth(2)).to_contain_text("第 10000 行")
    expect(errors.nth(2)).to_contain_text("与第 9 行重复")

    page.get_by_role("link", name="查看结果").click()
    expect(page.locator(".qj-import-errors")).to_contain_text("第 5002 行")
    expect(page.locator(".qj-import-counts")).to_contain_text("9997")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    assert not Person.objects.filter(code__startswith="T").exists()

    good = tmp_path / "人员.xlsx"
    people_file(good, broken={})
    upload(page, good)
    expect(page.locator(".qj-job-result")).to_contain_text("校验通过：共 10,000 行")
    page.get_by_role("link", name="查看结果").click()
    with page.expect_navigation(timeout=180_000):
        page.get_by_role("button", name="确认导入").click()
    commit = JobRun.objects.filter(kind="import.commit").get()
    assert page.url.endswith(f"/jobs/{commit.pk}/")
    expect(page.locator(".qj-job-result")).to_contain_text("导入完成：共 10,000 行，新增 10,000")
    assert Person.objects.filter(code__startswith="T").count() == ROWS

    page.get_by_role("link", name="查看结果").click()
    expect(page.locator(".card-footer.bg-green-lt")).to_contain_text("导入完成")

    page.goto("/jobs/")
    expect(page.locator("#qj-results")).to_contain_text("导入人员：人员.xlsx（10,000 行）")
    expect(page.locator("#qj-results tbody tr")).to_have_count(3)
