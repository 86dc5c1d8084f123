"""People import: validation through the service rules, set-based; all-or-nothing; idempotent; scoped."""

from __future__ import annotations

import io
import os
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qinjian.core import crypto
from qinjian.core.errors import DomainError, NotAllowed
from qinjian.core.importing.services import (
    cache_progress,
    import_commit,
    import_upload,
    import_validate,
    progress_key,
)
from qinjian.core.models import ImportBatch, ObjectChange, SecurityEvent
from qinjian.org.models import Department, Person, Unit
from qinjian.org.services.units import unit_deactivate
from qinjian.testing.factories import DepartmentFactory, make_user

from .test_import_support import PERSON_HEADER, person_row, run_import, validate, xlsx

KIND = "org.person"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin(mini_city):
    return make_user("center_office", mini_city.city)


def people_file(rows, **kwargs):
    return xlsx([PERSON_HEADER, *rows], **kwargs)


def person_changes():
    return ObjectChange.objects.filter(content_type__model="person").count()


def test_import_creates_people_with_encrypted_phone_and_change_records(admin, mini_city):
    before_changes = person_changes()
    data = people_file([
        person_row("T001", "王小明", "SFS-JYJ", dept="办公室", rank="局(处)级以下", post="科员", phone="139 1234 5678",
                   staffing="事业编制", sort=5),
        person_row("T002", "李华", "SFS-JYJ-01", gender="女", rank="正局（处）级", status="退休"),
    ])
    batch = run_import(admin, KIND, data)
    assert batch.status == ImportBatch.Status.COMMITTED
    assert batch.counts["create"] == 2 and batch.counts["update"] == 0 and batch.counts["error"] == 0
    a = Person.objects.get(code="T001")
    assert (a.name, a.gender, a.unit, a.department.name, a.rank.name, a.post, a.staffing_type, a.sort_order) == (
        "王小明", "M", mini_city.edu, "办公室", "局(处)级以下", "科员", "institution", 5)
    assert a.phone == "13912345678"
    assert a.phone_index == crypto.blind_index("13912345678")
    assert a.created_by == admin
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {Person._meta.db_table} WHERE id = %s", [a.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("k1:") and "1391234" not in raw  # ciphertext at rest
    b = Person.objects.get(code="T002")
    assert (b.gender, b.unit, b.department, b.rank.name, b.status) == ("F", mini_city.edu_school, None, "正局(处)级",
                                                                       "retired")
    assert person_changes() == before_changes + 2
    log = ObjectChange.objects.get(content_type__model="person", object_id=str(a.pk))
    assert log.action == "create" and log.user == admin and log.after["phone"] == "139****5678"
    event = SecurityEvent.objects.get(event_type="import")
    assert event.username == admin.username
    assert event.detail == {"kind": KIND, "file": "导入.xlsx", "rows": 2, "created": 2, "updated": 0, "unchanged": 0}


def test_reimporting_the_same_file_changes_nothing(admin, mini_city):
    data = people_file([person_row(f"R{i:03d}", f"重复{i}", "SFS-WJW", phone=f"1380000{i:04d}") for i in range(5)])
    first = run_import(admin, KIND, data)
    people, changes = Person.objects.count(), ObjectChange.objects.count()
    second = run_import(admin, KIND, data)
    assert (first.counts["create"], first.counts["unchanged"]) == (5, 0)
    assert (second.counts["create"], second.counts["update"], second.counts["unchanged"]) == (0, 0, 5)
    assert Person.objects.count() == people
    assert ObjectChange.objects.count() == changes


def test_changed_rows_update_by_code_never_duplicate(admin, mini_city):
    run_import(admin, KIND, people_file([person_row("U001", "张三", "SFS-JYJ", phone="13900000001"),
                                         person_row("U002", "李四", "SFS-JYJ")]))
    person = Person.objects.get(code="U001")
    batch = validate(admin, KIND, people_file([person_row("U001", "张三丰", "SFS-WJW", phone="13900000002"),
                                               person_row("U002", "李四", "SFS-JYJ")]))
    assert batch.counts["update"] == 1 and batch.counts["unchanged"] == 1
    assert batch.preview["update"][0]["changes"] == [
        "姓名：张三 → 张三丰", "所在单位：示范市教育局 → 示范市卫生健康委员会", "手机号码：139****0001 → 139****0002"]
    import_commit(batch=batch, user=admin)
    person.refresh_from_db()
    assert (person.name, person.unit, person.phone) == ("张三丰", mini_city.health, "13900000002")
    assert person.phone_index == crypto.blind_index("13900000002")
    assert Person.objects.filter(code="U001").count() == 1
    log = ObjectChange.objects.filter(content_type__model="person", object_id=str(person.pk), action="update").get()
    assert log.changed_fields == ["name", "phone", "unit_id"]
    assert log.before == {"name": "张三", "unit_id": mini_city.edu.pk, "phone": "139****0001"}
    assert log.after == {"name": "张三丰", "unit_id": mini_city.health.pk, "phone": "139****0002"}


