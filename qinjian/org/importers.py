"""Excel/CSV import of units and people through the core pipeline (qinjian.core.importing).

Validation is set-based: units, departments, ranks and existing people are fetched once by natural
key, then every row runs the same rules as the forms (services.units.unit_check,
services.people.person_check). Units are written through unit_create/unit_update/unit_move so that
tree paths stay right; people are written with bulk_create/bulk_update plus explicit change records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils import timezone

from qinjian.alerts.signals import objects_changed
from qinjian.core import crypto
from qinjian.core.audit import bulk_log_created_rows
from qinjian.core.bulk_insert import allocate_ids, insert_rows
from qinjian.core.errors import DomainError, ValidationFailed
from qinjian.core.importing import (
    Column,
    ImportSpec,
    Progress,
    Report,
    Table,
    choice_parser,
    normalise,
    parse_code,
    parse_int,
    parse_phone,
    parse_text,
    register,
)
from qinjian.core.importing.audit import Change, bulk_log_changes, field_snapshot
from qinjian.core.models import ObjectChange
from qinjian.core.scope import DataScope, active_assignment, scope_q

from .choices import AdminLevel, Gender, PersonStatus, StaffingType, UnitType
from .models import Department, Person, Rank, Unit
from .services.people import person_check
from .services.units import UNIT_FIELDS, unit_check, unit_create, unit_move, unit_update

NO_SCOPE = "无权导入该单位的数据。"
CHUNK = 2000  # keys per IN (...) query: well under SQLite's and PostgreSQL's parameter limits


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _text(max_length: int) -> Any:
    return lambda value: parse_text(value, max_length=max_length)


def _code(max_length: int) -> Any:
    return lambda value: parse_code(value, max_length=max_length)


def _count(value: Any) -> int | None:
    return parse_int(value, min_value=0, max_value=100000)


def _sort(value: Any) -> int | None:
    return parse_int(value, min_value=0, max_value=2_000_000_000)


def allowed_unit_ids(user: Any) -> set[int] | None:
    """Units whose data the user may import (their active scope); None means every unit."""
    assignment = active_assignment(user)
    if assignment is None:
        return set()
    if assignment.scope == DataScope.ALL:
        return None
    if assignment.scope == DataScope.OWN:
        return set()  # "own records only" never covers a whole unit's ledger
    q = scope_q(Unit, user)
    return set() if q is None else set(Unit.objects.filter(q).values_list("pk", flat=True))


def _in_scope(allowed: set[int] | None, unit_id: int | None) -> bool:
    return allowed is None or (unit_id is not None and unit_id in allowed)


def _field_errors(report: Report, row: int, errors: dict[str, list[str]], field_to_key: dict[str, str],
                  skip: Iterable[str] = ()) -> None:
    skipped = set(skip)
    for name, messages in errors.items():
        key = field_to_key.get(name, name)
        if key in skipped:
            continue  # the cell already has a parse error
        for message in messages:
            report.error(row, key, message)


# ---------------------------------------------------------------------------------------------- units

UNIT_TYPE = choice_parser(UnitType.choices, name="单位类型", synonyms={
    "机关": UnitType.PARTY_GOV, "行政机关": UnitType.PARTY_GOV, "党政": UnitType.PARTY_GOV,
    "参公事业单位": UnitType.INSTITUTION_CIVIL, "参公单位": UnitType.INSTITUTION_CIVIL, "参公": UnitType.INSTITUTION_CIVIL,
    "事业": UnitType.INSTITUTION, "群团": UnitType.MASS_ORG, "国企": UnitType.SOE, "企业": UnitType.SOE,
})
ADMIN_LEVEL = choice_parser(AdminLevel.choices, name="行政层级", synonyms={
    "省": AdminLevel.PROVINCE, "省级单位": AdminLevel.PROVINCE, "市": AdminLevel.CITY, "市级单位": AdminLevel.CITY,
    "地市级": AdminLevel.CITY, "县": AdminLevel.COUNTY, "区县": AdminLevel.COUNTY, "县区": AdminLevel.COUNTY,
    "区县级": AdminLevel.COUNTY, "县区级": AdminLevel.COUNTY, "区级": AdminLevel.COUNTY, "乡": AdminLevel.TOWNSHIP,
    "镇": AdminLevel.TOWNSHIP, "乡镇": AdminLevel.TOWNSHIP, "乡镇级": AdminLevel.TOWNSHIP,
})

UNIT_FIELD_KEYS = {"code": "code", "name": "name", "credit_code": "credit_code", "unit_type": "unit_type",
                   "level": "level", "parent": "parent_code"}
UNIT_COMPARED = ("name", "short_name", "credit_code", "unit_type", "level", "sort_order", "address",
                 "contact_phone", "quota_admin", "quota_institution", "quota_worker")
UNIT_CLEARABLE = frozenset({"short_name", "credit_code", "address", "contact_phone"})
UNIT_OPTIONAL_DEFAULTS: dict[str, Any] = {"short_name": "", "credit_code": None, "address": "", "contact_phone": "",
                                          "quota_admin": 0, "quota_institution": 0, "quota_worker": 0,
                                          "sort_order": 0}


@dataclass
class UnitRow:
    row: int
    code: str
    data: dict[str, Any]
    parent_code: str | None  # final parent code ("" = top level)
    existing: dict[str, Any] | None
    changed: dict[str, Any] = field(default_factory=dict)
    move: bool = False


@register
class UnitImportSpec(ImportSpec):
    kind = "org.unit"
    label = "单位"
    permission = "org.import_unit"
    columns = (
        Column("code", "单位编码", ("单位代码", "机构编码", "机构代码", "编码"), True, _code(32),
               "全市唯一；已存在的编码将更新该单位，不会重复新增。", width=16, as_text=True),
        Column("name", "单位名称", ("单位全称", "机构名称", "名称", "单位"), True, _text(100), width=28),
        Column("short_name", "简称", ("单位简称",), False, _text(50)),
        Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "统一代码"), False, _code(18),
               "18 位，填写后校验校验位。", width=22, as_text=True),
        Column("unit_type", "单位类型", ("单位性质", "机构类型", "机构性质"), True, UNIT_TYPE,
               choices=tuple(UnitType.labels), width=18),
        Column("level", "行政层级", ("层级", "级别", "机构层级", "单位层级"), True, ADMIN_LEVEL,
               choices=tuple(AdminLevel.labels)),
        Column("parent_code", "上级单位编码", ("上级编码", "上级单位代码", "主管单位编码", "上级机构编码"), False,
               _code(32), "留空表示顶级单位；可以是本文件中前后任意一行的单位。", width=16, as_text=True),
        Column("quota_admin", "行政编制数", ("行政编制",), False, _count, "0 到 100000 的整数。"),
        Column("quota_institution", "事业编制数", ("事业编制",), False, _count, "0 到 100000 的整数。"),
        Column("quota_worker", "工勤编制数", ("工勤编制",), False, _count, "0 到 100000 的整数。"),
        Column("address", "地址", ("办公地址", "单位地址", "详细地址"), False, _text(200), width=30),
        Column("contact_phone", "办公电话", ("联系电话", "电话", "单位电话"), False, _text(32), as_text=True),
        Column("sort_order", "排序", ("排序号", "显示顺序"), False, _sort, "数字越小越靠前。"),
    )
    example = {"code": "SFS-EXAMPLE", "name": "示范市某某局", "short_name": "某某局",
               "credit_code": "", "unit_type": "党政机关", "level": "市级", "parent_code": "SFS",
               "quota_admin": 30, "quota_institution": 0, "quota_worker": 2, "address": "示范市人民路 1 号",
               "contact_phone": "029-12345678", "sort_order": 10}
    notes = (
        "第 1 行为表头（带 * 的列必须填写），第 2 行为示例；示例行原样保留时会被自动忽略。",
        "以“单位编码”识别单位：编码已存在则更新该单位，不存在则新增；重复导入同一文件不会产生重复数据。",
        "上级单位可以是系统中已有的单位，也可以是本文件中的其他行（顺序不限）；不能把单位放到它自己的下级之下。",
        "选填列留空时：新增单位取默认值；已有单位的“简称、统一社会信用代码、地址、办公电话”留空表示清空，编制数和排序留空表示不变。",
        "导入是“全部成功或全部不导入”：任何一行有错，都不会写入任何数据。",
    )
    preview_keys = ("code", "name", "unit_type", "level", "parent_code")
    depends_on = ("org.Unit",)
    url_names = {"upload": "org:unit_import", "template": "org:unit_import_template",
                 "preview": "org:unit_import_preview", "commit": "org:unit_import_commit",
                 "errors": "org:unit_import_errors", "list": "org:unit_list"}

    def validate(self, table: Table, *, user: Any, report: Report, progress: Progress) -> list[UnitRow]:
        existing = {u["code"]: u for u in Unit.objects.values(
            "pk", "code", "parent_id", "is_active", "tree_path", *UNIT_COMPARED)}
        code_by_pk = {u["pk"]: code for code, u in existing.items()}
        credit_owner = {u["credit_code"]: code for code, u in existing.items() if u["credit_code"]}
        allowed = allowed_unit_ids(user)
        can_move = user.has_perm("org.move_unit")
        present = table.present
        labels_type = dict(UnitType.choices)
        labels_level = dict(AdminLevel.choices)

        rows: dict[str, UnitRow] = {}
        first_row: dict[str, int] = {}
        first_credit: dict[str, int] = {}
        for parsed in table.rows:
            n = parsed.number
            code = parsed.get("code", "")
            if code and code in first_row:
                report.error(n, "code", f"单位编码“{code}”与第 {first_row[code]} 行重复。")
                continue
            if code:
                first_row[code] = n
            old = existing.get(code)
            data: dict[str, Any] = {}
            for key in ("code", "name", "unit_type", "level"):
                data[key] = parsed.values.get(key) if present(key) or old is None else old[key]
            for key, default in UNIT_OPTIONAL_DEFAULTS.items():
                value = parsed.values.get(key)
                if present(key) and key not in parsed.failed and (value is not None or key in UNIT_CLEARABLE):
                    data[key] = value if value is not None else default  # blank text clears
                else:
                    data[key] = old[key] if old is not None else default
            cleaned, errors = unit_check(data)
            _field_errors(report, n, errors, UNIT_FIELD_KEYS, skip=parsed.failed)
            credit = cleaned["credit_code"]
            if credit and "credit_code" not in errors:
                owner = credit_owner.get(credit)
                if owner is not None and owner != code:
                    report.error(n, "credit_code", "该统一社会信用代码已登记在其他单位。")
                elif credit in first_credit:
                    report.error(n, "credit_code", f"统一社会信用代码与第 {first_credit[credit]} 行重复。")
                else:
                    first_credit[credit] = n
            if present("parent_code") and "parent_code" not in parsed.failed:
                parent_code = parsed.values.get("parent_code") or ""
            else:
                parent_code = code_by_pk.get(old["parent_id"], "") if old else ""
            if parent_code and parent_code == code:
                report.error(n, "parent_code", "上级单位不能是本单位。")
            if code:
                rows[code] = UnitRow(n, code, cleaned, parent_code, old)

        def final_parent(code: str) -> str:
            if code in rows:
                return rows[code].parent_code or ""
            unit = existing.get(code)
            return code_by_pk.get(unit["parent_id"], "") if unit else ""

        # Parents must exist, be active, and never be the unit's own descendant (in the final tree).
        for code, item in rows.items():
            parent = item.parent_code
            if not parent or parent == code:
                continue
            if parent not in rows and parent not in existing:
                report.error(item.row, "parent_code", f"上级单位编码“{parent}”在系统和本文件中都不存在。")
                continue
            if parent in existing and parent not in rows and not existing[parent]["is_active"]:
                report.error(item.row, "parent_code", f"上级单位“{existing[parent]['name']}”已停用。")
                continue
            seen = {code}
            walker = parent
            while walker:
                if walker in seen:
                    report.error(item.row, "parent_code",
                                 f"上级单位“{parent}”是本单位的下级单位，不能把单位放到它自己的下级之下。")
                    break
                seen.add(walker)
                walker = final_parent(walker)

        def placed_in_scope(code: str, depth: int = 0) -> bool:
            """Where the unit ends up is inside the user's scope."""
            if allowed is None:
                return True
            if depth > 64 or not code:
                return False
            unit = existing.get(code)
            if unit is not None and unit["pk"] in allowed:
                return True
            if code in rows and rows[code].existing is None:
                return placed_in_scope(rows[code].parent_code or "", depth + 1)
            return False

        plan: list[UnitRow] = []
        for count, (code, item) in enumerate(rows.items(), start=1):
            if count % 500 == 0:
                progress("validate", count, len(rows))
            old = item.existing
            if old is not None and not _in_scope(allowed, old["pk"]):
                report.error(item.row, "code", NO_SCOPE)
                continue
            old_parent = code_by_pk.get(old["parent_id"], "") if old else ""
            moving = old is not None and (item.parent_code or "") != old_parent
            if (old is None or moving) and not placed_in_scope(item.parent_code or ""):
                report.error(item.row, "parent_code" if item.parent_code else "code", NO_SCOPE)
                continue
            if moving and not can_move:
                report.error(item.row, "parent_code", "您没有调整上级单位的权限。")
                continue
            if report.has_errors(item.row):
                continue
            display = {
                "code": code, "name": item.data["name"],
                "unit_type": labels_type.get(item.data["unit_type"], ""),
                "level": labels_level.get(item.data["level"], ""), "parent_code": item.parent_code or "（顶级）",
            }
            if old is None:
                report.outcome(item.row, "create", display)
                plan.append(item)
                continue
            item.changed = {k: item.data[k] for k in UNIT_COMPARED if item.data[k] != old[k]}
            item.move = moving
            if not item.changed and not moving:
                report.outcome(item.row, "unchanged", display)
                continue
            changes = [f"{getattr(Unit._meta.get_field(k), 'verbose_name', k)}：{_show(old[k], k)} → {_show(v, k)}"
                       for k, v in item.changed.items()]
            if moving:
                changes.append(f"上级单位：{old_parent or '（顶级）'} → {item.parent_code or '（顶级）'}")
            report.outcome(item.row, "update", display, changes)
            plan.append(item)

        # Parents before children: order by depth in the final tree.
        def depth(code: str) -> int:
            d, walker = 0, final_parent(code)
            while walker and d < 256:
                d, walker = d + 1, final_parent(walker)
            return d

        plan.sort(key=lambda item: (depth(item.code), item.row))
        return plan

    def commit(self, plan: list[UnitRow], *, user: Any, progress: Progress) -> dict[str, int]:
        created = updated = 0
        for count, item in enumerate(plan, start=1):
            parent = Unit.objects.get(code=item.parent_code) if item.parent_code else None
            try:
                if item.existing is None:
                    fields = {k: v for k, v in item.data.items() if k in UNIT_FIELDS}
                    unit_create(parent=parent, **fields)
                    created += 1
                else:
                    unit = Unit.objects.get(pk=item.existing["pk"])
                    if item.changed:
                        unit = unit_update(unit=unit, **item.changed)
                    if item.move:
                        unit_move(unit=unit, new_parent=parent)
                    updated += 1
            except ValidationFailed as exc:
                details = "；".join(m for ms in exc.fields.values() for m in ms) or exc.message
                raise DomainError(f"第 {item.row} 行：{details}本次没有导入任何数据。") from None
            progress("commit", count, len(plan))
        return {"created": created, "updated": updated}


