from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TypedDict

from django.db.models import F, Q, QuerySet, Sum
from django_stubs_ext import WithAnnotations

from wms_sales.common.compiled import CompiledRead, row_by_pk
from wms_sales.common.errors import NotFound

from .errors import InventoryError
from .models import StockLevel, StockMove, Warehouse

QUANTUM = Decimal("0.0001")  # the places every stored quantity has


def warehouse_list(*, active: bool | None = None) -> QuerySet[Warehouse]:
    qs = Warehouse.objects.all()
    return qs if active is None else qs.filter(active=active)


def warehouse_detail(warehouse_id: int) -> Warehouse:
    warehouse = Warehouse.objects.filter(pk=warehouse_id).first()
    if warehouse is None:
        raise NotFound(f"Warehouse {warehouse_id} does not exist.",
                       code=InventoryError.WAREHOUSE_NOT_FOUND)
    return warehouse


# Compiled once: entering an order and drafting an outbound read a warehouse each time.
_ACTIVE_WAREHOUSE = CompiledRead(lambda pk: Warehouse.objects.filter(pk=pk, active=True)[:1],
                                 arity=1)
_DEFAULT_WAREHOUSE = CompiledRead(lambda: Warehouse.objects.filter(
    is_default=True, active=True)[:1], arity=0)


def warehouse_or_none(warehouse_id: int, *, active_only: bool = False) -> Warehouse | None:
    """The warehouse (only if active, with ``active_only``), or None."""
    return _ACTIVE_WAREHOUSE.first(warehouse_id) if active_only \
        else row_by_pk(Warehouse, warehouse_id)


def default_warehouse() -> Warehouse | None:
    return _DEFAULT_WAREHOUSE.first()


class Available(TypedDict):
    available_qty: Decimal  # on hand less reserved


def stock_levels(*, product_id: int | None = None, warehouse_id: int | None = None,
                 q: str = "", only_in_stock: bool = False
                 ) -> QuerySet[WithAnnotations[StockLevel, Available]]:
    qs = StockLevel.objects.select_related("product", "warehouse").annotate(
        available_qty=F("on_hand") - F("reserved"))
    if product_id:
        qs = qs.filter(product_id=product_id)
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    if q:
        qs = qs.filter(Q(product__sku__icontains=q.strip()) | Q(product__name__icontains=q.strip()))
    if only_in_stock:
        qs = qs.filter(on_hand__gt=0)
    return qs.order_by("product__sku", "warehouse__code")


def stock_moves(*, product_id: int | None = None, warehouse_id: int | None = None,
                since: datetime | None = None, until: datetime | None = None,
                reason: str | None = None) -> QuerySet[StockMove]:
    qs = StockMove.objects.select_related("product", "warehouse", "actor")
    if product_id:
        qs = qs.filter(product_id=product_id)
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    if since:
        qs = qs.filter(created_at__gte=since)
    if until:
        qs = qs.filter(created_at__lt=until)
    if reason:
        qs = qs.filter(reason=reason)
    return qs.order_by("-id")


def pairs_with_moves(product_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(product, warehouse) pairs of these products that have any ledger line."""
    return set(StockMove.objects.filter(product_id__in=list(product_ids)).order_by()
               .values_list("product_id", "warehouse_id").distinct())


def ledger_totals() -> dict[tuple[int, int], object]:
    """Sum of moves per (product, warehouse): what on_hand must equal."""
    rows = StockMove.objects.values("product_id", "warehouse_id").annotate(total=Sum("quantity"))
    # SQLite sums decimals as floats (0.01 + 2.00 - 2.00 = 0.00999…): round to the stored places.
    return {(r["product_id"], r["warehouse_id"]): r["total"].quantize(QUANTUM) for r in rows}
