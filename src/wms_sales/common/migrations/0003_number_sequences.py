"""One database sequence per number series on PostgreSQL and MariaDB (see numbering.py),
continuing above every number the per-day counter rows handed out before."""

from django.db import migrations

SERIES = ("SO", "OB", "RT", "INV", "CN", "PAY", "CUS")


def _highest(NumberSeries, prefix: str) -> int:
    # Old keys: the prefix alone (master codes) or prefix + YYYYMMDD (documents).
    values = [last for key, last in NumberSeries.objects.values_list("key", "last_value")
              if key == prefix or (key.startswith(prefix) and key[len(prefix):].isdigit())]
    return max(values, default=0)


def create_sequences(apps, schema_editor):
    NumberSeries = apps.get_model("common", "NumberSeries")
    connection = schema_editor.connection
    for prefix in SERIES:
        start = _highest(NumberSeries, prefix) + 1
        name = f"wms_number_{prefix.lower()}"
        if connection.vendor == "postgresql":
            schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {start}")
        elif connection.vendor == "mysql":
            schema_editor.execute(
                f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {start} CACHE 100")
        else:
            NumberSeries.objects.update_or_create(key=prefix, defaults={"last_value": start - 1})


def drop_sequences(apps, schema_editor):
    if schema_editor.connection.vendor in {"postgresql", "mysql"}:
        for prefix in SERIES:
            schema_editor.execute(f"DROP SEQUENCE IF EXISTS wms_number_{prefix.lower()}")


class Migration(migrations.Migration):
    atomic = False  # MariaDB refuses DDL inside a transaction it cannot roll back
    dependencies = [("common", "0002_idempotencykey")]
    operations = [migrations.RunPython(create_sequences, drop_sequences)]
