from .classes import AssetClass, LegacyClassMapping
from .tables import StandardRow, StandardTable, StandardVersion

__all__ = ["AssetClass", "LegacyClassMapping", "StandardRow", "StandardTable", "StandardVersion"]
