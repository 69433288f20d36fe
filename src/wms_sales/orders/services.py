"""Sales order use cases (DESIGN.md §2–§3). Each is one transaction, retried on a deadlock or
serialization failure, and writes the history entry and the outbox event with the change.

Lock order, everywhere: the order row, then the customer row, then stock levels by
(product, warehouse) — so concurrent reviews queue and never deadlock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from wms_sales.catalog.models import QUANTITY, Product
from wms_sales.common.actors import Actor, user_of
from wms_sales.common.compiled import CompiledRead, row_by_pk
from wms_sales.common.db import bulk_insert, bulk_update, insert_object, retry_transaction
from wms_sales.common.errors import Conflict, Forbidden, ValidationFailed
from wms_sales.common.models import DecimalSize
from wms_sales.common.money import line_amounts
from wms_sales.common.numbering import document_number
from wms_sales.common.permissions import check_perm
from wms_sales.common.validation import FieldErrors
from wms_sales.customers.models import MONEY, Customer, CustomerAddress, CustomerStatus
from wms_sales.events.services import record_event
from wms_sales.inventory.models import Warehouse
from wms_sales.inventory.reservations import ReservationRequest, release, reserve
from wms_sales.inventory.selectors import default_warehouse, warehouse_or_none
from wms_sales.inventory.services import lock_levels

from .errors import OrderError
from .models import (
    OPEN_STATUSES,
    PERCENT,
    PRICE,
    OrderStatus,
    ReturnStatus,
    SalesOrder,
    SalesOrderLine,
)
from .selectors import RESERVATION_SOURCE, credit_exposure
from .states import ORDER_LIFE, InvalidTransition

# Why a customer cannot order, by its status.
NOT_ORDERABLE: dict[str, OrderError] = {CustomerStatus.BLOCKED: OrderError.CUSTOMER_BLOCKED,
                 CustomerStatus.INACTIVE: OrderError.CUSTOMER_INACTIVE}
HEADER_FIELDS = ("requested_delivery_date", "warehouse_id", "delivery_address_id",
                 "delivery_recipient", "delivery_phone", "delivery_address", "note")


# What entering a line reads of its product, and what the answer and the event name of it.
PRODUCT_FIELDS = ("id", "sku", "name", "active", "list_price", "tax_rate_percent",
                  "quantity_precision")
LINE_NAMES = ("product__sku", "product__name", "warehouse__code")


_NAMED_LINES = CompiledRead(lambda order_id: SalesOrderLine.objects.filter(order_id=order_id)
                            .select_related("product", "warehouse").only(
    *(field.name for field in SalesOrderLine._meta.concrete_fields), *LINE_NAMES), arity=1)


def _named_lines(order: SalesOrder) -> list[SalesOrderLine]:
    """The order's lines with the names of their product and warehouse, as the answer and
    the event give them (the rest of those rows is not read: a 1,000-line order)."""
    lines = _NAMED_LINES.objects(order.pk)
    for line in lines:  # as order.lines would give them
        line.order = order
    return lines


# --- entry ---------------------------------------------------------------------------------

def _decimal(value: Any, field: str, errors: FieldErrors) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        errors.add(field, f"{value!r} is not a number.")
        return None
    if not number.is_finite():
        errors.add(field, f"{value!r} is not a number.")
        return None
    return number


def _fits(number: Decimal, spec: DecimalSize, field: str,
          errors: FieldErrors) -> bool:
    """Whether ``number`` is stored as is in a column of ``spec`` (not rounded, no overflow)."""
    places, whole = spec["decimal_places"], spec["max_digits"] - spec["decimal_places"]
    if number and number.adjusted() >= whole:
        errors.add(field, f"Must be less than 10^{whole}.")
        return False
    if number != number.quantize(Decimal(1).scaleb(-places)):  # exact: at most 20 digits here
        errors.add(field, f"At most {places} decimal places.")
        return False
    return True


def _percent(value: Any, field: str, errors: FieldErrors) -> Decimal:
    number = _decimal(value if value is not None else 0, field, errors)
    if number is not None and not Decimal(0) <= number <= Decimal(100):
        errors.add(field, "Must be between 0 and 100.")
    elif number is not None:
        _fits(number, PERCENT, field, errors)
    return number if number is not None else Decimal(0)


def _build_lines(lines: Sequence[dict[str, Any]], default_wh: Warehouse) -> list[SalesOrderLine]:
    """Validate every line (collecting all errors) and price it; nothing is saved here."""
    if not lines:
        raise ValidationFailed({"lines": "An order needs at least one line."})
    if len(lines) > settings.WMS_MAX_ORDER_LINES:
        raise ValidationFailed({"lines": f"At most {settings.WMS_MAX_ORDER_LINES} lines per "
                                         f"order ({len(lines)} given)."})
    products = Product.objects.only(*PRODUCT_FIELDS).in_bulk(
        {line.get("product_id") for line in lines})
    warehouses = Warehouse.objects.in_bulk({line.get("warehouse_id") for line in lines
                                            if line.get("warehouse_id")})
    errors = FieldErrors()
    built = []
    for index, line in enumerate(lines):
        at = f"lines[{index}]."
        product = products.get(line.get("product_id"))
        if product is None:
            errors.add(at + "product_id",
                       f"Product {line.get('product_id')} does not exist.")
        elif not product.active:
            errors.add(at + "product_id", f"{product.sku} is inactive.")
        warehouse: Warehouse | None = default_wh
        if line.get("warehouse_id"):
            warehouse = warehouses.get(line["warehouse_id"])
            if warehouse is None or not warehouse.active:
                errors.add(at + "warehouse_id",
                           f"Warehouse {line['warehouse_id']} does not exist or is inactive.")
        quantity = _decimal(line.get("quantity"), at + "quantity", errors)
        if quantity is not None:
            if quantity <= 0:
                errors.add(at + "quantity", "Must be greater than zero.")
            elif (_fits(quantity, QUANTITY, at + "quantity", errors) and product is not None
                  and (problem := product.quantity_error(quantity))):
                errors.add(at + "quantity", problem)
        price = line.get("unit_price")
        if price is None and product is not None:
            price = product.list_price
        unit_price = _decimal(price if price is not None else 0, at + "unit_price", errors)
        if unit_price is not None and unit_price < 0:
            errors.add(at + "unit_price", "Must not be negative.")
        elif unit_price is not None:
            _fits(unit_price, PRICE, at + "unit_price", errors)
        discount = _percent(line.get("discount_percent"), at + "discount_percent", errors)
        tax_rate = line.get("tax_rate_percent")
        if tax_rate is None and product is not None:  # as the entry form pre-fills it
            tax_rate = product.tax_rate_percent
        tax = _percent(tax_rate, at + "tax_rate_percent", errors)
        if errors:
            continue
        # No errors: every value above parsed and exists (mypy cannot follow that).
        assert product is not None and warehouse is not None
        assert quantity is not None and unit_price is not None
        amounts = line_amounts(quantity, unit_price, discount, tax)
        if not _fits(amounts.total, MONEY, at + "total_amount", errors):
            continue
        built.append(SalesOrderLine(
            line_no=index + 1, product=product, warehouse=warehouse, quantity=quantity,
            unit_price=unit_price, discount_percent=discount, tax_rate_percent=tax,
            net_amount=amounts.net, tax_amount=amounts.tax, total_amount=amounts.total))
    if not errors:
        _fits(sum((line.total_amount for line in built), Decimal(0)), MONEY, "total_amount",
              errors)
    errors.raise_if_any()
    return built


_LOCKED_CUSTOMER = CompiledRead(lambda pk: Customer.objects.select_for_update(
    no_key=connection.features.has_select_for_no_key_update).filter(pk=pk).order_by("pk")[:1],
    arity=1)


def _orderable_customer(customer_id: Any, *, lock: bool = False) -> Customer:
    # FOR NO KEY UPDATE (PostgreSQL) serializes credit checks of one customer without
    # conflicting with the key-share locks that inserting its orders, invoices and payments
    # take on the row. MariaDB has no such mode: its foreign-key checks take shared locks
    # that a FOR UPDATE waits for, so the lock is taken before this transaction inserts any
    # row that refers to the customer (no shared-to-exclusive upgrade, hence no deadlock).
    customer: Customer | None = None
    if isinstance(customer_id, int):
        customer = (_LOCKED_CUSTOMER.first(customer_id) if lock
                    else row_by_pk(Customer, customer_id))
    if customer is None:
        raise ValidationFailed({"customer_id": f"Customer {customer_id} does not exist."})
    if customer.status != CustomerStatus.ACTIVE:
        raise Conflict(f"Customer {customer.code} is {customer.status} and cannot order.",
                       code=NOT_ORDERABLE[customer.status],
                       details={"customer_id": customer.pk, "status": customer.status})
    return customer


def _resolve_warehouse(warehouse_id: int | None) -> Warehouse:
    if warehouse_id:
        warehouse = warehouse_or_none(warehouse_id, active_only=True)
        if warehouse is None:
            raise ValidationFailed(
                {"warehouse_id": f"Warehouse {warehouse_id} does not exist or is inactive."})
        return warehouse
    warehouse = default_warehouse()
    if warehouse is None:
        raise ValidationFailed({"warehouse_id": "No warehouse given and no default warehouse."})
    return warehouse


# The address reads of every order's creation, compiled once; in the model's ordering.
_CUSTOMERS_ADDRESS = CompiledRead(lambda pk, customer_id: CustomerAddress.objects.filter(
    pk=pk, customer_id=customer_id)[:1], arity=2)
_DEFAULT_ADDRESS = CompiledRead(lambda customer_id: CustomerAddress.objects.filter(
    customer_id=customer_id, is_default=True)[:1], arity=1)


def _apply_delivery(order: SalesOrder, customer: Customer, fields: dict[str, Any]) -> None:
    address_id = fields.get("delivery_address_id")
    address = None
    if address_id:
        address = _CUSTOMERS_ADDRESS.first(address_id, customer.pk)
        if address is None:
            raise ValidationFailed({"delivery_address_id":
                                    f"Address {address_id} is not one of {customer.code}'s."})
    elif not fields.get("delivery_address") and not order.delivery_address:
        address = _DEFAULT_ADDRESS.first(customer.pk)
    if address is not None:
        order.delivery_address = address.full_text
        order.delivery_recipient = address.recipient or customer.contact_person
        order.delivery_phone = address.phone or customer.phone
    for name in ("delivery_address", "delivery_recipient", "delivery_phone"):
        if fields.get(name):
            setattr(order, name, fields[name])


def _set_totals(order: SalesOrder, lines: Sequence[SalesOrderLine]) -> None:
    order.net_amount = sum((line.net_amount for line in lines), Decimal(0))
    order.tax_amount = sum((line.tax_amount for line in lines), Decimal(0))
    order.total_amount = order.net_amount + order.tax_amount
    order.line_count = len(lines)


LineItems = list[dict[str, Any]]


def _payload(from_status: str, reason: str, lines: Sequence[SalesOrderLine] | None = None,
             ) -> Callable[[SalesOrder], dict[str, Any]]:
    """The outbox payload of a transition, built once the order has its new status."""
    def build(order: SalesOrder) -> dict[str, Any]:
        items = _line_items(lines) if lines is not None else _stored_line_items(order)
        return {**_event_payload(order, items, reason), "from_status": from_status}
    return build


def _line_items(lines: Sequence[SalesOrderLine]) -> LineItems:
    return [{"line_id": line.pk, "line_no": line.line_no, "product_id": line.product_id,
             "sku": line.product.sku, "warehouse_id": line.warehouse_id,
             "warehouse": line.warehouse.code, "quantity": line.quantity,
             "unit_price": line.unit_price, "total_amount": line.total_amount}
            for line in lines]


def _stored_line_items(order: SalesOrder) -> LineItems:
    """The same, read as plain rows: a 1,000-line order builds no model objects for it."""
    return [{"line_id": pk, "line_no": line_no, "product_id": product_id, "sku": sku,
             "warehouse_id": warehouse_id, "warehouse": warehouse, "quantity": quantity,
             "unit_price": unit_price, "total_amount": total}
            for pk, line_no, product_id, sku, warehouse_id, warehouse, quantity, unit_price, total
            in order.lines.order_by("line_no").values_list(
                "pk", "line_no", "product_id", "product__sku", "warehouse_id",
                "warehouse__code", "quantity", "unit_price", "total_amount")]


def _event_payload(order: SalesOrder, items: LineItems, reason: str) -> dict[str, Any]:
    """Everything a consumer of an order event needs, built from the rows in hand; the
    report aggregates are kept from it without reading the order again."""
    return {
        "order_id": order.pk, "number": order.number, "status": order.status,
        "customer": {"id": order.customer_id, "code": order.customer.code},
        "salesperson_id": order.created_by_id,
        "entered_on": timezone.localdate(order.created_at).isoformat(),
        "approved_on": (timezone.localdate(order.reviewed_at).isoformat()
                        if order.reviewed_at else None),
        "net_amount": order.net_amount, "tax_amount": order.tax_amount,
        "total_amount": order.total_amount, "reason": reason, "lines": items,
    }


def approval_forbidden_reason(actor: Actor, order: SalesOrder) -> str | None:
    """Why ``actor`` may not approve ``order`` under segregation of duties, or None: whoever
    entered an order cannot also approve it (WMS_SEGREGATE_DUTIES, on by default)."""
    if not settings.WMS_SEGREGATE_DUTIES or order.created_by_id is None:
        return None
    if order.created_by_id == getattr(actor, "pk", None):
        return "You entered this order; another user must approve it (segregation of duties)."
    return None


@retry_transaction
def create_order(*, actor: Actor, customer_id: int, lines: Sequence[dict[str, Any]],
                 order_date: date | None = None, **header: Any) -> SalesOrder:
    customer = _orderable_customer(customer_id)
    warehouse = _resolve_warehouse(header.get("warehouse_id"))
    built = _build_lines(lines, warehouse)
    order_date = order_date or timezone.localdate()
    order = SalesOrder(number=document_number("SO", order_date), customer=customer,
                       order_date=order_date, warehouse=warehouse, created_by=user_of(actor),
                       requested_delivery_date=header.get("requested_delivery_date"),
                       note=header.get("note") or "")
    _apply_delivery(order, customer, header)
    _set_totals(order, built)
    insert_object(order)
    for line in built:
        line.order = order
        line.reserved_quantity = Decimal(0)  # nothing is reserved before approval
    bulk_insert(built, with_ids=True)
    ORDER_LIFE.created(order, actor=actor, payload=_payload("", "", built))
    order.line_list = built  # as selectors.order_detail gives them: the answer reads nothing
    return order


@retry_transaction
def update_order(*, actor: Actor, order_id: int, lines: Sequence[dict[str, Any]] | None = None,
                 **header: Any) -> SalesOrder:
    """Edit a pending order: header fields and/or replace all lines."""
    order = ORDER_LIFE.lock(order_id)
    if order.status != OrderStatus.PENDING:
        raise Conflict(f"Order {order.number} is {order.status}; only pending orders can be "
                       "edited.",
                       code=OrderError.ORDER_NOT_EDITABLE, details={"status": order.status})
    unknown = set(header) - set(HEADER_FIELDS)
    if unknown:
        raise ValidationFailed({name: "Unknown field." for name in sorted(unknown)})
    if "warehouse_id" in header:
        order.warehouse = _resolve_warehouse(header["warehouse_id"])
    if "requested_delivery_date" in header:
        order.requested_delivery_date = header["requested_delivery_date"]
    if "note" in header:
        order.note = header["note"] or ""
    _apply_delivery(order, order.customer, header)
    if lines is not None:
        built = _build_lines(lines, order.warehouse)
        order.lines.all().delete()
        for line in built:
            line.order = order
        bulk_insert(built, with_ids=True)
        _set_totals(order, built)
    order.save()
    record_event(event_type="order.updated", aggregate_type="sales_order", aggregate_id=order.pk,
                 payload=_event_payload(order, _stored_line_items(order), ""))
    return order


# --- review and the rest of the life -------------------------------------------------------

def _require_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise ValidationFailed({"reason": "A reason is required."})
    return reason.strip()


@retry_transaction
def approve_order(*, actor: Actor, order_id: int, override_credit: bool = False,
                  reason: str = "") -> SalesOrder:
    order = ORDER_LIFE.lock(order_id, joined=("created_by",))  # the answer names them
    ORDER_LIFE.check(order.status, OrderStatus.APPROVED)
    refused = approval_forbidden_reason(actor, order)
    if refused:
        raise Forbidden(refused, code=OrderError.SEGREGATION_OF_DUTIES)
    lines = _named_lines(order)
    # Stock levels before the customer: the order in which a posting takes them too (its
    # invoice's foreign key locks the customer last), so MariaDB's shared foreign-key locks
    # and this exclusive one never wait on each other crosswise.
    levels = lock_levels((line.product_id, line.warehouse_id) for line in lines)
    customer = order.customer = _orderable_customer(order.customer_id, lock=True)
    if customer.credit_limit is not None:
        parts = credit_exposure(customer.pk)
        exposure = parts["total"]
        if exposure + order.total_amount > customer.credit_limit:
            if not override_credit:
                raise Conflict(
                    f"Credit limit of {customer.code} exceeded.",
                               code=OrderError.CREDIT_LIMIT_EXCEEDED,
                    details={"credit_limit": str(customer.credit_limit),
                             "exposure": str(exposure),
                             "receivables": str(parts["receivables"]),
                             "open_orders": str(parts["open_orders"]),
                             "order_total": str(order.total_amount),
                             "excess": str(exposure + order.total_amount
                                           - customer.credit_limit)})
            check_perm(actor, "orders.override_credit_limit")
            order.credit_override_reason = _require_reason(reason)
    held = reserve(
        source_type=RESERVATION_SOURCE, source_ref=order.number, levels=levels,
        requests=[ReservationRequest(source_id=line.pk, product_id=line.product_id,
                                     warehouse_id=line.warehouse_id, quantity=line.quantity)
                  for line in lines])
    ORDER_LIFE.transition(order, OrderStatus.APPROVED, actor=actor, event="approved",
                          reason=order.credit_override_reason,
                          fields=["credit_override_reason"],
                          payload=_payload(OrderStatus.PENDING, order.credit_override_reason,
                                           lines))
    for line in lines:  # as selectors.order_detail gives them: the answer reads nothing
        line.reserved_quantity = held.get(line.pk, Decimal(0))
    order.line_list = lines
    return order


@retry_transaction
def reject_order(*, actor: Actor, order_id: int, reason: str) -> SalesOrder:
    order = ORDER_LIFE.lock(order_id)
    ORDER_LIFE.check(order.status, OrderStatus.REJECTED)
    order.status_reason = _require_reason(reason)
    ORDER_LIFE.transition(order, OrderStatus.REJECTED, actor=actor, event="rejected",
                          reason=order.status_reason, fields=["status_reason"],
                          payload=_payload(OrderStatus.PENDING, order.status_reason))
    return order


@retry_transaction
def cancel_order(*, actor: Actor, order_id: int, reason: str) -> SalesOrder:
    order = ORDER_LIFE.lock(order_id)
    from_status = order.status
    ORDER_LIFE.check(from_status, OrderStatus.CANCELLED)
    order.status_reason = _require_reason(reason)
    release(source_type=RESERVATION_SOURCE, source_ids=order.lines.values_list("pk", flat=True))
    ORDER_LIFE.transition(order, OrderStatus.CANCELLED, actor=actor, event="cancelled",
                          reason=order.status_reason, fields=["status_reason"],
                          payload=_payload(from_status, order.status_reason))
    return order


@retry_transaction
def close_order(*, actor: Actor, order_id: int, reason: str) -> SalesOrder:
    """End an approved or shipping order short: what is not shipped is closed and released."""
    order = ORDER_LIFE.lock(order_id)
    from_status = order.status
    ORDER_LIFE.check(from_status, OrderStatus.COMPLETED)
    order.status_reason = _require_reason(reason)
    lines = list(order.lines.select_related("product", "warehouse"))
    for line in lines:
        line.closed_quantity += line.open_quantity
    bulk_update(lines, ["closed_quantity"])
    release(source_type=RESERVATION_SOURCE, source_ids=[line.pk for line in lines])
    ORDER_LIFE.transition(order, OrderStatus.COMPLETED, actor=actor, event="closed",
                          reason=order.status_reason, fields=["status_reason"],
                          payload=_payload(from_status, order.status_reason, lines))
    return order



# --- called by the outbound documents, inside their posting transaction -------------------

def lock_for_shipping(order_id: int) -> SalesOrder:
    """Lock an order that is about to ship; only approved or shipping orders may. Its
    customer comes with it: the invoice and the outbound's answer name them."""
    order = ORDER_LIFE.lock(order_id, joined=("customer",))
    if order.status not in OPEN_STATUSES:
        raise InvalidTransition(order.status, OrderStatus.SHIPPING, "sales order")
    return order


