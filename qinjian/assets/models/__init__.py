from .asset import Asset, AssetBalance, AssetEvent, AssetMovement, BalanceMonth
from .depreciation import DepreciationRun, DepreciationRunLine
from .operation import AssetOperation, AssetOperationLine
from .stocktake import StocktakeCampaign, StocktakeItem, StocktakeScan

__all__ = [
    "Asset",
    "AssetBalance",
    "AssetEvent",
    "AssetMovement",
    "AssetOperation",
    "AssetOperationLine",
    "BalanceMonth",
    "DepreciationRun",
    "DepreciationRunLine",
    "StocktakeCampaign",
    "StocktakeItem",
    "StocktakeScan",
]
