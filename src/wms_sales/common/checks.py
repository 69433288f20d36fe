"""System checks that a deployment needs before it serves."""
from typing import Any

from django.conf import settings
from django.core import checks
from django.db import connections

LOAD_MYSQL_TIME_ZONES = "mysql_tzinfo_to_sql /usr/share/zoneinfo | mysql -u root mysql"


@checks.register(checks.Tags.database)
def mysql_time_zone_tables(app_configs: Any = None, databases: Any = None,
                           **kwargs: Any) -> list[checks.CheckMessage]:
    """With USE_TZ, Django truncates dates on MySQL/MariaDB with CONVERT_TZ, which answers NULL
    for named zones until the server's time-zone tables are loaded: reports by day and the
    admin's date drill-down would then fail with "invalid datetime value"."""
    problems: list[checks.CheckMessage] = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "mysql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT CONVERT_TZ('2000-01-01 00:00:00', 'UTC', %s)",
                           [settings.TIME_ZONE])
            (converted,) = cursor.fetchone()
        if converted is None:
            problems.append(checks.Error(
                f"The MySQL/MariaDB server of database '{alias}' has no time-zone tables, so it "
                f"cannot convert to {settings.TIME_ZONE}.",
                hint=f"Load them once on the server: {LOAD_MYSQL_TIME_ZONES}",
                id="wms_sales.E001"))
    return problems
