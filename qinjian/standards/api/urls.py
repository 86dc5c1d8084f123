app_name = "standards-api"

urlpatterns: list = []
