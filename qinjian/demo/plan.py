"""The demo city as plain data: a pure, deterministic function of (people, units, seed).

Nothing here touches the database, so the same arguments always give the same plan, and applying a
plan twice (see :mod:`qinjian.demo.build`) can create exactly what is missing and nothing else.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from qinjian.org.choices import AdminLevel, Gender, StaffingType, UnitType
from qinjian.org.validators import credit_code_check_char

from . import city
from .city import UnitSpec
from .names import MobileGenerator, NameGenerator

DEFAULT_PEOPLE = 2000
SEED = 20260101
PERSON_PREFIX = "SFS-P"


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    short_name: str
    unit_type: str
    level: str
    region: str
    parent: str
    credit_code: str
    sort_order: int
    address: str
    quota_admin: int
    quota_institution: int
    quota_worker: int


@dataclass(frozen=True)
class DepartmentRow:
    unit: str
    code: str
    name: str
    sort_order: int


@dataclass(frozen=True)
class PersonRow:
    code: str
    name: str
    gender: str
    unit: str
    department: str | None  # department code within the unit
    rank: str | None        # Rank.code
    post: str
    staffing_type: str
    phone: str
    sort_order: int


@dataclass(frozen=True)
class AccountRow:
    username: str
    role: str
    unit: str
    person: str | None
    anchor: str  # the unit the role's data scope is anchored at


@dataclass
class CityPlan:
    regions: list[tuple[str, str, str, str]] = field(default_factory=list)  # code, name, level, parent code
    units: list[UnitRow] = field(default_factory=list)
    departments: list[DepartmentRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    accounts: list[AccountRow] = field(default_factory=list)


# --- identifiers ------------------------------------------------------------------------------------

def _org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-character organization code body."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def credit_code(unit_type: str, region: str, index: int) -> str:
    """A unified social credit code (GB 32100) with valid organization-code and final check characters."""
    authority = {str(UnitType.PARTY_GOV): "11", UnitType.INSTITUTION_CIVIL: "12", UnitType.INSTITUTION: "12",
                 UnitType.MASS_ORG: "13", UnitType.PROVIDER: "91"}.get(unit_type, "19")
    if unit_type == UnitType.PROVIDER:
        body = f"MA{(381_907 + index * 7_919) % 10**6:06d}"
    else:
        body = f"{(7_346_211 + index * 104_729) % 10**8:08d}"
    first17 = authority + region + body + _org_code_check(body)
    return first17 + credit_code_check_char(first17)


# --- the list of units ------------------------------------------------------------------------------

def _district_specs(code: str, name: str, kind: str, region: str) -> list[UnitSpec]:
    county = AdminLevel.COUNTY
    gov = UnitSpec(code=code, name=f"{city.CITY}{name}人民政府", short_name=f"{name}政府", unit_type=city.PARTY,
                   weight=5, head=(f"{kind}长", f"副{kind}长"), base=(), kind="government", level=county,
                   region=region)
    specs = [gov]
    for suffix, uname, weight, business in city.DISTRICT_UNITS:
        ucode = f"{code}-{suffix}"
        short = f"{name}{'政府办' if suffix == 'ZFB' else uname}"
        specs.append(UnitSpec(
            code=ucode, name=f"{city.CITY}{name}{uname}", short_name=short,
            unit_type=city.CIVIL if suffix == "JGSW" else city.PARTY, weight=weight,
            head=("主任", "副主任") if suffix in {"ZFB", "JGSW"} else ("局长", "副局长"),
            base=("办公室", "财务股"), departments=business, parent=code,
            over_quota=ucode in city.OVER_QUOTA_DISTRICT_UNITS, level=county, region=region))
    return specs


def unit_specs(units: int | None = None) -> list[UnitSpec]:
    """Every unit, parents before children; more counties are added to reach ``units``."""
    specs = [city.ROOT, *city.MUNICIPAL, *city.SUBORDINATE, *city.PROVIDERS]
    for district in city.DISTRICTS:
        specs += _district_specs(*district)
    if units is not None and units > len(specs):
        per_district = 1 + len(city.DISTRICT_UNITS)
        needed = units - len(specs)
        for district in city.extra_districts(-(-needed // per_district)):
            specs += _district_specs(*district)
        del specs[units:]
    return specs


def _spread(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), each at least ``minimum``."""
    if not weights:
        return []
    floor_total = max(total - minimum * len(weights), 0)
    wsum = sum(weights) or 1
    raw = [w * floor_total / wsum for w in weights]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[: floor_total - sum(out)]:
        out[i] += 1
    return [o + minimum for o in out]


