"""Choices of the asset registry (the labels are those of the 行政事业单位资产卡片 and 资产报表)."""

from django.db import models


class AssetKind(models.TextChoices):
    """Which module holds the details; the card itself is the same for all."""

    GENERAL = "general", "通用资产"
    LAND = "land", "土地"
    BUILDING = "building", "房屋构筑物"
    VEHICLE = "vehicle", "车辆"


class AssetStatus(models.TextChoices):
    DRAFT = "draft", "待入账"  # registered, acceptance not yet approved: not on the books
    IN_USE = "in_use", "在用"
    LENT = "lent", "出租出借"
    IDLE = "idle", "闲置"
    PENDING_DISPOSAL = "pending_disposal", "待处置"
    DISPOSED = "disposed", "已处置"


ON_BOOKS_STATUSES = (AssetStatus.IN_USE, AssetStatus.LENT, AssetStatus.IDLE, AssetStatus.PENDING_DISPOSAL)


class ValueType(models.TextChoices):
    COST = "cost", "原值"
    PROVISIONAL = "provisional", "暂估值"
    REPLACEMENT = "replacement", "重置值"
    APPRAISED = "appraised", "评估值"
    NOMINAL = "nominal", "名义金额"


class AcquisitionMethod(models.TextChoices):
    PURCHASE = "purchase", "新购"
    TRANSFER_IN = "transfer_in", "调拨"
    DONATION = "donation", "接受捐赠"
    SELF_BUILT = "self_built", "自建"
    EXCHANGE = "exchange", "置换"
    OTHER = "other", "其他"


class DepreciationMethod(models.TextChoices):
    STRAIGHT_LINE = "straight_line", "年限平均法"
    NONE = "none", "不计提折旧"


class OperationKind(models.TextChoices):
    """The kinds of 资产业务单; each has an approval flow of its own (workflow variant)."""

    ACCEPTANCE = "acceptance", "验收入账"
    ISSUE = "issue", "领用"
    RETURN = "return", "交回"
    TRANSFER = "transfer", "调拨"
    LOAN = "loan", "出租出借"
    LOAN_RETURN = "loan_return", "出借收回"
    REPAIR = "repair", "维修"
    DISPOSAL = "disposal", "处置"
    REVALUATION = "revaluation", "价值变动"


class DisposalMethod(models.TextChoices):
    SCRAP = "scrap", "报废"
    LOSS = "loss", "报损"
    SALE = "sale", "出售"
    CESSION = "cession", "出让"
    ASSIGNMENT = "assignment", "转让"
    DONATION = "donation", "对外捐赠"
    FREE_TRANSFER = "free_transfer", "无偿划转"
    EXCHANGE = "exchange", "置换"


class OperationStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PENDING = "pending", "审批中"
    RETURNED = "returned", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"
    REJECTED = "rejected", "已驳回"
    DONE = "done", "已办结"


EDITABLE_OPERATION_STATUSES = (OperationStatus.DRAFT, OperationStatus.RETURNED, OperationStatus.WITHDRAWN)


class EventKind(models.TextChoices):
    """What happened to one card (the 资产履历 on its page)."""

    REGISTERED = "registered", "登记"
    BOOKED = "booked", "验收入账"
    ISSUED = "issued", "领用"
    RETURNED = "returned", "交回"
    TRANSFER_OUT = "transfer_out", "调出"
    TRANSFER_IN = "transfer_in", "调入"
    LENT = "lent", "出租出借"
    LOAN_RETURNED = "loan_returned", "出借收回"
    REPAIRED = "repaired", "维修"
    DISPOSED = "disposed", "处置"
    VALUE_CHANGED = "value_changed", "价值变动"
    STATUS_CHANGED = "status_changed", "状态变更"
    STOCKTAKE = "stocktake", "盘点"
    STOCKTAKE_ADJUSTED = "stocktake_adjusted", "盘点调整"
    EDITED = "edited", "信息修改"
    IMPORTED = "imported", "导入"


class MovementKind(models.TextChoices):
    """A line of the ledger journal: what made a unit's holdings of a class go up or down."""

    BOOK = "book", "新增入账"
    TRANSFER_IN = "transfer_in", "调入"
    TRANSFER_OUT = "transfer_out", "调出"
    SURPLUS = "surplus", "盘盈"
    SHORTAGE = "shortage", "盘亏"
    VALUE_UP = "value_up", "价值调增"
    VALUE_DOWN = "value_down", "价值调减"
    DISPOSAL = "disposal", "处置减少"


INCREASE_MOVEMENTS = (MovementKind.BOOK, MovementKind.TRANSFER_IN, MovementKind.SURPLUS, MovementKind.VALUE_UP)
DECREASE_MOVEMENTS = (MovementKind.TRANSFER_OUT, MovementKind.SHORTAGE, MovementKind.VALUE_DOWN,
                      MovementKind.DISPOSAL)


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "准备中"
    ACTIVE = "active", "盘点中"
    CLOSED = "closed", "已结束"


class StocktakeResult(models.TextChoices):
    PENDING = "pending", "未盘"
    FOUND = "found", "已盘到"
    MISSING = "missing", "盘亏（未找到）"
    SURPLUS = "surplus", "盘盈（账外）"


class DiscrepancyKind(models.TextChoices):
    NONE = "", "无差异"
    SURPLUS = "surplus", "盘盈"
    SHORTAGE = "shortage", "盘亏"
    LOCATION = "location", "位置不符"
    STATUS = "status", "状态不符"
    LOCATION_STATUS = "location_status", "位置和状态不符"


class Resolution(models.TextChoices):
    OPEN = "", "待处理"
    ADJUSTED = "adjusted", "已调整账面"
    INVESTIGATING = "investigating", "调查中"
    TO_DISPOSE = "to_dispose", "转处置"
    BOOKED = "booked", "已补录入账"
    NO_ACTION = "no_action", "核实无误"


class RunStatus(models.TextChoices):
    RUNNING = "running", "计提中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
