import sqlite3
from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import pre_save


def use_sqlites_real_parameter_limit(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Django 5.2 assumes SQLite's old default of 999 parameters per statement and splits
    bulk inserts and updates into many statements; the SQLite Python ships allows far more
    (Django 6.0 reads the limit the same way)."""
    if connection.vendor == "sqlite":
        connection.features.max_query_params = connection.connection.getlimit(
            sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


class CommonConfig(AppConfig):
    name = "wms_sales.common"
    label = "common"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers the deployment checks)
            lookups,  # noqa: F401  (registers field__any_of)
        )

        connection_created.connect(use_sqlites_real_parameter_limit,
                                   dispatch_uid="wms_sqlite_parameter_limit")

        from .storage import read_rows_without_init, refuse_oversized_text, scale_decimal_attributes

        # Every model of the project, whichever service or form saves or reads it.
        scale_decimal_attributes()
        read_rows_without_init()
        pre_save.connect(refuse_oversized_text, dispatch_uid="wms_sales.refuse_oversized_text")
