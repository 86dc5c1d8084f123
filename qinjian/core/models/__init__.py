from .audit import ObjectChange
from .base import BaseModel
from .imports import ImportBatch
from .notifications import Notification
from .numbering import NumberSequence
from .preferences import UserPreference
from .security import SecurityChainHead, SecurityEvent, SecurityEventType
from .system import WorkerHeartbeat

__all__ = [
    "BaseModel",
    "ImportBatch",
    "Notification",
    "NumberSequence",
    "ObjectChange",
    "SecurityChainHead",
    "SecurityEvent",
    "SecurityEventType",
    "UserPreference",
    "WorkerHeartbeat",
]
