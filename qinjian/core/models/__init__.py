from .audit import ObjectChange
from .base import BaseModel
from .imports import ImportBatch
from .notifications import Notification
from .preferences import UserPreference
from .security import SecurityChainHead, SecurityEvent, SecurityEventType
from .system import WorkerHeartbeat

__all__ = [
    "BaseModel",
    "ImportBatch",
    "Notification",
    "ObjectChange",
    "SecurityChainHead",
    "SecurityEvent",
    "SecurityEventType",
    "UserPreference",
    "WorkerHeartbeat",
]