def lock_lines_for_shipping(order: SalesOrder) -> dict[int, SalesOrderLine]:
    """Every line of a locked order, locked, by id, with product and warehouse: read once
    per posting, for the outbound's prices and for ``record_shipment``."""
    return {line.pk: line for line in _lines_for_update(order)}


def record_shipment(*, actor: Actor, order: SalesOrder, lines: dict[int, SalesOrderLine],
                    shipped: dict[int, Decimal], document_ref: str) -> list[SalesOrderLine]:
    """Add shipped quantities to a locked order's lines (``lines``: all of them, from
    ``lock_lines_for_shipping``) and move the order to ``shipping``, or to ``completed`` once
    nothing is left open. Returns the changed lines."""
    # Whether anything is still open and the transition's event payload come from these
    # rows, not from new queries.
    too_much = [{"order_line_id": line_id, "line_no": lines[line_id].line_no,
                 "quantity": str(qty), "open": str(lines[line_id].open_quantity)}
                for line_id, qty in shipped.items()
                if line_id not in lines or qty > lines[line_id].open_quantity]
    if too_much:
        raise Conflict("Shipping more than the order still has open.",
                       code=OrderError.EXCEEDS_OPEN_QUANTITY, details={"lines": too_much})
    changed = [lines[line_id] for line_id in sorted(shipped)]
    for line in changed:
        line.shipped_quantity += shipped[line.pk]
    bulk_update(changed, ["shipped_quantity"])
    if order.return_status == ReturnStatus.FULL:  # more shipped than has come back
        order.return_status = ReturnStatus.PARTIAL
        order.save(update_fields=["return_status", "updated_at"])
    nothing_open = all(line.open_quantity <= 0 for line in lines.values())
    target = OrderStatus.COMPLETED if nothing_open else OrderStatus.SHIPPING
    if target != order.status:
        by_line_no = sorted(lines.values(), key=lambda line: line.line_no)
        ORDER_LIFE.transition(order, target, actor=actor, event=target, reason=document_ref,
                              payload=_payload(order.status, document_ref, by_line_no))
    return changed


