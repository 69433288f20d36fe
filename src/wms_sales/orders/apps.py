from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "wms_sales.orders"
    label = "orders"
    verbose_name = _("Sales orders")
