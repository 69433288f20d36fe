"""Invariants of the stock area, verified on a live database by ``wms-sales check``."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import F, Q, Sum

from .models import Reservation, StockLevel
from .selectors import QUANTUM, ledger_totals


def stock_violations() -> Iterator[str]:
    bad = StockLevel.objects.filter(Q(on_hand__lt=0) | Q(reserved__lt=0)
                                    | Q(reserved__gt=F("on_hand")))
    for level in bad.select_related("product", "warehouse"):
        yield (f"stock level {level.product.sku}@{level.warehouse.code}: on_hand={level.on_hand} "
               f"reserved={level.reserved} breaks 0 <= reserved <= on_hand")
    totals = ledger_totals()
    for level in StockLevel.objects.select_related("product", "warehouse").iterator():
        ledger = totals.pop((level.product_id, level.warehouse_id), 0)
        if ledger != level.on_hand:
            yield (f"stock level {level.product.sku}@{level.warehouse.code}: on_hand="
                   f"{level.on_hand} but the ledger sums to {ledger}")
    for (product_id, warehouse_id), total in totals.items():
        yield (f"ledger has moves for product {product_id} in warehouse {warehouse_id} "
               f"(sum {total}) but no stock level")


def reservation_violations() -> Iterator[str]:
    held = {(r["product_id"], r["warehouse_id"]): r["total"] for r in Reservation.objects
            .values("product_id", "warehouse_id").annotate(total=Sum("quantity"))}
    for level in StockLevel.objects.select_related("product", "warehouse").iterator():
        # SQLite sums decimals as floats: round to the stored places before comparing.
        total = Decimal(held.pop((level.product_id, level.warehouse_id), 0) or 0).quantize(
            QUANTUM)
        if total != level.reserved:
            yield (f"stock level {level.product.sku}@{level.warehouse.code}: reserved="
                   f"{level.reserved} but open reservations sum to {total}")
    for (product_id, warehouse_id), total in held.items():
        if total:
            yield (f"reservations of {total} for product {product_id} in warehouse "
                   f"{warehouse_id} have no stock level")


CHECKS = [
    ("stock levels match the ledger and constraints", stock_violations),
    ("reserved stock equals the open reservations", reservation_violations),
]