_UNSHOWN_RELATED = (
    *(f"product__{name}" for name in ("list_price", "quantity_precision", "tax_rate_percent",
                                      "active", "created_at", "updated_at")),
    *(f"warehouse__{name}" for name in ("name", "address", "active", "is_default",
                                        "created_at", "updated_at")))


# Of product and warehouse only what pricing, payloads and answers show is read: a
# 1,000-line order would otherwise convert 12,000 more values.
_LINES_FOR_UPDATE = CompiledRead(lambda order_id: SalesOrderLine.objects.filter(
    order_id=order_id).order_by("pk").select_related("product", "warehouse")
    .defer(*_UNSHOWN_RELATED).select_for_update(of=("self",)), arity=1)


def _lines_for_update(order: SalesOrder) -> list[SalesOrderLine]:
    """All of ``order``'s lines, locked, in primary-key order, with product and warehouse.

    Joined where the lock can be limited to the lines (``FOR UPDATE OF``) or where there are
    no row locks (SQLite); elsewhere prefetched: a plain FOR UPDATE join would lock the
    product rows too, and every stock move's foreign-key check waits on them (a deadlock with
    the stock levels)."""
    features = connection.features
    if features.has_select_for_update_of or not features.has_select_for_update:
        return _LINES_FOR_UPDATE.objects(order.pk)
    return list(SalesOrderLine.objects.filter(order=order).order_by("pk")
                .select_for_update().prefetch_related("product", "warehouse"))


