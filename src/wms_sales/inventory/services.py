"""Stock use cases. Every change of ``on_hand`` writes its ``StockMove`` in the same
transaction, under a row lock on the level; callers that touch several levels lock them
through ``lock_levels`` (sorted by product, warehouse) so concurrent documents never deadlock."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from wms_sales.catalog.models import MAX_QUANTITY, Product
from wms_sales.common.actors import Actor, SystemActor, user_of
from wms_sales.common.compiled import CompiledRead
from wms_sales.common.db import bulk_update, insert_values
from wms_sales.common.errors import Conflict, NotFound, ValidationFailed
from wms_sales.common.validation import full_clean_or_422

from .errors import InventoryError
from .models import MoveReason, StockLevel, StockMove, Warehouse

WAREHOUSE_FIELDS = ("code", "name", "address", "active", "is_default")
INBOUND_REASONS = {MoveReason.OPENING, MoveReason.RECEIPT}
MANUAL_REASONS = {MoveReason.OPENING, MoveReason.RECEIPT, MoveReason.ADJUSTMENT,
                  MoveReason.WRITE_OFF}


# --- warehouses --------------------------------------------------------------------------

def _save_warehouse(warehouse: Warehouse) -> Warehouse:
    warehouse.code = warehouse.code.strip()
    warehouse.name = warehouse.name.strip()
    full_clean_or_422(warehouse)
    if Warehouse.objects.filter(code=warehouse.code).exclude(pk=warehouse.pk).exists():
        raise Conflict(f"Warehouse code {warehouse.code!r} is already taken.",
                       code=InventoryError.DUPLICATE_CODE, details={"field": "code"})
    if warehouse.is_default:
        Warehouse.objects.exclude(pk=warehouse.pk).filter(is_default=True).update(is_default=False)
    elif not Warehouse.objects.exclude(pk=warehouse.pk).filter(is_default=True).exists():
        warehouse.is_default = True  # there is always a default warehouse once there is one
    try:
        with transaction.atomic():
            warehouse.save()
    except IntegrityError as exc:
        raise Conflict(f"Warehouse code {warehouse.code!r} is already taken.",
                       code=InventoryError.DUPLICATE_CODE, details={"field": "code"}) from exc
    return warehouse


@transaction.atomic
def create_warehouse(*, actor: Actor, **fields: Any) -> Warehouse:
    data = {k: v for k, v in fields.items() if k in WAREHOUSE_FIELDS and v is not None}
    return _save_warehouse(Warehouse(**data))


@transaction.atomic
def update_warehouse(*, actor: Actor, warehouse_id: int, **changes: Any) -> Warehouse:
    warehouse = Warehouse.objects.select_for_update().filter(pk=warehouse_id).first()
    if warehouse is None:
        raise NotFound(f"Warehouse {warehouse_id} does not exist.",
                       code=InventoryError.WAREHOUSE_NOT_FOUND)
    unknown = set(changes) - set(WAREHOUSE_FIELDS)
    if unknown:
        raise ValidationFailed({name: "Unknown field." for name in sorted(unknown)})
    if changes.get("is_default") is False and warehouse.is_default:
        raise ValidationFailed({"is_default": "Make another warehouse the default instead."})
    for name, value in changes.items():
        if value is not None:
            setattr(warehouse, name, value)
    return _save_warehouse(warehouse)


# --- levels and moves --------------------------------------------------------------------

def _pairs_filter(pairs: Sequence[tuple[int, int]]) -> Q:
    """Exactly these (product, warehouse) pairs: per warehouse, its products."""
    by_warehouse: dict[int, list[int]] = defaultdict(list)
    for product_id, warehouse_id in pairs:
        by_warehouse[warehouse_id].append(product_id)
    condition = Q(pk__in=[])
    for warehouse_id, product_ids in sorted(by_warehouse.items()):
        condition |= Q(warehouse_id=warehouse_id, product_id__any_of=product_ids)
    return condition


# What the lockers of levels read and write back (``save_levels`` stamps updated_at).
_LEVEL_FIELDS = ("id", "product_id", "warehouse_id", "on_hand", "reserved")


def _levels_for_update(condition: Q) -> QuerySet[StockLevel]:
    return (StockLevel.objects.select_for_update().filter(condition).only(*_LEVEL_FIELDS)
            .order_by("product_id", "warehouse_id"))


# The usual call, every pair in one warehouse, compiled once: building the filter and
# compiling it took about four fifths of lock_levels' CPU (issue #9).
_LEVELS_IN_WAREHOUSE = CompiledRead(lambda warehouse_id, product_ids: _levels_for_update(
    Q(warehouse_id=warehouse_id, product_id__any_of=product_ids)), arity=2, lists={1})


def _locked_levels(pairs: Sequence[tuple[int, int]]) -> list[StockLevel]:
    """The existing levels of these pairs, locked in (product, warehouse) order."""
    warehouse_ids = {warehouse_id for _, warehouse_id in pairs}
    if len(warehouse_ids) == 1:
        return _LEVELS_IN_WAREHOUSE.objects(warehouse_ids.pop(),
                                            [product_id for product_id, _ in pairs])
    return list(_levels_for_update(_pairs_filter(pairs)))


def lock_levels(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """Lock the levels of exactly these (product_id, warehouse_id) pairs in a fixed order,
    creating missing ones, and return them by pair. Must run inside a transaction; callers
    take it as late as they can, since the locks are held until commit.

    The levels carry only their ids and quantities (``_LEVEL_FIELDS``)."""
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    locked = {(lv.product_id, lv.warehouse_id): lv for lv in _locked_levels(wanted)}
    if len(locked) < len(wanted):
        missing = [pair for pair in wanted if pair not in locked]
        # New levels: ON CONFLICT DO NOTHING lets a concurrent creator win; the lock below
        # then waits for its commit. Taken after the existing ones: still in one order per
        # call, and a level is created once in its life.
        StockLevel.objects.bulk_create(
            [StockLevel(product_id=p, warehouse_id=w) for p, w in missing],
            ignore_conflicts=True, batch_size=500)
        locked.update({(lv.product_id, lv.warehouse_id): lv for lv in _locked_levels(missing)})
    return locked


def _changed_level(level: StockLevel, quantity: Decimal, reason: str, actor: Actor, *,
                  source_type: str = "", source_id: int | None = None, source_ref: str = "",
                  note: str = "") -> dict[str, Any]:
    """Change a *locked* level's on_hand in memory and return its ledger line, unsaved, as
    ``{attname: value}`` (``common.db.insert_values`` writes many without a model object).

    Refuses to take on_hand below what is reserved (or below zero)."""
    new_on_hand = level.on_hand + quantity
    if new_on_hand >= MAX_QUANTITY:
        raise ValidationFailed({"quantity": f"On hand would exceed {MAX_QUANTITY - 1} units."})
    if new_on_hand < level.reserved:
        raise Conflict(
            "Not enough unreserved stock for this change.", code=InventoryError.INSUFFICIENT_STOCK,
            details={"product_id": level.product_id, "warehouse_id": level.warehouse_id,
                     "on_hand": str(level.on_hand), "reserved": str(level.reserved),
                     "requested_change": str(quantity)})
    level.on_hand = new_on_hand
    user = user_of(actor)
    return {"product_id": level.product_id, "warehouse_id": level.warehouse_id,
            "quantity": quantity, "balance_after": new_on_hand, "reason": reason,
            "source_type": source_type, "source_id": source_id, "source_ref": source_ref,
            "note": note, "actor_id": user.pk if user is not None else None}


def save_levels(levels: Iterable[StockLevel], fields: Sequence[str],
                moves: Sequence[Mapping[str, Any]] = ()) -> None:
    """Write changed levels (stamping their update time) and their ledger lines (ids not
    read back): two statements whatever the number of lines."""
    levels = list(levels)
    now = timezone.now()
    for level in levels:
        level.updated_at = now
    bulk_update(levels, [*fields, "updated_at"])
    insert_values(StockMove, moves)


def post_move(*, level: StockLevel, quantity: Decimal, reason: str, actor: Actor,
              source_type: str = "", source_id: int | None = None, source_ref: str = "",
              note: str = "") -> StockMove:
    """Change a *locked* level's on_hand by ``quantity`` and write the ledger line."""
    line = _changed_level(level, quantity, reason, actor, source_type=source_type,
                          source_id=source_id, source_ref=source_ref, note=note)
    del line["actor_id"]  # as the object, so that the answer needs no query for it
    move = StockMove(**line, actor=user_of(actor))
    save_levels([level], ["on_hand"])
    move.save()  # one row, and the caller gets its id
    return move


