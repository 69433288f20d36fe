"""The demo history never posts empty documents, and `check` flags them (issue #10 §2)."""

from __future__ import annotations

from django.db import connection

from test_commands import run
from wms_sales.finance.models import Invoice
from wms_sales.outbound.models import Outbound, OutboundStatus


def test_demo_history_posts_no_empty_outbound_or_invoice(db):
    status, _out, err = run("demo", "--orders", "1500", "--no-progress")
    assert status == 0, err
    posted = Outbound.objects.filter(status=OutboundStatus.POSTED)
    assert posted.count() > 500
    assert not posted.exclude(lines__quantity__gt=0).exists()
    assert not Invoice.objects.filter(lines__isnull=True).exists()
    assert not Invoice.objects.filter(total_amount=0).exists()
    assert run("check")[0] == 0

    # An outbound whose lines vanish is named by the check.
    emptied = posted.order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM outbound_outboundline WHERE outbound_id = %s", [emptied.pk])
        cursor.execute("DELETE FROM finance_invoiceline WHERE invoice_id = %s",
                       [emptied.invoice_id])
    status, _out, err = run("check")
    assert status == 1
    assert f"posted outbound {emptied.number} ships nothing" in err
    assert f"invoice {emptied.invoice.number} has no lines" in err