def _show(value: Any, key: str) -> str:
    if value in (None, ""):
        return "（空）"
    if key == "unit_type":
        return str(UnitType(value).label)
    if key == "level":
        return str(AdminLevel(value).label)
    return str(value)


# --------------------------------------------------------------------------------------------- people

GENDER = choice_parser(Gender.choices, name="性别", synonyms={"男性": Gender.MALE, "女性": Gender.FEMALE})
STAFFING = choice_parser(StaffingType.choices, name="编制类型", synonyms={
    "行政": StaffingType.ADMIN, "公务员": StaffingType.ADMIN, "事业": StaffingType.INSTITUTION,
    "工勤": StaffingType.WORKER, "工勤人员": StaffingType.WORKER, "编外人员": StaffingType.NONE,
    "无编制": StaffingType.NONE, "聘用": StaffingType.NONE, "合同制": StaffingType.NONE,
})
STATUS = choice_parser(PersonStatus.choices, name="状态", synonyms={
    "在岗": PersonStatus.ACTIVE, "在编": PersonStatus.ACTIVE, "正常": PersonStatus.ACTIVE,
    "已退休": PersonStatus.RETIRED, "离退休": PersonStatus.RETIRED, "调出": PersonStatus.TRANSFERRED,
    "离职": PersonStatus.TRANSFERRED, "已调离": PersonStatus.TRANSFERRED,
})
PERSON_FIELD_KEYS = {"code": "code", "name": "name", "gender": "gender", "unit": "unit_code",
                     "department": "department", "rank": "rank", "staffing_type": "staffing_type",
                     "status": "status", "phone": "phone", "post": "post"}