def parse_quantity(value: Any, product: Product, field: str = "quantity") -> Decimal:
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed({field: f"{value!r} is not a number."}) from None
    if not quantity.is_finite():
        raise ValidationFailed({field: f"{value!r} is not a number."})
    error = product.quantity_error(quantity)
    if error:
        raise ValidationFailed({field: error})
    return quantity


def _product_and_warehouse(product: dict[str, Any], warehouse: dict[str, Any], *,
                           fields: tuple[str, str] = ("product_id", "warehouse_id")
                           ) -> tuple[Product, Warehouse]:
    """The product and the active warehouse named by the lookups (``{"pk": 3}``,
    ``{"sku": "A-1"}``…), or a 422 naming ``fields`` for whichever does not exist."""
    found_product = Product.objects.filter(**product).first()
    found_warehouse = Warehouse.objects.filter(**warehouse).first()
    errors = {}
    if found_product is None:
        errors[fields[0]] = f"No product with {_described(product)}."
    if found_warehouse is None:
        errors[fields[1]] = f"No warehouse with {_described(warehouse)}."
    elif not found_warehouse.active:
        errors[fields[1]] = f"Warehouse {found_warehouse.code} is inactive."
    if errors or found_product is None or found_warehouse is None:
        raise ValidationFailed(errors)
    return found_product, found_warehouse


