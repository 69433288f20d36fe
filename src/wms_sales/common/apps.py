from django.apps import AppConfig
from django.db.models.signals import pre_save


class CommonConfig(AppConfig):
    name = "wms_sales.common"
    label = "common"

    def ready(self) -> None:
        from .storage import fit_to_columns

        # Every model of the project, whichever service or form saves it.
        pre_save.connect(fit_to_columns, dispatch_uid="wms_sales.fit_to_columns")