PERSON_COMPARED = ("name", "gender", "unit_id", "department_id", "rank_id", "post", "staffing_type", "status",
                   "phone", "sort_order")
PERSON_LABELS = {"name": "姓名", "gender": "性别", "unit_id": "所在单位", "department_id": "部门", "rank_id": "职级",
                 "post": "职务", "staffing_type": "编制类型", "status": "状态", "phone": "手机号码",
                 "sort_order": "排序"}


@lru_cache(maxsize=4096)  # per row of an import, over a few hundred distinct names
def _key(text: str) -> str:
    return normalise(text).replace(" ", "").lower()


# A new person in the plan: values in this order (a tuple, not a model instance: 100,000 of them are
# built, pickled beside the upload and written with a raw bulk insert).
CREATE_FIELDS = ("code", "name", "gender", "unit_id", "department_id", "rank_id", "post", "staffing_type", "status",
                 "phone", "sort_order")
CREATE_COLUMNS = ("id", *CREATE_FIELDS, "phone_index", "is_active", "created_by_id", "created_at", "updated_at")
_UNIT_AT, _PHONE_AT = CREATE_FIELDS.index("unit_id"), CREATE_FIELDS.index("phone")


@dataclass
class PersonPlan:
    creates: list[tuple[Any, ...]] = field(default_factory=list)  # values in CREATE_FIELDS order
    updates: list[tuple[Person, dict[str, Any]]] = field(default_factory=list)  # person, field -> new value


