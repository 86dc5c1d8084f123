from qinjian.core.menu import MenuGroup, MenuItem, register

# Items whose page is not built yet do not resolve and are not shown (core.menu).
register(
    MenuGroup(
        key="assets",
        label="资产管理",
        icon="bi-box-seam",
        order=200,
        items=[
            MenuItem("资产卡片", "assets:asset_list", "assets.view_asset", "bi-card-list"),
            MenuItem("资产业务单", "assets:assetoperation_list", "assets.view_assetoperation", "bi-file-earmark-text"),
            MenuItem("资产盘点", "assets:stocktakecampaign_list", "assets.view_stocktakecampaign", "bi-upc-scan"),
            MenuItem("资产台账与报表", "assets:ledger", "assets.report_asset", "bi-table"),
            MenuItem("折旧计提", "assets:depreciationrun_list", "assets.view_depreciationrun", "bi-graph-down"),
            MenuItem("导入旧台账", "assets:asset_import", "assets.import_asset", "bi-upload"),
        ],
    )
)