# --- people -----------------------------------------------------------------------------------------

STAFF_POSTS: dict[str, tuple[tuple[str, int], ...]] = {
    "city": (("一级主任科员", 1), ("二级主任科员", 2), ("三级主任科员", 3), ("四级主任科员", 3), ("一级科员", 3),
             ("二级科员", 1)),
    "county": (("二级主任科员", 1), ("三级主任科员", 2), ("四级主任科员", 3), ("一级科员", 3), ("二级科员", 2)),
    "police": (("一级警长", 1), ("二级警长", 2), ("三级警长", 3), ("四级警长", 2), ("一级警员", 3), ("二级警员", 2)),
    "court": (("审判员", 3), ("法官助理", 3), ("书记员", 2)),
    "procuratorate": (("检察官", 3), ("检察官助理", 3), ("书记员", 2)),
    "school": (("正高级教师", 1), ("高级教师", 4), ("一级教师", 6), ("二级教师", 3)),
    "hospital": (("主任医师", 1), ("副主任医师", 2), ("主治医师", 4), ("住院医师", 3), ("主管护师", 3), ("护师", 3),
                 ("护士", 2)),
    "cdc": (("主任医师", 1), ("副主任医师", 2), ("主管医师", 3), ("医师", 3), ("主管技师", 2), ("检验师", 2)),
    "service": (("八级职员", 2), ("九级职员", 3), ("十级职员", 2), ("工程师", 1), ("助理工程师", 2)),
    "worker": (("驾驶员", 3), ("工勤技能人员", 3), ("电工", 1), ("文印员", 1)),
    "none": (("聘用人员", 3), ("劳务派遣人员", 1)),
}
PROVIDER_POSTS = {"综合部": ("行政专员", "会计", "出纳"), "保洁部": ("保洁员",), "秩序维护部": ("秩序维护员",),
                  "工程维修部": ("维修电工", "水暖工", "空调维修工"), "厨房": ("厨师", "面点师", "帮厨"),
                  "餐厅服务部": ("服务员",), "采购部": ("采购员", "食品安全员")}
CLINICAL = frozenset(dept for spec in city.SUBORDINATE if spec.kind == "hospital" for dept in spec.departments)


def chief_titles(dept: str, kind: str) -> tuple[str, str]:
    """Titles of a department's head and deputy, by the department's name (科长, 主任, 庭长 …)."""
    if kind == "provider":
        return ("厨师长", "副厨师长") if dept == "厨房" else ("经理", "副经理")
    if dept in CLINICAL or (kind == "school" and dept.endswith("处")):
        return "主任", "副主任"
    for suffix, title in (("支队", "支队长"), ("庭", "庭长"), ("局", "局长"), ("组", "组长"), ("股", "股长"),
                          ("处", "处长"), ("科", "科长")):
        if dept.endswith(suffix):
            return title, "副" + title
    if dept.endswith("部") and kind == "mass":
        return "部长", "副部长"
    return "主任", "副主任"  # 办公室, 室, 中心, 部 of courts/procuratorates/hospitals, 办


