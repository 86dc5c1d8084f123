"""The demo city's asset ledgers as plain data: a pure, deterministic function of the city plan and a date.

Every unit (except the two service companies, which are enterprises and hold no state assets) gets
the cards a municipal unit of its size and kind really carries: a computer, desk and chair per
person, printers and air conditioners per office, meeting-room equipment, network gear, servers for
the units that run systems, vehicles for those with 执法执勤/机要通信/应急 duties, buildings for the
units that own them, medical equipment for the hospital and so on.

Items are bought in batches (one date, model, price and supplier per unit, item and year) and
replaced when worn out: the old card is then disposed of in the unit's yearly disposal batch, so
the ledger carries a realistic share of 已处置 cards. After booking, some cards go idle (some for
more than a year, for the idle-asset alert), are lent out, wait for disposal, are revalued
(building renovations) or are transferred between units in 2025–2026, so the ledger as of the last
year-end differs from today's.
"""

from __future__ import annotations

import datetime
import itertools
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from . import city
from .asset_catalogue import BUILDING_CLASSES, ITEMS, SUPPLIERS
from .plan import CityPlan, PersonRow, UnitRow, unit_specs

ASSET_SEED = 20260601
AS_OF = datetime.date(2026, 11, 20)  # the demo's "today": the ledgers are generated as of this date
FIRST_YEAR = 2012
CENT = Decimal("0.01")

# Step kinds of a card's history after booking.
IDLE, LENT, PENDING, DISPOSE, TRANSFER, REVALUE = "idle", "lent", "pending", "dispose", "transfer", "revalue"


@dataclass(frozen=True)
class Step:
    kind: str
    on: datetime.date
    to_unit: str = ""            # TRANSFER
    method: str = ""             # DISPOSE: DisposalMethod value
    amount: Decimal | None = None  # DISPOSE income; REVALUE new value
    message: str = ""


@dataclass
class CardPlan:
    unit: str                     # unit code at booking
    department: str | None        # department code within the unit
    custodian: str | None         # person code
    key: str                      # catalogue item key ("building" for buildings)
    name: str
    class_code: str
    kind: str
    brand: str
    spec_model: str
    quantity: int
    measure_unit: str
    value: Decimal
    fiscal: Decimal
    acquisition_method: str
    acquired_on: datetime.date
    booked_on: datetime.date
    supplier: str
    warranty_until: datetime.date | None
    purchase_project: str
    invoice_no: str
    voucher_no: str
    location: str
    history: list[Step] = field(default_factory=list)

    @property
    def final_unit(self) -> str:
        moves = [s.to_unit for s in self.history if s.kind == TRANSFER]
        return moves[-1] if moves else self.unit

    @property
    def disposed(self) -> bool:
        return any(s.kind == DISPOSE for s in self.history)


# Units whose staff run systems (the city's 大数据/政务云 role is held by the government office).
IT_UNITS = {"SFS-ZFB": (14, 3), "SFS-GAJ": (10, 2), "SFS-CZJ-JYZX": (8, 2), "SFS-ZRZY-BDC": (6, 1),
            "SFS-WJW-ZXYY": (10, 2), "SFS-CZJ": (5, 1), "SFS-RSJ": (6, 1), "SFS-SWB": (4, 1), "SFS-TJJ": (3, 1),
            "SFS-SCJG": (3, 1), "SFS-JGSW": (4, 1), "SFS-YBJ": (4, 1)}  # (servers, storage arrays)
