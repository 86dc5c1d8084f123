from .audit import ObjectChange
from .base import BaseModel
from .notifications import Notification
from .security import SecurityChainHead, SecurityEvent, SecurityEventType
from .system import WorkerHeartbeat

__all__ = [
    "BaseModel",
    "Notification",
    "ObjectChange",
    "SecurityChainHead",
    "SecurityEvent",
    "SecurityEventType",
    "WorkerHeartbeat",
]