def _post_pool(spec: UnitSpec, staffing: str) -> str:
    if staffing in (StaffingType.WORKER, StaffingType.NONE):
        return "worker" if staffing == StaffingType.WORKER else "none"
    if spec.kind in STAFF_POSTS:
        return spec.kind
    return "county" if spec.level == AdminLevel.COUNTY else "city"


def _ranks(spec: UnitSpec) -> tuple[str | None, str | None, str | None]:
    """Rank codes of the head, the deputies and everyone else."""
    if spec.kind == "provider":
        return None, None, None
    if spec.level == AdminLevel.COUNTY:
        return ("X-1", "X-2", "X-5") if spec.kind == "government" else ("X-3", "X-4", "X-5")
    if spec.kind == "government":
        return "C-1", "C-2", "C-5"
    if spec.unit_type == UnitType.INSTITUTION:
        return "C-4", "C-5", "C-5"
    return spec.head_rank or "C-3", "C-4", "C-5"


class _Builder:
    def __init__(self, seed: int, region_names: dict[str, str]):
        self.rng = random.Random(seed)
        self.region_names = region_names
        self.names = NameGenerator(self.rng)
        self.phones = MobileGenerator(self.rng)
        self.plan = CityPlan()
        self.person_seq = 0

    def unit(self, spec: UnitSpec, index: int, sort_order: int, n: int) -> None:
        rng = self.rng
        main_types: dict[str, str] = {UnitType.PARTY_GOV: StaffingType.ADMIN, UnitType.MASS_ORG: StaffingType.ADMIN,
                                      UnitType.PROVIDER: StaffingType.NONE}
        main = main_types.get(spec.unit_type, StaffingType.INSTITUTION)
        # Head count by role: the head, deputies, then department chiefs and staff.
        if spec.kind == "government":
            deputies = max(n - 1, 0)  # the mayor's (district head's) team
        elif n < 3:
            deputies = 0
        else:
            deputies = min(4, max(1, n // 12))
        staff_total = max(n - 1 - deputies, 0)
        depts = list(spec.base if spec.base is not None else
                     (city.BASE_DEPTS if spec.weight >= 20 else city.SMALL_BASE_DEPTS)) + list(spec.departments)
        dept_codes = []
        for i, name in enumerate(depts):
            code = f"{i + 1:02d}"
            dept_codes.append(code)
            self.plan.departments.append(DepartmentRow(spec.code, code, name, (i + 1) * 10))
        per_dept = _spread(staff_total, [1.5 if i == 0 else 1.0 for i in range(len(depts))]) if depts else []

        # Staffing: leaders and chiefs hold the unit's main staffing type; the rest is mixed.
        if spec.unit_type == UnitType.PROVIDER or spec.kind == "government":
            worker = extra = 0
        else:
            worker = round(n * 0.06) if n >= 8 else 0
            extra = round(n * (0.12 if spec.kind == "police" else 0.05)) if n >= 10 else 0
        chiefs = (1 + deputies if n else 0) + sum(1 for k in per_dept if k) + sum(1 for k in per_dept if k >= 5)
        main_count = n - worker - extra
        if main_count < chiefs:
            main_count, worker, extra = n, 0, 0
        pool = [main] * (main_count - chiefs) + [StaffingType.WORKER] * worker + [StaffingType.NONE] * extra
        rng.shuffle(pool)

        # Quotas: a little headroom, except the units deliberately over quota.
        quotas: dict[str, int] = {StaffingType.ADMIN: 0, StaffingType.INSTITUTION: 0, StaffingType.WORKER: 0}
        if main != StaffingType.NONE:
            slack = -rng.randint(1, 3) if spec.over_quota else rng.randint(0, 3)
            quotas[main] = max(main_count + slack, 0)
            quotas[StaffingType.WORKER] = worker + rng.randint(0, 1) if worker else 0
        street = rng.choice(city.STREETS)
        district = self.region_names.get(spec.region, "") if spec.level == AdminLevel.COUNTY else ""
        self.plan.units.append(UnitRow(
            code=spec.code, name=spec.name, short_name=spec.short_name, unit_type=spec.unit_type, level=spec.level,
            region=spec.region, parent=spec.parent, credit_code=credit_code(spec.unit_type, spec.region, index),
            sort_order=sort_order, address=f"{city.CITY}{district}{street}{rng.randint(1, 299)}号",
            quota_admin=quotas[StaffingType.ADMIN], quota_institution=quotas[StaffingType.INSTITUTION],
            quota_worker=quotas[StaffingType.WORKER],
        ))

        head_rank, deputy_rank, staff_rank = _ranks(spec)
        female_share = {"school": 0.62, "hospital": 0.68, "cdc": 0.55}.get(spec.kind, 0.42)
        if spec.code.endswith("-FL"):
            female_share = 0.85
        used: set[str] = set()

        def add(post: str, rank: str | None, staffing: str, dept: str | None, leader: bool) -> None:
            share = female_share * (0.45 if leader else 1.0)
            gender = Gender.FEMALE if rng.random() < share else Gender.MALE
            name = self.names.name(gender, avoid=used)
            used.add(name)
            self.person_seq += 1
            self.plan.people.append(PersonRow(
                code=f"{PERSON_PREFIX}{self.person_seq:06d}", name=name, gender=gender, unit=spec.code,
                department=dept, rank=rank, post=post, staffing_type=staffing, phone=self.phones.next(),
                sort_order=(len(used)) * 10,
            ))

        if n:
            add(spec.head[0], head_rank, main, None, True)
        for _ in range(deputies):
            add(spec.head[1], deputy_rank, main, None, True)
        kind = "mass" if spec.unit_type == UnitType.MASS_ORG else spec.kind
        for dept, code, k in zip(depts, dept_codes, per_dept, strict=True):
            chief, deputy = chief_titles(dept, kind)
            for j in range(k):
                if j == 0:
                    add(chief, staff_rank, main, code, False)
                elif j == 1 and k >= 5:
                    add(deputy, staff_rank, main, code, False)
                else:
                    staffing = pool.pop()
                    if spec.kind == "provider":
                        post = rng.choice(PROVIDER_POSTS.get(dept, ("服务人员",)))
                    elif staffing == StaffingType.NONE and spec.kind == "police":
                        post = "辅警"
                    else:
                        posts, weights = zip(*STAFF_POSTS[_post_pool(spec, staffing)], strict=True)
                        post = rng.choices(posts, weights=weights)[0]
                    add(post, staff_rank, staffing, code, False)


# Demo logins: (username, role code, unit code, department name or None for a unit leader, chief?);
# the scope is the role's default, anchored at the person's unit unless SCOPE_ANCHORS says otherwise.
ACCOUNTS: tuple[tuple[str, str, str, str | None, bool], ...] = (
    ("leader", "center_leader", "SFS-JGSW", None, True),
    ("office", "center_office", "SFS-JGSW", "办公室", True),
    ("asset", "center_asset", "SFS-JGSW", "资产管理科", True),
    ("vehicle", "center_vehicle", "SFS-JGSW", "公务用车管理科", True),
    ("warehouse", "center_warehouse", "SFS-JGSW", "公物仓管理科", True),
    ("finance", "center_finance", "SFS-JGSW", "财务采购科", True),
    ("service", "center_service", "SFS-JGSW", "服务保障科", True),
    ("energy", "center_energy", "SFS-JGSW", "节能管理科", True),
    ("safety", "center_safety", "SFS-JGSW", "安全信访科", True),
    ("party", "center_party", "SFS-JGSW", "党建办公室", True),
    ("jyj_admin", "unit_admin", "SFS-JYJ", "办公室", False),
    ("wjw_admin", "unit_admin", "SFS-WJW", "办公室", False),
    ("sfq_admin", "unit_admin", "SFS-SFQ-ZFB", "办公室", False),
    ("jyj_asset", "unit_asset_officer", "SFS-JYJ", "财务科", False),
    ("yz_asset", "unit_asset_officer", "SFS-JYJ-YZ", "总务处", False),
    ("jyj_vehicle", "unit_vehicle_officer", "SFS-JYJ", "办公室", False),
    ("jyj_budget", "unit_budget_officer", "SFS-JYJ", "财务科", True),
    ("staff", "staff", "SFS-JYJ", "基础教育科", False),
    ("provider", "provider", "SFS-WY", "综合部", False),
    ("sysadmin", "sysadmin", "SFS-JGSW", "办公室", False),
    ("secadmin", "secadmin", "SFS-JGSW", "办公室", False),
    ("auditadmin", "auditadmin", "SFS-JGSW", "办公室", False),
)


SCOPE_ANCHORS = {"sfq_admin": "SFS-SFQ"}  # the district office's admin looks after the whole district
MAIN_STAFFING = frozenset({StaffingType.ADMIN, StaffingType.INSTITUTION})


def _accounts(plan: CityPlan) -> list[AccountRow]:
    dept_names = {(d.unit, d.code): d.name for d in plan.departments}
    taken: set[str] = set()
    rows = []
    for username, role, unit, dept, chief in ACCOUNTS:
        if unit not in {u.code for u in plan.units}:
            continue
        in_unit = [p for p in plan.people if p.unit == unit and p.code not in taken
                   and (p.staffing_type in MAIN_STAFFING or unit == "SFS-WY")]
        if dept is None:
            candidates = [p for p in in_unit if p.department is None]
        else:
            in_dept = [p for p in in_unit if p.department and dept_names[(unit, p.department)] == dept]
            ordered = in_dept if chief else in_dept[1:] + in_dept[:1]
            candidates = ordered + [p for p in in_unit if p.department and p not in in_dept]
        person = candidates[0] if candidates else (in_unit[0] if in_unit else None)
        if person is not None:
            taken.add(person.code)
        rows.append(AccountRow(username=username, role=role, unit=unit, person=person.code if person else None,
                               anchor=SCOPE_ANCHORS.get(username, unit)))
    return rows


def build_plan(*, people: int = DEFAULT_PEOPLE, units: int | None = None, seed: int = SEED) -> CityPlan:
    specs = unit_specs(units)
    region_names = {s.region: s.short_name.removesuffix("政府") for s in specs if s.kind == "government"}
    region_names[city.CITY_REGION] = city.CITY
    builder = _Builder(seed, region_names)
    plan = builder.plan
    plan.regions = [(city.PROVINCE_CODE, city.PROVINCE_NAME, AdminLevel.PROVINCE, ""),
                    (city.CITY_REGION, city.CITY, AdminLevel.CITY, city.PROVINCE_CODE)]
    for spec in specs:
        if spec.kind == "government" and spec.level == AdminLevel.COUNTY:
            plan.regions.append((spec.region, region_names[spec.region], AdminLevel.COUNTY, city.CITY_REGION))
    # The city government's leaders are a fixed team; everyone else is spread by unit weight.
    fixed = min(city.ROOT.weight, people)
    counts = [fixed, *_spread(people - fixed, [s.weight for s in specs[1:]], minimum=1 if people >= 2 * len(specs)
                                                                                   else 0)]
    if sum(counts) > people:  # the minimum of one per unit overshot a tiny target: trim the largest
        for _ in range(sum(counts) - people):
            counts[counts.index(max(counts))] -= 1
    sort_by_parent: dict[str, int] = {}
    for index, (spec, n) in enumerate(zip(specs, counts, strict=True)):
        sort_by_parent[spec.parent] = sort_by_parent.get(spec.parent, 0) + 10
        builder.unit(spec, index, sort_by_parent[spec.parent], n)
    plan.accounts = _accounts(plan)
    return plan

