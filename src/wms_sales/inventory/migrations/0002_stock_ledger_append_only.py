"""A database trigger refuses UPDATE of stock ledger rows on every backend: the ledger is
append-only even for code (or people) that bypass the ORM. DELETE is left to the ORM guard
so that test databases can still be flushed."""

from django.db import migrations

TRIGGERS = {
    "postgresql": [
        """CREATE OR REPLACE FUNCTION inventory_stockmove_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'inventory_stockmove is append-only'; END;
           $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER inventory_stockmove_no_update BEFORE UPDATE ON inventory_stockmove
           FOR EACH ROW EXECUTE FUNCTION inventory_stockmove_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER inventory_stockmove_no_update BEFORE UPDATE ON inventory_stockmove
           BEGIN SELECT RAISE(ABORT, 'inventory_stockmove is append-only'); END""",
    ],
    "mysql": [
        """CREATE TRIGGER inventory_stockmove_no_update BEFORE UPDATE ON inventory_stockmove
           FOR EACH ROW SIGNAL SQLSTATE '45000'
           SET MESSAGE_TEXT = 'inventory_stockmove is append-only'""",
    ],
}
DROP = {
    "postgresql": ["DROP TRIGGER IF EXISTS inventory_stockmove_no_update ON inventory_stockmove",
                   "DROP FUNCTION IF EXISTS inventory_stockmove_append_only()"],
    "sqlite": ["DROP TRIGGER IF EXISTS inventory_stockmove_no_update"],
    "mysql": ["DROP TRIGGER IF EXISTS inventory_stockmove_no_update"],
}


def _run(statements):
    def apply(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return apply


class Migration(migrations.Migration):
    atomic = False  # MySQL cannot run trigger DDL inside a transaction
    dependencies = [("inventory", "0001_initial")]
    operations = [migrations.RunPython(_run(TRIGGERS), _run(DROP))]
