"""Asset pages under /assets/: cards, 业务单, 盘点, reports and depreciation, legacy import."""

from .urls_assets import urlpatterns as asset_urlpatterns
from .urls_import import urlpatterns as import_urlpatterns
from .urls_operations import urlpatterns as operation_urlpatterns
from .urls_reports import urlpatterns as report_urlpatterns
from .urls_stocktake import urlpatterns as stocktake_urlpatterns

app_name = "assets"

urlpatterns = asset_urlpatterns + operation_urlpatterns + stocktake_urlpatterns + report_urlpatterns + import_urlpatterns
