from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "wms_sales.inventory"
    label = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        from . import handlers  # noqa: F401  (registers the inbound stock event handler)