@dataclass
class _PersonLookups:
    """What validating people looks rows up in, filled chunk by chunk as the file streams by."""

    allowed: set[int] | None
    rank_by_name: dict[tuple[str, str], Rank]
    rank_by_code: dict[tuple[str, str], Rank]
    rank_names: dict[str, str]
    rank_label: dict[int, str]
    units: dict[str, Unit | None] = field(default_factory=dict)  # unit code -> unit (None: no such unit)
    dept_by_code: dict[tuple[int, str], Department] = field(default_factory=dict)
    dept_by_name: dict[tuple[int, str], Department] = field(default_factory=dict)
    unit_names: dict[int, str] = field(default_factory=dict)
    dept_names: dict[int, str] = field(default_factory=dict)
    first_row: dict[str, int] = field(default_factory=dict)  # person code -> first file row naming it

    def add_units(self, codes: set[str]) -> None:
        wanted = sorted(codes - set(self.units))
        fresh = {u.code: u for u in Unit.objects.filter(code__in=wanted)} if wanted else {}
        self.units.update({code: fresh.get(code) for code in wanted})
        self.unit_names.update({u.pk: u.name for u in fresh.values()})
        if fresh:
            for dept in Department.objects.filter(unit_id__in=[u.pk for u in fresh.values()], is_active=True):
                self.dept_by_code[(dept.unit_id, dept.code)] = dept
                self.dept_by_name.setdefault((dept.unit_id, _key(dept.name)), dept)
                self.dept_names[dept.pk] = dept.name

    def add_names(self, people: Iterable[Person]) -> None:
        """Names of the current units and departments of people being moved in from elsewhere, for the preview."""
        people = list(people)
        missing_units = {p.unit_id for p in people} - set(self.unit_names)
        missing_depts = {p.department_id for p in people if p.department_id} - set(self.dept_names)
        if missing_units:
            self.unit_names.update(Unit.objects.filter(pk__in=missing_units).values_list("pk", "name"))
        if missing_depts:
            self.dept_names.update(Department.objects.filter(pk__in=missing_depts).values_list("pk", "name"))