VEHICLES: dict[str, tuple[tuple[str, int], ...]] = {
    "SFS-SWB": (("sedan", 2),), "SFS-ZFB": (("sedan", 2), ("van", 1)), "SFS-JWJW": (("sedan", 2), ("van", 1)),
    "SFS-GAJ": (("police_car", 14), ("van", 2), ("suv", 2)), "SFS-SCJG": (("suv", 3), ("van", 1)),
    "SFS-STHJ": (("suv", 3),), "SFS-YJJ": (("suv", 3), ("van", 1)), "SFS-ZRZY": (("suv", 2),),
    "SFS-JTJ": (("suv", 3),), "SFS-NYJ": (("suv", 1),), "SFS-FY": (("sedan", 2), ("van", 2)),
    "SFS-JCY": (("sedan", 2), ("van", 1)), "SFS-JGSW": (("sedan", 6), ("van", 3), ("bus", 2)),
    "SFS-WJW-ZXYY": (("ambulance", 4), ("van", 1)), "SFS-WJW-CDC": (("cold_truck", 1), ("suv", 1)),
    "SFS-JYJ-YZ": (("bus", 1),), "SFS-LYJ": (("suv", 2),), "SFS-SWJ": (("suv", 2),),
}
DISTRICT_VEHICLES = {"JGSW": (("sedan", 3), ("van", 1)), "ZFB": (("sedan", 1),)}
KIND_EXTRAS: dict[str, tuple[tuple[str, int], ...]] = {
    "police": (("body_cam", 24), ("xray_check", 2), ("lockers", 3)),
    "court": (("cctv", 3), ("conf_audio", 2), ("body_cam", 6)),
    "procuratorate": (("cctv", 2), ("body_cam", 4)),
    "hospital": (("dr", 2), ("ultrasound", 4), ("monitor", 24), ("analyzer", 3), ("ventilator", 8), ("bed", 40),
                 ("steriliser", 1), ("lockers", 4)),
    "cdc": (("pcr", 3), ("biosafety", 3), ("vaccine_fridge", 6), ("analyzer", 1)),
    "school": (("smartboard", 24), ("student_desks", 24), ("microscope", 2), ("books", 3), ("projector", 4)),
}
CODE_EXTRAS = {"SFS-STHJ": (("env_monitor", 4),), "SFS-SCJG": (("food_tester", 6), ("body_cam", 10)),
               "SFS-JGSW": (("cctv", 2), ("led", 1)), "SFS-CZJ-JYZX": (("led", 2), ("cctv", 2)),
               "SFS-ZRZY-BDC": (("led", 1),)}
# Buildings: unit code → (name, class key, floors, area m², value in 10k yuan (low, high), year)
BUILDINGS: dict[str, tuple[tuple[str, str, int, int, tuple[int, int], int], ...]] = {
    "SFS-JGSW": (*((f"市行政中心{k}号楼", "office", 12 - k, 26000 - 2600 * k, (7800 - 700 * k, 8600 - 700 * k), 2013)
                   for k in range(1, 6)), ("市级机关综合服务楼", "office", 4, 6800, (2100, 2600), 2014)),
    "SFS-GAJ": (("公安业务技术用房", "police", 16, 32000, (11000, 13500), 2014),),
    "SFS-FY": (("审判法庭综合楼", "court", 10, 21000, (7800, 9200), 2015),),
    "SFS-JCY": (("检察业务用房", "procuratorate", 8, 14500, (5200, 6100), 2016),),
    "SFS-JYJ-YZ": (("教学楼", "school", 5, 12800, (3200, 3800), 2013), ("实验楼", "school", 4, 6400, (1800, 2200), 2015),
                   ("学生公寓", "school", 6, 9800, (2300, 2800), 2018)),
    "SFS-JYJ-EZ": (("教学楼", "school", 5, 10600, (2700, 3200), 2014), ("综合楼", "school", 4, 5200, (1500, 1800), 2019)),
    "SFS-WJW-ZXYY": (("门诊医技楼", "hospital", 9, 38000, (15000, 18000), 2014),
                     ("住院楼", "hospital", 18, 52000, (19000, 23000), 2016)),
    "SFS-WJW-CDC": (("疾控业务楼", "cdc", 6, 11800, (4200, 5000), 2017),),
}
LENDABLE = ("projector", "camera", "camcorder", "panel", "sedan", "van", "tv", "meeting_chairs", "laptop")
TRANSFERS: tuple[tuple[str, str, tuple[str, ...], int, datetime.date, str], ...] = (
    ("SFS-CZJ", "SFS-CZJ-JYZX", ("desktop", "printer"), 6, datetime.date(2025, 4, 16), "交易中心新增服务窗口，调剂办公设备"),
    ("SFS-JGSW", "SFS-SFQ-JGSW", ("sedan",), 1, datetime.date(2025, 9, 10), "公务用车平台调剂"),
    ("SFS-JYJ", "SFS-JYJ-YZ", ("laptop", "projector", "camera"), 5, datetime.date(2026, 3, 18), "支持市一中智慧校园建设"),
    ("SFS-WJW", "SFS-WJW-CDC", ("laptop", "desktop"), 4, datetime.date(2026, 5, 12), "疾控体系改革，调拨办公设备"),
    ("SFS-ZFB", "SFS-XFJ", ("desk", "file_cabinet", "chair"), 6, datetime.date(2026, 7, 8), "办公用房调整，家具随之调剂"),
    ("SFS-XCQ-JYJ", "SFS-XCQ-ZFB", ("desktop",), 3, datetime.date(2026, 8, 20), "区政府办临时抽调人员办公用机"),
)
FISCAL_SHARE = {"hospital": 0.35, "school": 0.85, "cdc": 0.9, "service": 0.9}
OPTIONAL_KEYS = frozenset({"desktop", "laptop", "desk", "chair", "file_cabinet", "printer", "ac", "shredder",
                           "bookcase", "scanner", "mfp", "color_printer", "body_cam", "bed", "monitor",
                           "student_desks", "smartboard", "lockers"})


