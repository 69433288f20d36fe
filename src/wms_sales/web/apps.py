from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "wms_sales.web"
    label = "web"