def _described(lookup: dict[str, Any]) -> str:
    return ", ".join(f"{'id' if name == 'pk' else name} {value!r}"
                     for name, value in lookup.items())


@transaction.atomic
def record_stock_change(*, actor: Actor, product_id: int, warehouse_id: int, quantity: Any,
                        reason: str = MoveReason.RECEIPT, note: str = "",
                        source_ref: str = "") -> StockMove:
    """Stock in (receipt, opening) or a signed correction (adjustment, write-off)."""
    product, warehouse = _product_and_warehouse({"pk": product_id}, {"pk": warehouse_id})
    if reason not in MANUAL_REASONS:
        raise ValidationFailed({"reason": f"Choose one of {', '.join(sorted(MANUAL_REASONS))}."})
    qty = parse_quantity(quantity, product)
    if qty == 0:
        raise ValidationFailed({"quantity": "Must not be zero."})
    if reason in INBOUND_REASONS and qty < 0:
        raise ValidationFailed({"quantity": "A receipt must be positive; use an adjustment."})
    if reason == MoveReason.WRITE_OFF and qty > 0:
        raise ValidationFailed({"quantity": "A write-off takes stock out: use a negative number."})
    if reason in {MoveReason.ADJUSTMENT, MoveReason.WRITE_OFF} and not note.strip():
        raise ValidationFailed({"note": "Say why the stock is adjusted."})
    level = lock_levels([(product.pk, warehouse.pk)])[(product.pk, warehouse.pk)]
    return post_move(level=level, quantity=qty, reason=reason, actor=actor, note=note.strip(),
                     source_type="manual", source_ref=source_ref)


@transaction.atomic
def count_stock(*, actor: Actor, product_id: int, warehouse_id: int, counted: Any,
                note: str) -> StockMove | None:
    """Stocktake: set on_hand to the counted quantity by posting the difference."""
    product, warehouse = _product_and_warehouse({"pk": product_id}, {"pk": warehouse_id})
    counted_qty = parse_quantity(counted, product, field="counted")
    if counted_qty < 0:
        raise ValidationFailed({"counted": "Must not be negative."})
    if not note.strip():
        raise ValidationFailed({"note": "Say why the stock is adjusted."})
    level = lock_levels([(product.pk, warehouse.pk)])[(product.pk, warehouse.pk)]
    difference = counted_qty - level.on_hand
    if difference == 0:
        return None
    return post_move(level=level, quantity=difference, reason=MoveReason.ADJUSTMENT, actor=actor,
                     note=note.strip(), source_type="stocktake")


@dataclass(frozen=True)
class ReturnedGoods:
    product_id: int
    warehouse_id: int
    good: Decimal  # back to sellable stock
    damaged: Decimal  # received, then written off at once


def receive_returned_goods(*, actor: Actor, items: Sequence[ReturnedGoods], document_type: str,
                           document_id: int, document_ref: str) -> None:
    """Goods back from a customer, inside the caller's transaction: good quantities are
    restocked; damaged ones enter and leave the ledger (received, written off), so the
    ledger explains them without making them sellable."""
    levels = lock_levels((item.product_id, item.warehouse_id) for item in items)
    moves = []
    source: dict[str, Any] = {"source_type": document_type, "source_id": document_id,
              "source_ref": document_ref}
    for item in items:
        level = levels[(item.product_id, item.warehouse_id)]
        if item.good > 0:
            moves.append(_changed_level(level, item.good, MoveReason.RETURN_RESTOCK, actor,
                                        **source))
        if item.damaged > 0:
            moves.append(_changed_level(level, item.damaged, MoveReason.RETURN_DAMAGED, actor,
                                        **source))
            moves.append(_changed_level(level, -item.damaged, MoveReason.WRITE_OFF, actor,
                                        note="damaged return", **source))
    save_levels(levels.values(), ["on_hand"], moves)


