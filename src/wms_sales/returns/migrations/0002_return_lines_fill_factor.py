"""Room on each page for the update every row of this table gets after its document's
insert (docs/architecture.md, "HOT updates"): PostgreSQL only."""

from django.db import migrations

from wms_sales.common.migration_ops import fill_factor


class Migration(migrations.Migration):
    dependencies = [("returns", "0001_initial")]

    operations = [fill_factor("returns_returnline", 50)]
