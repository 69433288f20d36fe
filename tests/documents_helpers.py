"""Helpers of the outbound, finance and returns tests (fixtures: documents_fixtures.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from wms_sales.common.errors import DomainError
from wms_sales.common.money import line_amounts
from wms_sales.inventory.models import Reservation, StockLevel, StockMove
from wms_sales.inventory.selectors import ledger_totals
from wms_sales.outbound.services import create_outbound, post_outbound

D = Decimal


def aware(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def new_outbound(api, order_id: int, warehouse_id: int, lines=None, **extra) -> dict:
    body = {"order_id": order_id, "warehouse_id": warehouse_id, **extra}
    if lines is not None:
        body["lines"] = [{"order_line_id": pk, "quantity": str(qty)} for pk, qty in lines]
    response = api.post("outbounds", body)
    assert response.status_code == 201, response.content
    return response.json_body


def post(api, outbound_id: int, **body) -> dict:
    response = api.post(f"outbounds/{outbound_id}/post", body)
    assert response.status_code == 200, response.content
    return response.json_body


def ship(order_id: int, warehouse_id: int, lines: Sequence[tuple[int, object]] | None = None,
         shipped_at: datetime | None = None):
    """Create and post an outbound through the services; returns the posted Outbound."""
    draft = create_outbound(
        actor=None, order_id=order_id, warehouse_id=warehouse_id,
        lines=None if lines is None else [{"order_line_id": pk, "quantity": qty}
                                          for pk, qty in lines])
    return post_outbound(actor=None, outbound_id=draft.pk, shipped_at=shipped_at)


def priced(line: dict, quantity) -> tuple[Decimal, Decimal, Decimal]:
    """(net, tax, total) of ``quantity`` of an order line (API dict), priced like the line."""
    amounts = line_amounts(D(str(quantity)), D(line["unit_price"]), D(line["discount_percent"]),
                           D(line["tax_rate_percent"]))
    return amounts.net, amounts.tax, amounts.total


def money(obj: dict, *keys: str) -> tuple[Decimal, ...]:
    return tuple(D(str(obj[key])) for key in keys)


def levels() -> dict[tuple[int, int], tuple[Decimal, Decimal]]:
    return {(lv.product_id, lv.warehouse_id): (lv.on_hand, lv.reserved)
            for lv in StockLevel.objects.all()}


def assert_ledger_explains_levels() -> None:
    totals = ledger_totals()
    assert {pair: on_hand for pair, (on_hand, _) in levels().items()} == {
        pair: totals.get(pair, D(0)) for pair in levels()}
    assert all(on_hand >= reserved >= 0 for on_hand, reserved in levels().values())


def document_effects() -> tuple:
    """Stock, ledger and reservations: what shipping or receiving may change."""
    return (sorted(levels().items()), StockMove.objects.count(),
            sorted(Reservation.objects.values_list("source_id", "quantity")))


def run_check() -> tuple[int, str, str]:
    """`wms-sales check` as the CLI runs it: (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("check", stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def assert_corruption_reported(sql: str, params: Sequence, named: Sequence[str]) -> None:
    """The check passes, then a raw-SQL corruption makes it exit 1 naming each fragment."""
    status, out, err = run_check()
    assert (status, err) == (0, ""), err
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
    status, out, err = run_check()
    assert status == 1
    assert "FAIL" in out
    for fragment in named:
        assert fragment in err, err


def run_concurrently(func: Callable, items: Sequence, workers: int) -> list[str]:
    """Run func(item) on ``workers`` threads, each on its own connection (closed at the end);
    per item the string func returns, 'ok' for anything else, or the DomainError's code."""
    start = threading.Barrier(workers)

    def attempt(item) -> str:
        try:
            result = func(item)
            return result if isinstance(result, str) else "ok"
        except DomainError as exc:
            return exc.code

    def worker(chunk) -> list[str]:
        try:
            start.wait()  # every thread starts at the same moment
            return [attempt(item) for item in chunk]
        finally:
            connection.close()

    chunks = [items[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [r for results in pool.map(worker, chunks) for r in results]


def api_outcome(response) -> str:
    """'ok' for a 2xx, else '<status> <error code>'."""
    if response.status_code < 300:
        return "ok"
    return f"{response.status_code} {response.json_body['error']['code']}"

