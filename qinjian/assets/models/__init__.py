from .asset import Asset, AssetEvent, AssetMovement
from .depreciation import DepreciationRun, DepreciationRunLine
from .operation import AssetOperation, AssetOperationLine
from .stocktake import StocktakeCampaign, StocktakeItem, StocktakeScan

__all__ = [
    "Asset",
    "AssetEvent",
    "AssetMovement",
    "AssetOperation",
    "AssetOperationLine",
    "DepreciationRun",
    "DepreciationRunLine",
    "StocktakeCampaign",
    "StocktakeItem",
    "StocktakeScan",
]
