from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "wms_sales.common"
    label = "common"
