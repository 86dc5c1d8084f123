import pytest
from django.test import RequestFactory

from qinjian.core.ui.views import Button
from qinjian.testing.factories import make_user


@pytest.mark.django_db
def test_keep_query_buttons_carry_the_lists_filters_but_not_paging(mini_city):
    request = RequestFactory().get("/org/units/", {"q": "教育", "unit_type": "party_gov", "page": "3", "sort": "name"})
    request.user = make_user("center_office", mini_city.center)
    button = Button("打印标签", "attachments:labels", "org.view_unit", query="?model=org.unit", keep_query=True)
    resolved = button.resolve(request)
    assert resolved["url"] == "/attachments/labels/?model=org.unit&q=%E6%95%99%E8%82%B2&unit_type=party_gov"
    assert resolved["keep_query"] == "/attachments/labels/?model=org.unit"  # the page script adds later filters
    plain = Button("导入", "org:unit_import", "org.import_unit").resolve(request)
    assert plain["keep_query"] == "" and "?" not in plain["url"]