def test_absent_optional_columns_keep_existing_values(admin, mini_city):
    run_import(admin, KIND, people_file([person_row("K001", "赵六", "SFS-JYJ", post="科长", phone="13900000009")]))
    data = xlsx([("工号", "名字", "性别", "单位编码"), ("K001", "赵六", "男", "SFS-JYJ")])
    batch = run_import(admin, KIND, data)
    assert batch.counts["unchanged"] == 1
    person = Person.objects.get(code="K001")
    assert (person.post, person.phone) == ("科长", "13900000009")


def test_every_error_is_reported_by_row_and_header_and_nothing_is_written(admin, mini_city):
    people = Person.objects.count()
    rows = [
        person_row("E001", "正确的人", "SFS-JYJ"),
        person_row("E002", "", "SFS-JYJ", gender="未知"),
        person_row("E003", "单位不存在", "NOPE"),
        person_row("E004", "部门不对", "SFS-JYJ", dept="不存在科"),
        person_row("E005", "职级不对", "SFS-SFQ", rank="正局(处)级"),
        person_row("E006", "手机不对", "SFS-JYJ", phone="12345"),
        person_row("E001", "重复编号", "SFS-JYJ"),
        person_row("E007", "状态不对", "SFS-JYJ", status="出差", sort="第一"),
    ]
    batch = validate(admin, KIND, people_file(rows, title_rows=["示范市人员信息表"]))
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.header_row == 2
    assert batch.errors == [
        {"row": 4, "column": "性别*", "message": "“未知”不是可选的性别，可选：男、女。"},
        {"row": 4, "column": "姓名*", "message": "请填写姓名。"},
        {"row": 5, "column": "所在单位编码*", "message": "单位编码“NOPE”不存在。"},
        {"row": 6, "column": "部门名称", "message": "“示范市教育局”下没有“不存在科”这个部门。"},
        {"row": 7, "column": "职级", "message": "“正局(处)级”不是县级单位适用的职级，可选：县级正职、县级副职、正科级、副科级、科级以下。"},
        {"row": 8, "column": "手机号码", "message": "手机号码应为 11 位数字，以 1 开头。"},
        {"row": 9, "column": "人员编号*", "message": "人员编号“E001”与第 3 行重复。"},
        {"row": 10, "column": "状态", "message": "“出差”不是可选的状态，可选：在职、退休、调离。"},
        {"row": 10, "column": "排序", "message": "“第一”不是整数。"},
    ]
    assert batch.counts == {"create": 1, "update": 0, "unchanged": 0, "error": 7, "error_messages": 9}
    with pytest.raises(DomainError) as exc:
        import_commit(batch=batch, user=admin)
    assert exc.value.message == "该导入批次未通过校验，不能导入。"
    assert Person.objects.count() == people
    assert not SecurityEvent.objects.filter(event_type="import").exists()


def test_error_on_the_last_row_writes_nothing(admin, mini_city):
    people, changes = Person.objects.count(), ObjectChange.objects.count()
    rows = [person_row(f"L{i:03d}", f"人员{i}", "SFS-JYJ") for i in range(20)]
    rows.append(person_row("L999", "最后一行", "SFS-JYJ", phone="1"))
    batch = validate(admin, KIND, people_file(rows))
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors == [{"row": 22, "column": "手机号码", "message": "手机号码应为 11 位数字，以 1 开头。"}]
    assert (Person.objects.count(), ObjectChange.objects.count()) == (people, changes)


def test_data_changed_after_preview_is_caught_at_commit_and_nothing_is_written(admin, mini_city):
    rows = [person_row("S001", "甲", "SFS-SFQ"), person_row("S002", "乙", "SFS-JYJ")]
    batch = validate(admin, KIND, people_file(rows))
    assert batch.status == ImportBatch.Status.VALIDATED
    unit_deactivate(unit=mini_city.district)  # the district has no people, so it can be deactivated
    people = Person.objects.count()
    with pytest.raises(DomainError) as exc:
        import_commit(batch=batch, user=admin)
    assert exc.value.message == ("数据在预览后发生了变化，重新校验发现 1 行有错误，本次没有导入任何数据。"
                                 "请重新上传文件查看错误。")
    assert Person.objects.count() == people
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED


def test_rows_outside_the_users_scope_are_refused(mini_city):
    officer = make_user("unit_admin", mini_city.edu)  # edu and its school
    outsider = Person.objects.filter(unit=mini_city.health).first()
    people = Person.objects.count()
    rows = [
        person_row("Z001", "本单位", "SFS-JYJ"),
        person_row("Z002", "下级学校", "SFS-JYJ-01"),
        person_row("Z003", "别的单位", "SFS-WJW"),
        person_row(outsider.code, "抢人", "SFS-JYJ"),
    ]
    batch = validate(officer, KIND, people_file(rows))
    assert batch.errors == [
        {"row": 4, "column": "所在单位编码*", "message": "无权导入该单位的数据。"},
        {"row": 5, "column": "人员编号*",
         "message": f"人员编号“{outsider.code}”已被您管理范围以外的单位使用，无权导入该单位的数据。"},
    ]
    assert batch.counts["create"] == 2
    with pytest.raises(DomainError):
        import_commit(batch=batch, user=officer)
    assert Person.objects.count() == people
    outsider.refresh_from_db()
    assert outsider.unit == mini_city.health


