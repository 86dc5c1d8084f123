"""The asset API under /api/assets/: each part keeps its own routes in api/urls_<part>.py."""

from .urls_assets import urlpatterns as asset_urlpatterns
from .urls_operations import urlpatterns as operation_urlpatterns
from .urls_reports import urlpatterns as report_urlpatterns
from .urls_stocktake import urlpatterns as stocktake_urlpatterns

app_name = "assets-api"

urlpatterns = asset_urlpatterns + operation_urlpatterns + stocktake_urlpatterns + report_urlpatterns
