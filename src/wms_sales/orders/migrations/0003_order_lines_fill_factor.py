"""Room on each page for the update every row of this table gets after its document's
insert (docs/architecture.md, "HOT updates"): PostgreSQL only."""

from django.db import migrations

from wms_sales.common.migration_ops import fill_factor


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_document_history")]

    operations = [fill_factor("orders_salesorderline", 50)]