# --- called by the return documents, inside their transaction ------------------------------

RETURNABLE_STATUSES = (OrderStatus.SHIPPING, OrderStatus.COMPLETED)


def lock_for_return(order_id: int) -> SalesOrder:
    """Lock an order that goods come back against; only shipped orders can have returns.
    Its customer comes with it: the credit note and the return's answer name them."""
    order = ORDER_LIFE.lock(order_id, joined=("customer",))
    if order.status not in RETURNABLE_STATUSES:
        raise Conflict(f"Order {order.number} is '{order.status}'; only shipping or completed "
                       "orders can have returns.", code=OrderError.ORDER_NOT_RETURNABLE,
                       details={"status": order.status,
                                "returnable_statuses": list(RETURNABLE_STATUSES)})
    return order


def record_return(*, actor: Actor, order: SalesOrder, returned: dict[int, Decimal],
                  document_ref: str) -> None:
    """Add returned quantities to a locked order's lines and update its return status."""
    # Only the quantities are read: nothing else of the (locked) lines is needed, and
    # nothing else is joined (a FOR UPDATE join would lock the product rows too).
    lines = {line.pk: line for line in SalesOrderLine.objects.select_for_update()
             .filter(order=order, pk__any_of=list(returned)).order_by("pk")
             .only("pk", "shipped_quantity", "returned_quantity")}
    too_much = [{"order_line_id": line_id, "returned": str(qty),
                 "returnable": str(lines[line_id].shipped_quantity
                                   - lines[line_id].returned_quantity)}
                for line_id, qty in returned.items()
                if line_id not in lines
                or lines[line_id].returned_quantity + qty > lines[line_id].shipped_quantity]
    if too_much:
        raise Conflict("Returning more than was shipped.", code=OrderError.EXCEEDS_SHIPPED_QUANTITY,
                       details={"lines": too_much})
    for line_id, quantity in returned.items():
        lines[line_id].returned_quantity += quantity
    bulk_update(lines.values(), ["returned_quantity"])
    totals = order.lines.aggregate(shipped=Sum("shipped_quantity"),
                                   returned=Sum("returned_quantity"))
    order.return_status = (ReturnStatus.FULL if totals["returned"] >= totals["shipped"]
                           else ReturnStatus.PARTIAL)
    order.save(update_fields=["return_status", "updated_at"])
    record_event(event_type="order.returned", aggregate_type="sales_order",
                 aggregate_id=order.pk,
                 payload={"order_id": order.pk, "number": order.number,
                          "return_status": order.return_status, "document": document_ref,
                          "lines": [{"order_line_id": pk, "returned": qty}
                                    for pk, qty in returned.items()]})
