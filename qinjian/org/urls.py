"""Org pages (urls_pages.py) and the Excel import pages (urls_import.py) under /org/."""

from .urls_import import urlpatterns as import_urlpatterns
from .urls_pages import urlpatterns as page_urlpatterns
from .urls_staffing import urlpatterns as staffing_urlpatterns

app_name = "org"

urlpatterns = page_urlpatterns + import_urlpatterns + staffing_urlpatterns