def card_target(people: int) -> int:
    """How many cards (including disposed ones) a unit of this size carries: 50–400."""
    return max(50, min(400, 7 * people + 40))


@dataclass
class _Slot:
    key: str
    department: str | None
    custodian: str | None
    location: str
    start: int | None = None


class _UnitBuilder:
    def __init__(self, rng: random.Random, unit: UnitRow, spec_kind: str, people: list[PersonRow],
                 depts: list[tuple[str, str]], building: str, all_units: list[UnitRow], as_of: datetime.date):
        self.rng, self.unit, self.kind, self.people, self.depts = rng, unit, spec_kind, people, depts
        self.building, self.all_units, self.as_of = building, all_units, as_of
        self.batches: dict[tuple[str, int], tuple[datetime.date, str, str, int, str, str]] = {}
        self.disposal_days: dict[int, datetime.date] = {}
        self.vouchers: dict[int, int] = defaultdict(int)
        self.fiscal_share = FISCAL_SHARE.get(spec_kind, 1.0)
        self.office = depts[0][0] if depts else None
        self.it_dept = next((c for c, n in depts if "信息" in n), self.office)
        self.car_dept = next((c for c, n in depts if "车" in n), self.office)

    # --- where things are ---------------------------------------------------------------------------
    def dept_floor(self, index: int) -> int:
        return 2 + index // 2

    def room(self, floor: int, number: int) -> str:
        return f"{self.building}{floor}层{floor}{number:02d}室"

    # --- slots -----------------------------------------------------------------------------------------
    def slots(self) -> list[_Slot]:
        rng, out = self.rng, []
        n = len(self.people)
        clinical = self.kind in ("hospital", "school")
        dept_index = {code: i for i, (code, _name) in enumerate(self.depts)}
        by_dept: dict[str | None, list[PersonRow]] = defaultdict(list)
        for p in self.people:
            by_dept[p.department].append(p)
        top = 2 + max(len(self.depts) - 1, 0) // 2 + 1
        leader_rooms = 0
        for dept, members in sorted(by_dept.items(), key=lambda kv: (kv[0] is not None, kv[0] or "")):
            if dept is None:  # the unit's leaders: one room each on the top floor
                for p in members:
                    leader_rooms += 1
                    loc = self.room(top, leader_rooms)
                    d = self.office
                    out += [_Slot("desktop", d, p.code, loc), _Slot("laptop", d, p.code, loc),
                            _Slot("desk", d, p.code, loc), _Slot("chair", d, p.code, loc),
                            _Slot("bookcase", d, p.code, loc), _Slot("sofa", d, p.code, loc),
                            _Slot("tea_table", d, p.code, loc), _Slot("ac", d, None, loc),
                            _Slot("file_cabinet", d, p.code, loc)]
                continue
            floor = self.dept_floor(dept_index.get(dept, 0))
            first_room = 1 + (dept_index.get(dept, 0) % 2) * 10
            rooms = max(1, math.ceil(len(members) / 3))
            for i, p in enumerate(members):
                loc = self.room(floor, first_room + i // 3)
                if rng.random() < (0.5 if clinical else 0.95):
                    out.append(_Slot("desktop", dept, p.code, loc))
                if rng.random() < 0.18:
                    out.append(_Slot("laptop", dept, p.code, loc))
                if rng.random() < (0.6 if clinical else 1.0):
                    out += [_Slot("desk", dept, p.code, loc), _Slot("chair", dept, p.code, loc)]
                if rng.random() < 0.45:
                    out.append(_Slot("file_cabinet", dept, p.code, loc))
            chief = members[0].code
            for r in range(rooms):
                loc = self.room(floor, first_room + r)
                out.append(_Slot("ac", dept, None, loc))
                out.append(_Slot("printer", dept, chief, loc))
            loc = self.room(floor, first_room)
            for key, prob in (("mfp", 0.5), ("shredder", 0.6), ("scanner", 0.25), ("safe", 0.35),
                              ("color_printer", 0.15)):
                if rng.random() < prob:
                    out.append(_Slot(key, dept, chief, loc))
        # Shared rooms of the unit.
        office = self.office
        meeting_rooms = 1 + n // 35
        for m in range(meeting_rooms):
            loc = f"{self.building}{2 + m}层会议室"
            out += [_Slot("meeting_table", office, None, loc), _Slot("meeting_chairs", office, None, loc),
                    _Slot("ac_cabinet", office, None, loc), _Slot("projector", office, None, loc),
                    _Slot("screen", office, None, loc)]
            if rng.random() < 0.6:
                out.append(_Slot("panel", office, None, loc, start=rng.randint(2018, 2024)))
            if m == 0 and n >= 12:
                out.append(_Slot("conf_audio", office, None, loc))
            if m == 0 and rng.random() < 0.6:
                out.append(_Slot("video_conf", office, None, loc))
            if rng.random() < 0.5:
                out.append(_Slot("tv", office, None, loc))
        copy_room = f"{self.building}1层文印室"
        out += [_Slot("copier", office, None, copy_room) for _ in range(1 + n // 40)]
        out.append(_Slot("fax", office, None, self.room(2, 1), start=rng.randint(2012, 2014)))
        for key, prob, where in (("camera", 0.85, self.room(2, 1)), ("camcorder", 0.45, self.room(2, 1)),
                                 ("fridge", 0.6, f"{self.building}1层值班室"), ("tv", 0.5, f"{self.building}1层值班室")):
            if rng.random() < prob:
                out.append(_Slot(key, office, None, where))
        out += [_Slot("water", office, None, f"{self.building}{f}层茶水间") for f in range(2, 3 + n // 30)]
        archive = f"{self.building}1层档案室"
        out += [_Slot("file_cabinet", office, None, archive) for _ in range(2 + n // 25)]
        if n >= 10:
            out.append(_Slot("compact_shelf", office, None, archive))
        out.append(_Slot("safe", office, None, f"{self.building}{top}层机要室"))
        machine_room = f"{self.building}1层网络机房"
        out += [_Slot("switch", self.it_dept, None, machine_room) for _ in range(1 + n // 25)]
        out += [_Slot("rack", self.it_dept, None, machine_room), _Slot("ups", self.it_dept, None, machine_room)]
        if n >= 15:
            out.append(_Slot("firewall", self.it_dept, None, machine_room))
        if n >= 20 and rng.random() < 0.6:
            out.append(_Slot("cctv", office, None, f"{self.building}1层监控室"))
        servers, arrays = IT_UNITS.get(self.unit.code, (0, 0))
        if servers:
            room = f"{self.building}1层中心机房"
            out += [_Slot("server", self.it_dept, None, room) for _ in range(servers)]
            out += [_Slot("storage", self.it_dept, None, room) for _ in range(arrays)]
            out += [_Slot("core_switch", self.it_dept, None, room), _Slot("firewall", self.it_dept, None, room),
                    _Slot("db_audit", self.it_dept, None, room), _Slot("rack", self.it_dept, None, room),
                    _Slot("rack", self.it_dept, None, room), _Slot("ups", self.it_dept, None, room)]
        suffix = self.unit.code.rsplit("-", 1)[-1]
        fleet = VEHICLES.get(self.unit.code) or (
            DISTRICT_VEHICLES.get(suffix, ()) if self.unit.level == "county" and self.unit.parent != "SFS" else ())
        garage = f"{self.building.removesuffix('号楼')}地下车库" if self.building else "车库"
        for key, count in fleet:
            out += [_Slot(key, self.car_dept, None, garage) for _ in range(count)]
        extras = KIND_EXTRAS.get(self.kind, ()) + CODE_EXTRAS.get(self.unit.code, ())
        business: list[str | None] = [c for c, _n in self.depts[1:]] or [office]
        for key, count in extras:
            for i in range(count):
                dept = business[i % len(business)]
                floor = self.dept_floor(dept_index.get(dept or "", 0))
                loc = self.room(floor, 20 + i % 8) if self.kind != "school" else \
                    f"教学楼{1 + i // 12}层{(1 + i // 12)}{i % 12 + 1:02d}教室"
                out.append(_Slot(key, dept, None, loc))
        return out

    # --- purchase batches ------------------------------------------------------------------------------
    def batch(self, key: str, year: int) -> tuple[datetime.date, str, str, int, str, str]:
        """(date, brand, model, unit price, supplier, name) of the unit's purchase of ``key`` in ``year``."""
        found = self.batches.get((key, year))
        if found:
            return found
        rng, item = self.rng, ITEMS[key]
        start = datetime.date(year, 3, 1)
        end = min(datetime.date(year, 12, 10), self.as_of - datetime.timedelta(days=25))
        day = start + datetime.timedelta(days=rng.randint(0, max((end - start).days, 0)))
        models = [m for m in item.models if m.first <= year <= m.last] or list(item.models)
        model = rng.choice(models)
        step = 100 if model.high >= 50000 else 10
        price = rng.randrange(model.low, model.high + 1, step) if model.high > model.low else model.low
        supplier = rng.choice(SUPPLIERS[item.supplier])
        found = (day, model.brand, model.model, price, supplier, rng.choice(item.names))
        self.batches[(key, year)] = found
        return found

    def disposal_day(self, year: int) -> datetime.date:
        """The unit's yearly disposal batch (after approval, usually in the autumn)."""
        if year not in self.disposal_days:
            start, end = datetime.date(year, 9, 1), datetime.date(year, 12, 20)
            if year == self.as_of.year:
                start, end = datetime.date(year, 6, 1), self.as_of - datetime.timedelta(days=20)
            self.disposal_days[year] = start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))
        return self.disposal_days[year]

    def voucher(self, on: datetime.date) -> str:
        self.vouchers[on.year * 100 + on.month] += 1
        return f"记-{on:%Y%m}-{self.vouchers[on.year * 100 + on.month]:03d}"

    def card(self, slot: _Slot, year: int) -> CardPlan:
        rng, item = self.rng, ITEMS[slot.key]
        day, brand, model, price, supplier, name = self.batch(slot.key, year)
        quantity = rng.randint(*item.batch) if item.batch != (1, 1) else 1
        value = Decimal(price * quantity).quantize(CENT)
        fiscal = value if self.fiscal_share >= 1 or rng.random() < self.fiscal_share ** 3 else \
            (value * Decimal(str(round(rng.uniform(self.fiscal_share - 0.3, 1.0) if self.fiscal_share > 0.5
                                       else rng.uniform(0.0, 0.6), 2)))).quantize(CENT)
        fiscal = min(max(fiscal, Decimal("0")), value)
        booked = _month_end(day, self.as_of)  # booked with the month-end voucher
        method = "purchase"
        if rng.random() < 0.03 and item.kind == "general":
            method = "transfer_in"  # 公物仓调剂
        project = (f"{year}年度{self.unit.short_name}{'公务用车' if item.kind == 'vehicle' else '办公设备家具'}采购"
                   f"（SFCG-{year}-{rng.randint(1, 480):04d}）") if method == "purchase" else "公物仓调剂"
        return CardPlan(
            unit=self.unit.code, department=slot.department, custodian=slot.custodian, key=slot.key, name=name,
            class_code=item.class_code, kind=item.kind, brand=brand, spec_model=model, quantity=quantity,
            measure_unit=item.measure, value=value, fiscal=fiscal, acquisition_method=method, acquired_on=day,
            booked_on=booked,
            supplier=supplier if method == "purchase" else "示范市机关事务服务中心公物仓",
            warranty_until=_add_years(day, item.warranty) if item.warranty else None,
            purchase_project=project, invoice_no=f"{rng.randint(10_000_000, 99_999_999)}" if method == "purchase" else "",
            voucher_no=self.voucher(booked), location=slot.location)

    def chain(self, slot: _Slot) -> list[CardPlan]:
        """The cards one place has had: bought, worn out, replaced; the replaced one disposed of."""
        rng, item = self.rng, ITEMS[slot.key]
        low, high = item.life
        year = slot.start if slot.start is not None else rng.randint(FIRST_YEAR, FIRST_YEAR + min(high, 14) - 1)
        cards: list[CardPlan] = []
        while year < self.as_of.year or (year == self.as_of.year and self.as_of.month > 3):
            cards.append(self.card(slot, year))
            year += rng.randint(low, high)
        for old, new in itertools.pairwise(cards):
            due = new.booked_on + datetime.timedelta(days=14)
            day = self.disposal_day(due.year)
            if day < due:
                day = self.disposal_day(due.year + 1) if due.year < self.as_of.year else None  # type: ignore[assignment]
            if day is None or day > self.as_of - datetime.timedelta(days=5):
                old.history.append(Step(PENDING, due if due <= self.as_of else new.booked_on,
                                        message="已更新替换，超过使用年限，拟报废处置"))
                continue
            old.history.append(self.disposal(old, day))
        return cards

    def disposal(self, card: CardPlan, day: datetime.date) -> Step:
        rng, item = self.rng, ITEMS[card.key]
        number = f"示机事资〔{day.year}〕{rng.randint(3, 96)}号"
        if item.kind == "vehicle" and rng.random() < 0.7:
            income = (card.value * Decimal(str(round(rng.uniform(0.06, 0.22), 3)))).quantize(Decimal("1"))
            return Step(DISPOSE, day, method="sale", amount=income,
                        message=f"公开拍卖处置（批复文号：{number}），拍卖成交价 {income} 元")
        low, high = item.scrap_income
        scrap = Decimal(rng.randint(low, high)) if high else None
        return Step(DISPOSE, day, method="scrap", amount=scrap,
                    message=f"达到使用年限且无法修复，报废处置（批复文号：{number}）"
                            + (f"，残值收入 {scrap} 元" if scrap else ""))

    def buildings(self) -> list[CardPlan]:
        rng, out = self.rng, []
        for name, cls, floors, area, (low, high), year in BUILDINGS.get(self.unit.code, ()):
            value = Decimal(rng.randint(low * 10, high * 10) * 1000).quantize(CENT)
            day = datetime.date(year, rng.randint(3, 11), rng.randint(1, 28))
            booked = _month_end(day + datetime.timedelta(days=rng.randint(20, 60)), self.as_of)
            fiscal = value if self.fiscal_share >= 0.8 else (value * Decimal("0.6")).quantize(CENT)
            card = CardPlan(
                unit=self.unit.code, department=self.office, custodian=None, key="building", name=name,
                class_code=BUILDING_CLASSES[cls], kind="building", brand="",
                spec_model=f"钢筋混凝土框架结构，地上{floors}层，建筑面积{area}平方米", quantity=1, measure_unit="栋",
                value=value, fiscal=fiscal, acquisition_method="self_built", acquired_on=day, booked_on=booked,
                supplier=rng.choice(SUPPLIERS["building"]), warranty_until=None,
                purchase_project=f"{name}建设项目（竣工决算）", invoice_no="", voucher_no=self.voucher(booked),
                location=f"{self.unit.name.removeprefix(city.CITY)}院内")
            if rng.random() < 0.45:
                on = datetime.date(rng.randint(2020, 2024), rng.randint(4, 10), rng.randint(1, 28))
                extra = (value * Decimal(str(round(rng.uniform(0.03, 0.1), 3)))).quantize(Decimal("1000"))
                card.history.append(Step(REVALUE, on, amount=value + extra,
                                         message=f"节能改造及内部装修工程竣工决算，增加原值 {extra} 元"))
            out.append(card)
        return out

    def build(self) -> list[CardPlan]:
        rng = self.rng
        slots = self.slots()
        chains = [self.chain(slot) for slot in slots]
        target = card_target(len(self.people))
        total = sum(len(c) for c in chains)
        # Too many: drop whole places of optional items (not the unit's vehicles, servers, buildings).
        optional = [i for i, s in enumerate(slots) if s.key in OPTIONAL_KEYS]
        rng.shuffle(optional)
        dropped: set[int] = set()
        for i in optional:
            if total <= target:
                break
            dropped.add(i)
            total -= len(chains[i])
        # Too few: the storeroom and the meeting rooms get more of the common items.
        fillers = ("file_cabinet", "ac_cabinet", "desk", "chair", "water", "shredder", "printer", "safe")
        k = 0
        while total < target and k < 400:
            key = fillers[k % len(fillers)]
            loc = f"{self.building}1层储藏室" if k % 2 else f"{self.building}{2 + k % 3}层活动室"
            extra = self.chain(_Slot(key, self.office, None, loc))
            chains.append(extra)
            slots.append(_Slot(key, self.office, None, loc))
            total += len(extra)
            k += 1
        cards = [c for i, chain in enumerate(chains) if i not in dropped for c in chain]
        cards += self.buildings()
        self.after_booking(cards)
        return cards

    def after_booking(self, cards: list[CardPlan]) -> None:
        """Idle, lent and pending-disposal cards among those still in use."""
        rng = self.rng
        for card in cards:
            if card.history or card.kind == "building" or card.key == "books":
                continue
            roll = rng.random()
            if roll < 0.035:
                first = max(card.booked_on + datetime.timedelta(days=120), datetime.date(2021, 6, 1))
                last = self.as_of - datetime.timedelta(days=50)
                if first < last:
                    on = first + datetime.timedelta(days=rng.randint(0, (last - first).days))
                    card.history.append(Step(IDLE, on, message=rng.choice(
                        ("人员调整后闲置", "办公用房调整后暂未使用", "设备更新后闲置备用", "业务调整，暂停使用"))))
            elif roll < 0.07 and card.key in LENDABLE:
                first = max(card.booked_on + datetime.timedelta(days=60), datetime.date(2025, 3, 1))
                last = self.as_of - datetime.timedelta(days=10)
                if first < last:
                    on = first + datetime.timedelta(days=rng.randint(0, (last - first).days))
                    other = rng.choice([u for u in self.all_units if u.code != self.unit.code and u.unit_type != "provider"])
                    due = _add_years(on, 1)
                    card.history.append(Step(LENT, on, message=f"出借给{other.name}，约定归还日期{due:%Y-%m-%d}"))
            elif roll < 0.08 and card.acquired_on.year <= 2016:
                on = datetime.date(self.as_of.year, rng.randint(1, max(1, self.as_of.month - 1)), rng.randint(1, 28))
                if on > card.booked_on:
                    card.history.append(Step(PENDING, on, message="超过最低使用年限，经鉴定无维修价值，拟报废"))


def _month_end(day: datetime.date, as_of: datetime.date) -> datetime.date:
    """The last day of ``day``'s month (units book purchases with the month-end voucher), not after ``as_of``."""
    end = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    return min(end, as_of - datetime.timedelta(days=1))


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _building_name(unit: UnitRow, kind: str, index: int, district_index: dict[str, str]) -> str:
    if kind == "police":
        return "公安业务技术用房"
    if kind == "court":
        return "审判法庭综合楼"
    if kind == "procuratorate":
        return "检察业务用房"
    if kind == "school":
        return "行政楼"
    if kind == "hospital":
        return "行政楼"
    if kind == "cdc":
        return "疾控业务楼"
    if kind == "service":
        return "政务服务中心"
    if unit.level == "county":
        district = unit.code.split("-")[1] if unit.code.count("-") >= 1 else unit.code
        return f"{district_index.get(district, '')}行政中心{1 + index % 3}号楼"
    return f"市行政中心{1 + index % 5}号楼"


def build_asset_plan(plan: CityPlan, *, as_of: datetime.date = AS_OF, seed: int = ASSET_SEED) -> list[CardPlan]:
    """Every card of the demo city, in a stable order (by unit in plan order, then as generated)."""
    rng = random.Random(seed)
    specs = {s.code: s for s in unit_specs(len(plan.units))}
    people: dict[str, list[PersonRow]] = defaultdict(list)
    for p in plan.people:
        people[p.unit].append(p)
    depts: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for d in plan.departments:
        depts[d.unit].append((d.code, d.name))
    district_names = {u.code.split("-")[1]: u.short_name.removesuffix("政府") for u in plan.units
                      if u.level == "county" and u.parent == city.ROOT_CODE}
    cards: list[CardPlan] = []
    for index, unit in enumerate(plan.units):
        spec = specs.get(unit.code)
        kind = spec.kind if spec else "organ"
        if unit.unit_type == "provider":
            continue  # service companies are enterprises: their assets are not state assets of the city
        builder = _UnitBuilder(random.Random(rng.random()), unit, kind, people[unit.code], depts[unit.code],
                               _building_name(unit, kind, index, district_names), plan.units, as_of)
        cards += builder.build()
    _transfers(cards, rng, as_of)
    return cards


def _transfers(cards: list[CardPlan], rng: random.Random, as_of: datetime.date) -> None:
    by_unit: dict[str, list[CardPlan]] = defaultdict(list)
    for card in cards:
        by_unit[card.unit].append(card)
    for source, target, keys, count, on, message in TRANSFERS:
        if on > as_of or source not in by_unit or target not in by_unit:
            continue
        eligible = [c for c in by_unit[source] if c.key in keys and not c.history
                    and c.booked_on < on - datetime.timedelta(days=60)]
        for card in sorted(eligible, key=lambda c: c.booked_on, reverse=True)[:count]:
            card.history.append(Step(TRANSFER, on, to_unit=target, message=message))
