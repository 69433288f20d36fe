"""Orders' history moves into the one history table of every document (issue #11): each
``OrderTransition`` row becomes a ``DocumentTransition`` of type ``sales_order`` with its
time, actor and reason kept; then the old table goes. Reversible (back into the old table)."""

from django.db import migrations

DOCUMENT_TYPE = "sales_order"
BATCH = 2000


def _event(from_status: str, to_status: str) -> str:
    # The old rows did not keep the event; a close short and a last shipment both read
    # "completed", which is what the history shows anyway.
    return to_status if from_status else "created"


def forwards(apps, schema_editor):
    OrderTransition = apps.get_model("orders", "OrderTransition")
    DocumentTransition = apps.get_model("lifecycle", "DocumentTransition")
    alias = schema_editor.connection.alias
    batch = []
    for row in (OrderTransition.objects.using(alias).order_by("id")
                .values_list("order_id", "from_status", "to_status", "actor_id", "reason", "at")
                .iterator(chunk_size=BATCH)):
        order_id, from_status, to_status, actor_id, reason, at = row
        batch.append(DocumentTransition(
            document_type=DOCUMENT_TYPE, document_id=order_id,
            event=_event(from_status, to_status), from_status=from_status,
            to_status=to_status, actor_id=actor_id, reason=reason, at=at))
        if len(batch) >= BATCH:
            DocumentTransition.objects.using(alias).bulk_create(batch)
            batch = []
    DocumentTransition.objects.using(alias).bulk_create(batch)


def backwards(apps, schema_editor):
    OrderTransition = apps.get_model("orders", "OrderTransition")
    DocumentTransition = apps.get_model("lifecycle", "DocumentTransition")
    alias = schema_editor.connection.alias
    # The old column was auto_now_add: keep the recorded times instead of stamping now.
    OrderTransition._meta.get_field("at").auto_now_add = False
    entries = DocumentTransition.objects.using(alias).filter(document_type=DOCUMENT_TYPE)
    batch = []
    for order_id, from_status, to_status, actor_id, reason, at in (
            entries.order_by("document_id", "at", "id")
            .values_list("document_id", "from_status", "to_status", "actor_id", "reason", "at")
            .iterator(chunk_size=BATCH)):
        batch.append(OrderTransition(order_id=order_id, from_status=from_status,
                                     to_status=to_status, actor_id=actor_id, reason=reason,
                                     at=at))
        if len(batch) >= BATCH:
            OrderTransition.objects.using(alias).bulk_create(batch)
            batch = []
    OrderTransition.objects.using(alias).bulk_create(batch)
    entries.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0001_initial"),
        ("lifecycle", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="OrderTransition"),
    ]
