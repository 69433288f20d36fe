from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "wms_sales.reports"
    label = "reports"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        from . import handlers  # noqa: F401  (subscribes the aggregate updaters to events)
