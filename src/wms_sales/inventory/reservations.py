"""Reserving stock for document lines and giving it back. All-or-nothing per call: either
every line is reserved or ``insufficient_stock`` lists each short line. Levels are locked in
(product, warehouse) order, so concurrent reviews queue instead of deadlocking."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from wms_sales.common.actors import Actor, user_of
from wms_sales.common.compiled import CompiledRead
from wms_sales.common.db import bulk_update, insert_values
from wms_sales.common.errors import Conflict

from .errors import InventoryError
from .models import MoveReason, Reservation, StockLevel, StockMove
from .services import lock_levels, save_levels


@dataclass(frozen=True)
class ReservationRequest:
    source_id: int
    product_id: int
    warehouse_id: int
    quantity: Decimal


# Part of the calling document's transaction, which no caller continues after a failure:
# no savepoint (two round trips) of its own.
@transaction.atomic(savepoint=False)
def reserve(*, source_type: str, source_ref: str, requests: Sequence[ReservationRequest],
            levels: dict[tuple[int, int], StockLevel] | None = None) -> dict[int, Decimal]:
    """``levels``: the requests' levels when the caller has locked them already. Returns
    what is now held per source line (lines asking for nothing hold nothing)."""
    if levels is None:
        levels = lock_levels((r.product_id, r.warehouse_id) for r in requests)
    wanted: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for request in requests:
        wanted[(request.product_id, request.warehouse_id)] += request.quantity
    short = [
        {"source_id": r.source_id, "product_id": r.product_id, "warehouse_id": r.warehouse_id,
         "requested": str(r.quantity),
         "requested_in_warehouse": str(wanted[(r.product_id, r.warehouse_id)]),
         "available": str(levels[(r.product_id, r.warehouse_id)].available)}
        for r in requests
        if wanted[(r.product_id, r.warehouse_id)] > levels[(r.product_id, r.warehouse_id)].available
    ]
    if short:
        raise Conflict(f"Not enough stock for {len(short)} line(s).",
                       code=InventoryError.INSUFFICIENT_STOCK,
                       details={"lines": short})
    for pair, quantity in wanted.items():
        levels[pair].reserved += quantity
    save_levels(levels.values(), ["reserved"])
    held = [r for r in requests if r.quantity > 0]
    _insert_reservations(source_type, source_ref, held)
    return {r.source_id: r.quantity for r in held}


def _insert_reservations(source_type: str, source_ref: str,
                         requests: Sequence[ReservationRequest]) -> None:
    """One row per request, written as plain rows (no model object per line): what
    ``Reservation.objects.bulk_create`` would write, ids not read back."""
    insert_values(Reservation, [
        {"product_id": r.product_id, "warehouse_id": r.warehouse_id, "source_type": source_type,
         "source_id": r.source_id, "source_ref": source_ref, "quantity": r.quantity}
        for r in requests])


# Part of the calling document's transaction, which no caller continues after a failure:
# no savepoint (two round trips) of its own.
@transaction.atomic(savepoint=False)
def release(*, source_type: str, source_ids: Iterable[int]) -> Decimal:
    """Give back whatever is still held for these lines; returns the total released."""
    held = list(Reservation.objects.filter(source_type=source_type,
                                           source_id__any_of=list(source_ids),
                                           quantity__gt=0))
    if not held:
        return Decimal(0)
    levels = lock_levels((r.product_id, r.warehouse_id) for r in held)
    # Re-read under the level locks: a concurrent issue may have consumed part meanwhile.
    held = list(Reservation.objects.select_for_update().filter(pk__any_of=[r.pk for r in held]))
    total = Decimal(0)
    for reservation in held:
        levels[(reservation.product_id, reservation.warehouse_id)].reserved -= reservation.quantity
        total += reservation.quantity
        reservation.quantity = Decimal(0)
    save_levels(levels.values(), ["reserved"])
    bulk_update(held, ["quantity"])
    return total


def held_quantities(*, source_type: str, source_ids: Iterable[int]) -> dict[int, Decimal]:
    """What is still reserved per source line."""
    return dict(Reservation.objects.filter(source_type=source_type,
                                           source_id__any_of=list(source_ids))
                .values_list("source_id", "quantity"))


@functools.cache
def _held_for_update(source_type: str) -> CompiledRead:
    """The reservations of these lines, locked, with what is checked and written back:
    compiled once per source type (a handful of constants)."""
    return CompiledRead(lambda source_ids: Reservation.objects.select_for_update().filter(
        source_type=source_type, source_id__any_of=source_ids)
        .only("pk", "source_id", "quantity"), arity=1, lists={0})


@dataclass(frozen=True)
class IssueRequest:
    source_id: int  # the reserving line
    product_id: int
    warehouse_id: int
    quantity: Decimal


def issue_reserved(*, source_type: str, requests: Sequence[IssueRequest], actor: Actor,
                   document_type: str, document_id: int, document_ref: str) -> None:
    """Ship reserved stock: per request on_hand and reserved drop by the quantity, the
    reservation shrinks and a ledger line (reason ``sale_issue``) names the document.
    Must run inside the caller's transaction."""
    levels = lock_levels((r.product_id, r.warehouse_id) for r in requests)
    held = {r.source_id: r for r in _held_for_update(source_type).objects(
        [r.source_id for r in requests])} if requests else {}
    short = [{"source_id": r.source_id, "requested": str(r.quantity),
              "reserved": str(held[r.source_id].quantity if r.source_id in held else 0)}
             for r in requests
             if r.source_id not in held or held[r.source_id].quantity < r.quantity]
    if short:
        raise Conflict("Some lines are not reserved for the quantity to ship.",
                       code=InventoryError.INSUFFICIENT_RESERVATION, details={"lines": short})
    # Ledger lines as plain rows: no model object for each of a 1,000-line document's lines.
    moves = []
    stamped = {"reason": MoveReason.SALE_ISSUE, "source_type": document_type,
               "source_id": document_id, "source_ref": document_ref,
               "actor_id": user.pk if (user := user_of(actor)) else None}
    for request in requests:
        level = levels[(request.product_id, request.warehouse_id)]
        level.on_hand -= request.quantity
        level.reserved -= request.quantity
        held[request.source_id].quantity -= request.quantity
        moves.append({**stamped, "product_id": request.product_id,
                      "warehouse_id": request.warehouse_id, "quantity": -request.quantity,
                      "balance_after": level.on_hand})
    save_levels(levels.values(), ["on_hand", "reserved"])
    insert_values(StockMove, moves)
    bulk_update(held.values(), ["quantity"])