def test_user_without_import_permission_is_refused(mini_city):
    viewer = make_user("center_leader", mini_city.city)
    with pytest.raises(NotAllowed):
        import_upload(user=viewer, kind=KIND, upload=io.BytesIO(people_file([])), name="a.xlsx")
    assert ImportBatch.objects.count() == 0


def test_only_the_uploader_may_commit_and_only_once(admin, mini_city):
    other = make_user("center_office", mini_city.city)
    batch = validate(admin, KIND, people_file([person_row("O001", "甲", "SFS-JYJ")]))
    with pytest.raises(NotAllowed):
        import_commit(batch=batch, user=other)
    assert not Person.objects.filter(code="O001").exists()
    import_commit(batch=batch, user=admin)
    with pytest.raises(DomainError) as exc:
        import_commit(batch=batch, user=admin)
    assert exc.value.message == "该文件已经导入，不能重复提交。"
    assert Person.objects.filter(code="O001").count() == 1


def test_expired_batch_cannot_be_committed(admin, mini_city, settings):
    batch = validate(admin, KIND, people_file([person_row("X001", "甲", "SFS-JYJ")]))
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=batch.created_at - ImportBatch.ttl())
    batch.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        import_commit(batch=batch, user=admin)
    assert exc.value.message == "该导入批次已过期，请重新上传文件。"
    assert not Person.objects.filter(code="X001").exists()


def _bulk_rows(n, unit_codes, depts=()):
    return [person_row(f"B{i:06d}", f"批量{i}", unit_codes[i % len(unit_codes)],
                       dept=depts[i % len(depts)] if depts else "", rank="局(处)级以下",
                       phone=f"139{i:08d}", gender="男女"[i % 2]) for i in range(n)]


def _validation_queries(user, data):
    batch = import_upload(user=user, kind=KIND, upload=io.BytesIO(data), name="q.xlsx")
    with CaptureQueriesContext(connection) as ctx:
        import_validate(batch=batch, user=user)
    return batch, len(ctx.captured_queries)


def test_validation_is_set_based(admin, mini_city):
    for unit in (mini_city.edu, mini_city.health):
        DepartmentFactory(unit=unit, code=f"{unit.code}-CWK", name="财务科")
    units = ["SFS-JYJ", "SFS-WJW"]
    run_import(admin, KIND, people_file(_bulk_rows(100, units, ["办公室", "财务科"])))  # some rows will be updates
    small_batch, small = _validation_queries(admin, people_file(_bulk_rows(50, units, ["办公室", "财务科"])))
    big_batch, big = _validation_queries(admin, people_file(_bulk_rows(500, units, ["办公室", "财务科"])))
    assert small_batch.counts["unchanged"] == 50
    assert (big_batch.counts["create"], big_batch.counts["unchanged"]) == (400, 100)
    assert big == small
    assert big <= 12


def test_ten_thousand_people(admin, mini_city):
    data = people_file(_bulk_rows(10_000, ["SFS-JYJ", "SFS-WJW", "SFS-JGSW", "SFS-JYJ-01"], ["办公室"]))
    people, changes = Person.objects.count(), ObjectChange.objects.count()
    started = time.perf_counter()
    batch = validate(admin, KIND, data)
    validated = time.perf_counter()
    import_commit(batch=batch, user=admin)
    finished = time.perf_counter()
    print(f"\n10,000 people ({connection.vendor}): validate {validated - started:.2f}s, "
          f"validate+commit {finished - validated:.2f}s, total {finished - started:.2f}s")
    assert Person.objects.count() == people + 10_000
    assert ObjectChange.objects.count() == changes + 10_000
    sample = Person.objects.get(code="B009999")
    assert (sample.phone, sample.phone_index) == ("13900009999", crypto.blind_index("13900009999"))
    assert sample.department == Department.objects.get(unit=sample.unit, name="办公室")
    assert Unit.objects.count() == 6


def test_committed_upload_is_deleted_and_progress_is_reported(admin, mini_city, django_capture_on_commit_callbacks):
    batch = validate(admin, KIND, people_file([person_row(f"G{i}", "甲", "SFS-JYJ") for i in range(3)]))
    path = batch.file.path
    with django_capture_on_commit_callbacks(execute=True):
        import_commit(batch=batch, user=admin, progress=cache_progress(batch, every=1))
    batch.refresh_from_db()
    assert not batch.file
    assert not os.path.exists(path)
    assert cache.get(progress_key(batch)) == {"stage": "commit", "done": 3, "total": 3}
