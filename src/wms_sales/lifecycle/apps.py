from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    """Document lives (lock, transition, stamp, history, event) and their audit trail. Imports
    no document app: each document app describes its life with a ``Lifecycle``."""

    name = "wms_sales.lifecycle"
    label = "lifecycle"
    verbose_name = _("document history")