# --- opening stock (onboarding import) ----------------------------------------------------

@dataclass(frozen=True)
class OpeningStock:
    product_id: int
    warehouse_id: int
    quantity: Decimal
    note: str


def opening_stock_problems(quantity: Decimal | None, note: str) -> dict[str, list[str]]:
    """The ledger line's own field rules (digits, note length) for an opening balance, by
    field, without writing anything: what an import checks before ``receive_opening_stock``."""
    # An unsaved move, only validated: a missing quantity is one of the problems it names.
    move = StockMove(quantity=quantity, balance_after=quantity,  # type: ignore[misc]
                     reason=MoveReason.OPENING, note=note)
    try:
        full_clean_or_422(move, exclude=["product", "warehouse", "actor", "balance_after"])
    except ValidationFailed as exc:
        problems: dict[str, list[str]] = exc.details["fields"]
        return problems
    return {}


def receive_opening_stock(rows: Sequence[OpeningStock], *, actor: Actor,
                          source_ref: str) -> int:
    """First balances of (product, warehouse) pairs, inside the caller's transaction, in bulk.

    The caller has checked that no pair has moves yet (a second opening would double it). A
    level that exists already (without moves) is locked and posted to like any stock change;
    the usual case, a new level, is born with its opening quantity and its single move
    (balance_after = quantity = on_hand): two INSERTs per call, not four per row. A level
    created meanwhile by someone else fails the insert with an IntegrityError."""
    fields: dict[str, Any] = {"reason": MoveReason.OPENING, "source_type": "import",
                              "source_ref": source_ref[:40], "actor": user_of(actor)}
    by_pair = {(row.product_id, row.warehouse_id): row for row in rows}
    existing = by_pair.keys() & set(StockLevel.objects.filter(
        product_id__in={p for p, _w in by_pair}, warehouse_id__in={w for _p, w in by_pair},
    ).values_list("product_id", "warehouse_id"))
    for pair, level in (lock_levels(existing) if existing else {}).items():
        post_move(level=level, quantity=by_pair[pair].quantity, note=by_pair[pair].note,
                  **fields)
    new = [row for pair, row in by_pair.items() if pair not in existing]
    StockLevel.objects.bulk_create([
        StockLevel(product_id=row.product_id, warehouse_id=row.warehouse_id,
                   on_hand=row.quantity) for row in new])
    StockMove.objects.bulk_create([
        StockMove(product_id=row.product_id, warehouse_id=row.warehouse_id,
                  quantity=row.quantity, balance_after=row.quantity, note=row.note,
                  **fields) for row in new])
    return len(by_pair)


# --- stock events from the warehouse side (wms.inventory, applied by `wms-sales consume`) ---

WAREHOUSE_EVENTS = ("inventory.received", "inventory.adjusted", "inventory.counted")


@transaction.atomic
def apply_warehouse_stock_event(*, event_type: str, message_id: str, sku: str,
                                warehouse_code: str, quantity: Any, reference: str,
                                note: str = "") -> StockMove | None:
    """Apply what the warehouse reports — goods received, a signed adjustment, or a count
    (on hand set to it) — as one ledger line naming the message. Returns None when a count
    finds nothing to change. Refuses (and changes nothing) like the manual operations do."""
    if event_type not in WAREHOUSE_EVENTS:
        raise ValidationFailed({"type": f"Choose one of {', '.join(WAREHOUSE_EVENTS)}."})
    product, warehouse = _product_and_warehouse({"sku": sku}, {"code": warehouse_code},
                                                fields=("sku", "warehouse"))
    qty = parse_quantity(quantity, product)
    if event_type == "inventory.received" and qty <= 0:
        raise ValidationFailed({"quantity": "A receipt must be positive."})
    if event_type == "inventory.adjusted" and qty == 0:
        raise ValidationFailed({"quantity": "Must not be zero."})
    if event_type == "inventory.counted" and qty < 0:
        raise ValidationFailed({"quantity": "A count must not be negative."})
    level = lock_levels([(product.pk, warehouse.pk)])[(product.pk, warehouse.pk)]
    change = qty - level.on_hand if event_type == "inventory.counted" else qty
    if change == 0:
        return None
    reason = MoveReason.RECEIPT if event_type == "inventory.received" else MoveReason.ADJUSTMENT
    text = f"{event_type} {reference}" + (f": {note}" if note else "")
    return post_move(level=level, quantity=change, reason=reason,
                     actor=SystemActor("consumer"), source_type="message",
                     source_ref=message_id[:40],
                     note=f"{text} (message {message_id})"[:300])
