"""Room on each page for the update every row of this table gets after its document's
insert (docs/architecture.md, "HOT updates"): PostgreSQL only."""

from django.db import migrations

from wms_sales.common.migration_ops import fill_factor


class Migration(migrations.Migration):
    dependencies = [("inventory", "0004_alter_stockmove_reason")]

    operations = [fill_factor("inventory_reservation", 50)]