@register
class PersonImportSpec(ImportSpec):
    kind = "org.person"
    label = "人员"
    permission = "org.import_person"
    columns = (
        Column("code", "人员编号", ("工号", "编号", "人员代码", "职工编号", "人员编码"), True, _code(32),
               "全市唯一；已存在的编号将更新该人员，不会重复新增。", as_text=True),
        Column("name", "姓名", ("名字", "人员姓名"), True, _text(50)),
        Column("gender", "性别", (), True, GENDER, choices=tuple(Gender.labels), width=8),
        Column("unit_code", "所在单位编码", ("单位编码", "单位代码", "所属单位编码", "所在单位代码"), True,
               _code(32), "填写系统中已有单位的单位编码（见“单位”列表）。", width=16, as_text=True),
        Column("department", "部门名称", ("部门", "所在部门", "内设机构", "处室", "科室", "所在处室"), False,
               _text(100), "所在单位的内设机构名称；也可以改用“部门编码”列。"),
        Column("department_code", "部门编码", ("部门代码", "内设机构编码"), False, _code(32),
               "可代替“部门名称”列填写（模板中未列出，需要时自行添加此列）。", as_text=True, in_template=False),
        Column("rank", "职级", ("职级名称", "级别"), False, _text(50),
               "须为本单位所在层级适用的职级，可选值见下方。", width=16),
        Column("post", "职务", ("岗位", "职务名称", "现任职务"), False, _text(100), width=16),
        Column("staffing_type", "编制类型", ("编制性质", "编制"), False, STAFFING,
               "留空时新增人员取“行政编制”，已有人员保持不变。", choices=tuple(StaffingType.labels)),
        Column("status", "状态", ("人员状态", "在职状态"), False, STATUS,
               "留空时新增人员取“在职”，已有人员保持不变。", choices=tuple(PersonStatus.labels), width=8),
        Column("phone", "手机号码", ("手机", "手机号", "联系电话", "移动电话", "电话"), False, parse_phone,
               "11 位手机号码；加密保存。", width=16, as_text=True),
        Column("sort_order", "排序", ("排序号", "显示顺序"), False, _sort, "数字越小越靠前；留空时不变。", width=8),
    )
    example = {"code": "P-EXAMPLE", "name": "张三", "gender": "男", "unit_code": "SFS-JYJ", "department": "办公室",
               "department_code": "", "rank": "局(处)级以下", "post": "科员", "staffing_type": "行政编制",
               "status": "在职", "phone": "13800000000", "sort_order": 10}
    notes = (
        "第 1 行为表头（带 * 的列必须填写），第 2 行为示例；示例行原样保留时会被自动忽略。",
        "以“人员编号”识别人员：编号已存在则更新该人员，不存在则新增；重复导入同一文件不会产生重复数据。",
        "只能导入您有权管理的单位的人员；部门须是所在单位已有的内设机构。",
        "部门、职级、职务、手机号码留空表示清空该项；编制类型、状态、排序留空表示新增时取默认值、已有人员保持不变。",
        "导入是“全部成功或全部不导入”：任何一行有错，都不会写入任何数据。",
    )
    preview_keys = ("code", "name", "gender", "unit_code", "department", "rank", "post", "phone")
    depends_on = ("org.Unit", "org.Department", "org.Rank", "org.Person")
    streamed = True  # validated chunk by chunk as the sheet is read: memory does not grow with the file
    preview_labels = {"unit_code": "所在单位", "department": "部门"}
    url_names = {"upload": "org:person_import", "template": "org:person_import_template",
                 "preview": "org:person_import_preview", "commit": "org:person_import_commit",
                 "errors": "org:person_import_errors", "list": "org:person_list"}

    def template_appendix(self) -> list[tuple[str, list[str]]]:
        ranks = list(Rank.objects.order_by("level", "sort_order"))
        return [("职级可选值（按单位行政层级）", [
            f"{label}单位：" + "、".join(r.name for r in ranks if r.level == level)
            for level, label in AdminLevel.choices if any(r.level == level for r in ranks)
        ])]

    def validate(self, table: Table, *, user: Any, report: Report, progress: Progress) -> PersonPlan:
        ranks = list(Rank.objects.all())
        look = _PersonLookups(
            allowed=allowed_unit_ids(user),
            rank_by_name={(r.level, _key(r.name)): r for r in ranks},
            rank_by_code={(r.level, r.code.upper()): r for r in ranks},
            rank_names={level: "、".join(r.name for r in ranks if r.level == level) for level in AdminLevel.values},
            rank_label={r.pk: r.name for r in ranks})
        plan = PersonPlan()
        done = 0
        for rows in table.chunks(CHUNK):  # set-based per chunk: the sheet is streamed, not held
            look.add_units({str(r.values["unit_code"]) for r in rows if r.values.get("unit_code")})
            codes = sorted({str(r.values["code"]) for r in rows if r.values.get("code")})
            existing = {p.code: p for p in Person.objects.filter(code__in=codes).select_related("department", "rank")}
            look.add_names(existing.values())
            for parsed in rows:
                self._check_row(parsed, report, plan, look, existing, table.present)
            done += len(rows)
            progress("validate", done, 0)
        return plan

    def _check_row(self, parsed: Any, report: Report, plan: PersonPlan, look: _PersonLookups,
                   existing: dict[str, Person], present: Any) -> None:
        """One row, by the same rules as the person form (``person_check``)."""
        n, values = parsed.number, parsed.values
        code = values.get("code") or ""
        first_row = look.first_row
        if code and code in first_row:
            report.error(n, "code", f"人员编号“{code}”与第 {first_row[code]} 行重复。")
            return
        if code:
            first_row[code] = n
        old = existing.get(code)
        unit_code = values.get("unit_code") or ""
        unit = look.units.get(unit_code)
        skip = set(parsed.failed)
        if unit_code and unit is None:
            report.error(n, "unit_code", f"单位编码“{unit_code}”不存在。")
            skip.add("unit_code")
        if unit is not None and not _in_scope(look.allowed, unit.pk):
            report.error(n, "unit_code", NO_SCOPE)
            return
        if old is not None and not _in_scope(look.allowed, old.unit_id):
            report.error(n, "code", f"人员编号“{code}”已被您管理范围以外的单位使用，{NO_SCOPE}")
            return

        data: dict[str, Any] = {"code": code, "name": values.get("name") or "", "gender": values.get("gender"),
                                "unit": unit}
        # Department and rank: columns present -> looked up (blank clears); absent -> kept.
        department = old.department if old is not None and unit is not None and old.unit_id == unit.pk else None
        if present("department") or present("department_code"):
            department = None
            dept_code, dept_name = values.get("department_code") or "", values.get("department") or ""
            if unit is not None and (dept_code or dept_name):
                department = (look.dept_by_code.get((unit.pk, dept_code)) if dept_code
                              else look.dept_by_name.get((unit.pk, _key(dept_name))))
                if department is None:
                    key = "department_code" if dept_code else "department"
                    report.error(n, key, f"“{unit.name}”下没有“{dept_code or dept_name}”这个部门。")
        data["department"] = department
        rank = old.rank if old is not None else None
        if present("rank") and "rank" not in parsed.failed:
            rank = None
            rank_text = values.get("rank") or ""
            if rank_text and unit is not None:
                rank = look.rank_by_name.get((unit.level, _key(rank_text))) or \
                    look.rank_by_code.get((unit.level, rank_text.upper()))
                if rank is None:
                    report.error(n, "rank", f"“{rank_text}”不是{unit.get_level_display()}单位适用的职级，"
                                            f"可选：{look.rank_names.get(unit.level, '')}。")
        data["rank"] = rank
        data["post"] = (values.get("post") or "") if present("post") else (old.post if old else "")
        data["phone"] = (values.get("phone") or "") if present("phone") else (old.phone if old else "")
        for key, default in (("staffing_type", StaffingType.ADMIN), ("status", PersonStatus.ACTIVE),
                             ("sort_order", 0)):
            value = values.get(key)
            data[key] = value if value is not None else (getattr(old, key) if old else default)

        cleaned, errors = person_check(data)
        _field_errors(report, n, errors, PERSON_FIELD_KEYS, skip=skip)
        if report.has_errors(n):
            return
        new = {"name": cleaned["name"], "gender": cleaned["gender"], "unit_id": unit.pk if unit else None,
               "department_id": department.pk if department else None, "rank_id": rank.pk if rank else None,
               "post": cleaned["post"], "staffing_type": cleaned["staffing_type"], "status": cleaned["status"],
               "phone": cleaned["phone"], "sort_order": cleaned["sort_order"]}
        changed = {k: v for k, v in new.items() if getattr(old, k) != v} if old is not None else new
        action = "create" if old is None else "update" if changed else "unchanged"
        display = {
            "code": code, "name": cleaned["name"], "gender": Gender(cleaned["gender"]).label,
            "unit_code": unit.name if unit else "", "department": department.name if department else "",
            "rank": rank.name if rank else "", "post": cleaned["post"],
            "phone": crypto.mask_phone(cleaned["phone"]) if cleaned["phone"] else "",
        } if report.wants_sample(action) else {}  # only the first rows of each kind are shown
        if old is None:
            plan.creates.append((code, *new.values()))
            report.outcome(n, "create", display)
            return
        if not changed:
            report.outcome(n, "unchanged", display)
            return
        plan.updates.append((old, changed))
        report.outcome(n, "update", display, [
            f"{PERSON_LABELS[k]}：{self._show(old, k, getattr(old, k), look.unit_names, look.dept_names, look.rank_label)} → "
            f"{self._show(old, k, v, look.unit_names, look.dept_names, look.rank_label)}"
            for k, v in changed.items()
        ] if display else [])

    @staticmethod
    def _show(person: Person, key: str, value: Any, units: dict[int, str], depts: dict[int, str],
              ranks: dict[int, str]) -> str:
        if value in (None, ""):
            return "（空）"
        if key == "unit_id":
            return units.get(value, str(value))
        if key == "department_id":
            return depts.get(value, str(value))
        if key == "rank_id":
            return ranks.get(value, str(value))
        if key == "phone":
            return crypto.mask_phone(value)
        if key in ("gender", "staffing_type", "status"):
            return str(dict(getattr(person._meta.get_field(key), "choices", None) or ()).get(value, value))
        return str(value)

    def commit(self, plan: PersonPlan, *, user: Any, progress: Progress) -> dict[str, int]:
        now = timezone.now()
        total = len(plan.creates) + len(plan.updates)
        done = 0
        if plan.creates:
            ids = allocate_ids(Person, len(plan.creates))
            user_id = getattr(user, "pk", None)
            index = crypto.blind_index

            def rows() -> Iterator[tuple[Any, ...]]:  # what Person.save() and bulk_create would store
                nonlocal done
                for pk, values in zip(ids, plan.creates, strict=True):
                    yield (pk, *values, index(values[_PHONE_AT]), True, user_id, now, now)
                    done += 1
                    if done % 5000 == 0:
                        progress("commit", done, total)

            insert_rows(Person, CREATE_COLUMNS, rows())
            bulk_log_created_rows(Person, (
                (pk, values[1], {**dict(zip(CREATE_COLUMNS, (pk, *values), strict=False)), "is_active": True,
                                 "created_by_id": user_id})
                for pk, values in zip(ids, plan.creates, strict=True)))
            progress("commit", done, total)
        changes: list[Change] = []
        fields: set[str] = set()
        for person, changed in plan.updates:
            before = field_snapshot(person, changed)
            for key, value in changed.items():
                setattr(person, key, value)
            if "phone" in changed:
                person.phone_index = crypto.blind_index(person.phone)
                fields.add("phone_index")
            person.updated_at = now
            fields.update(key.removesuffix("_id") if key.endswith("_id") else key for key in changed)
            changes.append(Change(person, ObjectChange.Action.UPDATE, before=before,
                                  after=field_snapshot(person, changed), message="Excel 导入"))
        if plan.updates:
            people = [p for p, _ in plan.updates]
            for chunk in _chunks(people, 500):
                Person.objects.bulk_update(chunk, sorted(fields | {"updated_at"}))
                done += len(chunk)
                progress("commit", done, total)
            bulk_log_changes(changes)
        # bulk writes skip the signals the alert rules listen to: re-evaluate the units touched
        touched = {values[_UNIT_AT] for values in plan.creates} | {p.unit_id for p, _ in plan.updates}
        touched |= {c.before["unit_id"] for c in changes if c.before and c.before.get("unit_id")}
        objects_changed(Unit, touched)
        return {"created": len(plan.creates), "updated": len(plan.updates)}

