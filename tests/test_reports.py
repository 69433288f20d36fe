"""Statistics: every figure of the reports API (summary, trend, top, returns) checked against
figures this file computes itself, straight from the documents (posted outbound lines,
received return lines, order history, payments, invoices) — never through the reports code.

The scenario runs on a controlled clock in the installation's time zone, so postings fall on
either side of local midnight, an order's life runs across the edges of a range, shipments are
partial, goods come back, orders are cancelled, rejected and closed short."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation.reloader import translation_file_changed
from hypothesis import HealthCheck, event, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from conftest import ApiClient, assert_error, error_fields
from orders_helpers import stock_in
from wms_sales.accounts.services import create_user, issue_token
from wms_sales.catalog.services import create_product
from wms_sales.common.errors import DomainError
from wms_sales.customers.services import create_customer
from wms_sales.finance.models import CreditNote, Invoice, Payment
from wms_sales.finance.services import (
    apply_credit_note,
    record_payment,
    refund_credit_note,
)
from wms_sales.inventory.services import create_warehouse
from wms_sales.lifecycle.models import DocumentTransition
from wms_sales.orders.models import OrderStatus, SalesOrder
from wms_sales.orders.services import (
    approve_order,
    cancel_order,
    close_order,
    create_order,
    reject_order,
)
from wms_sales.outbound.models import OutboundLine, OutboundStatus
from wms_sales.outbound.services import cancel_outbound, create_outbound, post_outbound
from wms_sales.reports import exports
from wms_sales.returns.models import ReturnLine, ReturnReason, ReturnStatus
from wms_sales.returns.services import approve_return, create_return, receive_return

LOCAL = ZoneInfo(settings.TIME_ZONE)
D0 = date(2026, 3, 10)  # a Tuesday; its week starts on Monday 9 March
STATUSES = tuple(OrderStatus.values)


def day(offset: int) -> date:
    return D0 + timedelta(days=offset)


def at(offset: int, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock time ``offset`` days after D0."""
    return datetime.combine(day(offset), time(hour, minute), tzinfo=LOCAL)


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL).date()


class Clock:
    """Stands in for ``timezone.now``: every document gets the time the scenario says."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment.astimezone(UTC)

    def set(self, moment: datetime) -> None:
        self.moment = moment


@pytest.fixture
def clock(monkeypatch) -> Clock:
    # Django's auto_now fields, timezone.localdate() and the services all read timezone.now.
    frozen = Clock(at(-5, 8))
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


# --- the world and the scenario ------------------------------------------------------------

@dataclass
class World:
    customers: list
    products: list  # [whole units at 12.50, metres at 3.35]
    warehouses: list
    sellers: list


@pytest.fixture
def world(db, clock) -> World:
    customers = [create_customer(actor=None, code="C1", name="华东五金 East Hardware"),
                 create_customer(actor=None, code="C2", name="北方建材 North Materials")]
    products = [create_product(actor=None, sku="BOLT", name="螺栓 Bolt", unit="盒",
                               list_price=Decimal("12.50")),
                create_product(actor=None, sku="CABLE", name="电缆 Cable", unit="m",
                               list_price=Decimal("3.35"), quantity_precision=2)]
    warehouses = [create_warehouse(actor=None, code="WH-SH", name="上海仓", is_default=True),
                  create_warehouse(actor=None, code="WH-BJ", name="北京仓")]
    for product in products:
        for warehouse in warehouses:
            stock_in(product, warehouse, 1000)
    sellers = [create_user(username="seller-1", role="sales"),
               create_user(username="seller-2", role="sales")]
    return World(customers, products, warehouses, sellers)


class Scenario:
    """Service calls on the clock: each step happens at the local time it is given."""

    def __init__(self, world: World, clock: Clock) -> None:
        self.world, self.clock = world, clock

    def order(self, when: datetime, customer: int, seller: int,
              *lines: tuple[int, int, str]) -> SalesOrder:
        """lines: (product index, warehouse index, quantity); metres carry 5% discount and
        13% tax so that rounding per shipment is exercised."""
        self.clock.set(when)
        return create_order(
            actor=self.world.sellers[seller], customer_id=self.world.customers[customer].pk,
            lines=[{"product_id": self.world.products[p].pk, "quantity": quantity,
                    "warehouse_id": self.world.warehouses[w].pk,
                    **({"discount_percent": "5", "tax_rate_percent": "13"} if p else {})}
                   for p, w, quantity in lines])

    def approve(self, when: datetime, order: SalesOrder) -> None:
        self.clock.set(when)
        approve_order(actor=None, order_id=order.pk)

    def ship(self, when: datetime, order: SalesOrder, line_no: int, quantity: str, *,
             shipped_at: datetime | None = None):
        """Post an outbound of one order line at ``when`` (back-dated to ``shipped_at``)."""
        self.clock.set(when)
        line = order.lines.get(line_no=line_no)
        outbound = create_outbound(actor=None, order_id=order.pk, warehouse_id=line.warehouse_id,
                                   lines=[{"order_line_id": line.pk, "quantity": quantity}])
        return post_outbound(actor=None, outbound_id=outbound.pk, shipped_at=shipped_at or when)

    def give_back(self, requested: datetime, received: datetime, order: SalesOrder,
                  *lines: tuple[int, str, str, str]):
        """A return of (line no, quantity, reason, expected condition), received later."""
        self.clock.set(requested)
        by_no = {line.line_no: line.pk for line in order.lines.all()}
        sales_return = create_return(actor=None, order_id=order.pk, lines=[
            {"order_line_id": by_no[no], "quantity": quantity, "reason": reason,
             "expected_condition": condition} for no, quantity, reason, condition in lines])
        approve_return(actor=None, return_id=sales_return.pk)
        self.clock.set(received)
        return receive_return(actor=None, return_id=sales_return.pk)


@pytest.fixture
def scenario(world: World, clock: Clock) -> Scenario:
    s = Scenario(world, clock)
    bolt, cable = 0, 1
    sh, bj = 0, 1
    # O8, the day before: ordered, approved and shipped whole on Monday 9 March.
    o8 = s.order(at(-1, 10), 1, 0, (cable, sh, "3"))
    s.approve(at(-1, 10, 30), o8)
    s.ship(at(-1, 18), o8, 1, "3")
    # O1: two lines; the bolts go out in two postings either side of local midnight (the
    # earlier one entered the next morning, back-dated), the cable two days later.
    o1 = s.order(at(0, 9), 0, 0, (bolt, sh, "10"), (cable, bj, "4.5"))
    s.approve(at(0, 10), o1)
    s.ship(at(1, 0, 1), o1, 1, "6")
    s.ship(at(1, 9), o1, 1, "4", shipped_at=at(0, 23, 59))
    s.ship(at(2, 12), o1, 2, "4.5")  # completes O1
    # ...and some comes back, received at 00:30 local (still the day before in UTC).
    s.give_back(at(2, 15), at(3, 0, 30), o1, (1, "2", ReturnReason.QUALITY, "good"),
                (2, "1.5", ReturnReason.DAMAGED_IN_TRANSIT, "damaged"))
    # O2: entered at 23:30, approved at 00:10 the next day, shipped in part.
    o2 = s.order(at(0, 23, 30), 1, 1, (bolt, bj, "5"))
    s.approve(at(1, 0, 10), o2)
    s.ship(at(1, 15), o2, 1, "2")
    s.give_back(at(1, 16), at(1, 17), o2, (1, "1", ReturnReason.WRONG_ITEM, "good"))
    # O3: ordered and approved inside the short range, shipped after it.
    o3 = s.order(at(1, 8), 0, 1, (cable, sh, "10"))
    s.approve(at(1, 8, 30), o3)
    s.ship(at(5, 10), o3, 1, "10")
    # O4 cancelled while pending, O5 cancelled after approval, O6 rejected.
    o4 = s.order(at(0, 11), 1, 0, (bolt, sh, "3"))
    s.clock.set(at(0, 12))
    cancel_order(actor=None, order_id=o4.pk, reason="客户取消")
    o5 = s.order(at(1, 9), 0, 0, (cable, bj, "2"))
    s.approve(at(1, 9, 10), o5)
    s.clock.set(at(1, 16))
    cancel_order(actor=None, order_id=o5.pk, reason="客户取消")
    o6 = s.order(at(0, 14), 1, 0, (bolt, sh, "1"))
    s.clock.set(at(0, 15))
    reject_order(actor=None, order_id=o6.pk, reason="信用不足")
    # O7: partly shipped, a draft outbound dropped, the rest closed short after midnight.
    o7 = s.order(at(0, 16), 0, 1, (bolt, sh, "8"))
    s.approve(at(0, 16, 5), o7)
    s.ship(at(2, 23, 59), o7, 1, "3")
    s.clock.set(at(2, 23, 59))
    draft = create_outbound(actor=None, order_id=o7.pk, warehouse_id=world.warehouses[sh].pk)
    cancel_outbound(actor=None, outbound_id=draft.pk, reason="车辆故障")
    s.clock.set(at(3, 0, 1))
    close_order(actor=None, order_id=o7.pk, reason="余量不发")
    # Money: C1 pays part of O1's first invoice, C2 pays without allocating; O2's credit note
    # is set against its invoice.
    first_invoice = Invoice.objects.filter(order_ref=o1.number).order_by("id").first()
    record_payment(actor=None, customer_id=world.customers[0].pk, amount="80.00",
                   method="bank_transfer", received_on=day(1),
                   allocations=[{"invoice_id": first_invoice.pk, "amount": "30.00"}])
    record_payment(actor=None, customer_id=world.customers[1].pk, amount="10.00",
                   method="alipay", received_on=day(3))
    note = CreditNote.objects.get(order_ref=o2.number)
    apply_credit_note(actor=None, credit_note_id=note.pk,
                      invoice_id=Invoice.objects.get(order_ref=o2.number).pk)
    return s


# --- figures from the documents ------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    customer: int | None = None
    product: int | None = None
    warehouse: int | None = None
    salesperson: int | None = None

    def params(self) -> dict[str, int]:
        return {f"{f.name}_id": getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name)}

    def takes_order(self, order: SalesOrder) -> bool:
        return (self.customer in (None, order.customer_id)
                and self.salesperson in (None, order.created_by_id))

    def takes_line(self, product_id: int, warehouse_id: int) -> bool:
        return self.product in (None, product_id) and self.warehouse in (None, warehouse_id)

    @property
    def of_customers(self) -> bool:
        """Payments and receivables belong to customers: any other filter leaves them out."""
        return not (self.product or self.warehouse or self.salesperson)


def ratio(numerator: Any, denominator: Any) -> Fraction | None:
    return Fraction(numerator) / Fraction(denominator) if denominator else None


class Documents:
    """The documents, read once; ``figures`` answers what the reports should say."""

    def __init__(self) -> None:
        self.orders = list(SalesOrder.objects.prefetch_related("lines"))
        self.history: dict[int, list[DocumentTransition]] = defaultdict(list)
        for step in DocumentTransition.objects.filter(document_type="sales_order").order_by(
                "at", "id"):
            self.history[step.document_id].append(step)
        self.shipped = list(OutboundLine.objects.filter(outbound__status=OutboundStatus.POSTED)
                            .select_related("outbound__order", "order_line"))
        self.returned = list(ReturnLine.objects.filter(
            sales_return__status=ReturnStatus.RECEIVED).select_related(
            "sales_return__order", "order_line"))
        self.payments = list(Payment.objects.all())
        self.invoices = list(Invoice.objects.all())
        self.credit_notes = list(CreditNote.objects.all())

    def shipped_lines(self, start: date, end: date, scope: Scope) -> list[OutboundLine]:
        return [line for line in self.shipped
                if start <= local_day(line.outbound.shipped_at) <= end
                and scope.takes_order(line.outbound.order)
                and scope.takes_line(line.order_line.product_id, line.outbound.warehouse_id)]

    def returned_lines(self, start: date, end: date, scope: Scope) -> list[ReturnLine]:
        return [line for line in self.returned
                if start <= local_day(line.sales_return.received_at) <= end
                and line.received_good + line.received_damaged > 0
                and scope.takes_order(line.sales_return.order)
                and scope.takes_line(line.order_line.product_id, line.order_line.warehouse_id)]

    def figures(self, start: date, end: date, scope: Scope) -> dict[str, Any]:
        entered: list[str] = []
        approved: list[Decimal] = []
        days_to_complete: list[int] = []
        for order in self.orders:
            lines = [line for line in order.lines.all()
                     if scope.takes_line(line.product_id, line.warehouse_id)]
            if not scope.takes_order(order) or not lines:
                continue
            reached = {step.to_status: local_day(step.at) for step in self.history[order.pk]}
            if start <= local_day(order.created_at) <= end:
                entered.append(order.status)
            if start <= reached.get("approved", date.max) <= end:
                approved.append(sum(line.total_amount for line in lines))
            if "approved" in reached and start <= reached.get("completed", date.max) <= end:
                days_to_complete.append((reached["completed"] - reached["approved"]).days)
        shipped = self.shipped_lines(start, end, scope)
        returned = self.returned_lines(start, end, scope)
        gross = sum(line.total_amount for line in shipped)
        quantity = sum(line.quantity for line in shipped)
        returned_gross = sum(line.total_amount for line in returned)
        returned_quantity = sum(line.received_good + line.received_damaged for line in returned)
        statuses = Counter(entered)
        of_customer = [payment for payment in self.payments
                       if scope.of_customers and scope.customer in (None, payment.customer_id)]
        return {
            "orders_entered": len(entered),
            "orders_by_status": {status: statuses[status] for status in STATUSES},
            "orders_approved": len(approved),
            "orders_completed": len(days_to_complete),  # not reported; makes a row exist
            "ordered_amount": sum(approved, Decimal(0)),
            "sales_gross": Decimal(gross), "invoiced": Decimal(gross),
            "sales_net": sum((line.net_amount for line in shipped), Decimal(0)),
            "returned_gross": Decimal(returned_gross),
            "returned_net": sum((line.net_amount for line in returned), Decimal(0)),
            "shipped_quantity": Decimal(quantity), "returned_quantity": Decimal(returned_quantity),
            "paid": sum((p.amount for p in of_customer if start <= p.received_on <= end),
                        Decimal(0)),
            "return_rate_value": ratio(returned_gross, gross),
            "return_rate_quantity": ratio(returned_quantity, quantity),
            "completion_rate": ratio(statuses["completed"], statuses["approved"]
                                     + statuses["shipping"] + statuses["completed"]),
            "avg_days_to_complete": ratio(sum(days_to_complete), len(days_to_complete)),
            "avg_order_value": ratio(sum(approved, Decimal(0)), len(approved)),
            # Receivables now, whatever the range: the customer balance of DESIGN.md §2.
            "outstanding": (self.balance(scope.customer) if scope.of_customers else None),
        }

    def balance(self, customer: int | None) -> Decimal:
        """Invoiced − credited − paid (refunds are negative payments)."""
        def mine(rows: list) -> list:
            return [row for row in rows if customer in (None, row.customer_id)]
        return (sum((i.total_amount for i in mine(self.invoices)), Decimal(0))
                - sum((n.total_amount for n in mine(self.credit_notes)), Decimal(0))
                - sum((p.amount for p in mine(self.payments)), Decimal(0)))

    def reasons(self, start: date, end: date, scope: Scope) -> dict[str, Decimal]:
        found: dict[str, Decimal] = Counter()
        for line in self.returned_lines(start, end, scope):
            found[line.reason] += line.received_good + line.received_damaged
        return dict(found)


# Rounded figures may differ from the exact ones by half their last place.
TOLERANCE = {"avg_days_to_complete": Fraction(1, 200), "avg_order_value": Fraction(1, 200)}
RATE_TOLERANCE = Fraction(1, 20000)


def assert_figures(answer: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    for name, want in expected.items():
        if name not in answer:
            continue
        got = answer[name]
        if isinstance(want, Fraction):
            assert got is not None, f"{where}: {name} is None, expected {float(want)}"
            assert abs(Fraction(Decimal(str(got))) - want) <= TOLERANCE.get(
                name, RATE_TOLERANCE), f"{where}: {name} = {got}, expected {float(want)}"
        elif want is None or isinstance(want, dict):
            assert got == want, f"{where}: {name} = {got}, expected {want}"
        else:
            assert Decimal(str(got)) == Decimal(want), f"{where}: {name} = {got}, expected {want}"


# --- the API, against the documents ----------------------------------------------------------

@pytest.fixture
def manager(db) -> ApiClient:
    user = create_user(username="manager", role="reviewer")
    client = ApiClient(issue_token(user=user))
    client.headers["Accept-Language"] = "en"
    return client


def report(api: ApiClient, name: str, start: date, end: date, scope: Scope = Scope(),
           **params: Any) -> Any:
    response = api.get(f"reports/{name}", date_from=start.isoformat(), date_to=end.isoformat(),
                       **scope.params(), **params)
    assert response.status_code == 200, response.content
    return response.json_body


RANGES = {"whole week": (day(-1), day(6)), "cut through": (day(0), day(2)),
          "first day": (day(0), day(0)), "after midnight": (day(1), day(1)),
          "nothing": (day(20), day(25))}


def scopes(world: World) -> Iterator[tuple[str, Scope]]:
    c1, c2 = (c.pk for c in world.customers)
    bolt, cable = (p.pk for p in world.products)
    sh, bj = (w.pk for w in world.warehouses)
    yield "everything", Scope()
    yield "customer C1", Scope(customer=c1)
    yield "customer C2", Scope(customer=c2)
    yield "product bolt", Scope(product=bolt)
    yield "product cable", Scope(product=cable)
    yield "warehouse BJ", Scope(warehouse=bj)
    yield "warehouse SH", Scope(warehouse=sh)
    yield "salesperson 2", Scope(salesperson=world.sellers[1].pk)
    yield "C1 + bolt", Scope(customer=c1, product=bolt)
    yield "C2 + BJ", Scope(customer=c2, warehouse=bj)
    yield "cable + seller 1", Scope(product=cable, salesperson=world.sellers[0].pk)


def test_summary_equals_the_documents(scenario, world, manager):
    documents = Documents()
    for range_name, (start, end) in RANGES.items():
        for scope_name, scope in scopes(world):
            answer = report(manager, "summary", start, end, scope)
            assert (answer["date_from"], answer["date_to"]) == (start.isoformat(),
                                                                end.isoformat())
            assert_figures(answer, documents.figures(start, end, scope),
                           f"summary {range_name} / {scope_name}")


def test_the_documents_agree_with_the_invoices_and_credit_notes(scenario):
    """The expected figures' own cross-check: outbound lines sum to the invoices raised on the
    shipping day, received return lines to the credit notes."""
    documents = Documents()
    for start, end in RANGES.values():
        figures = documents.figures(start, end, Scope())
        assert figures["sales_gross"] == sum(
            (i.total_amount for i in Invoice.objects.filter(issue_date__range=(start, end))),
            Decimal(0))
        assert figures["returned_gross"] == sum(
            (n.total_amount for n in CreditNote.objects.filter(issue_date__range=(start, end))),
            Decimal(0))


def test_hand_counted_figures(scenario, world, manager):
    """A few figures worked out by hand, so the document sums above are not their own proof."""
    # 4 bolts at 12.50 posted at 23:59 belong to D0; 6 at 00:01 and O2's 2 to the next day.
    assert report(manager, "summary", day(0), day(0))["sales_gross"] == "50.00"
    after = report(manager, "summary", day(1), day(1))
    assert after["sales_gross"] == "100.00"
    # Entered D0: O1, O2 (23:30), O4, O6, O7; approved on D0: O1, O7 (O2 only after midnight).
    first = report(manager, "summary", day(0), day(0))
    assert first["orders_entered"] == 5
    assert first["orders_by_status"] == {"pending": 0, "approved": 0, "shipping": 1,
                                         "completed": 2, "rejected": 1, "cancelled": 1}
    assert first["orders_approved"] == 2
    assert first["ordered_amount"] == str(Decimal("125.00") + Decimal("16.18") + 100)
    assert after["orders_approved"] == 3  # O2, O3, O5 (cancelled later: still approved then)
    # The return received at 00:30 local on D0+3 (16:30 UTC on D0+2): 2 bolts + 1.5 m.
    received = report(manager, "summary", day(3), day(3))
    assert Decimal(received["returned_quantity"]) == Decimal("3.5")
    assert report(manager, "summary", day(2), day(2))["returned_quantity"] == "0.0000"
    # The short range: O3 ordered and approved in it, shipped after it.
    cut = report(manager, "summary", day(0), day(2), Scope(product=world.products[1].pk,
                                                           customer=world.customers[0].pk))
    assert cut["orders_entered"] == 3  # O1, O3, O5
    assert cut["sales_gross"] == "16.18"  # only O1's 4.5 m: O3 ships on D0+5


GRANULARITY_RANGES = {"day": (day(-1), day(6)), "week": (day(-3), day(12)),
                      "month": (date(2026, 2, 20), date(2026, 4, 2))}


def periods(start: date, end: date, granularity: str) -> list[tuple[date, date, date]]:
    """(period start, first day in range, last day in range) of every period."""
    found: dict[date, list[date]] = {}
    current = start
    while current <= end:
        key = {"day": current, "week": current - timedelta(days=current.weekday()),
               "month": current.replace(day=1)}[granularity]
        found.setdefault(key, []).append(current)
        current += timedelta(days=1)
    return [(key, days[0], days[-1]) for key, days in found.items()]


@pytest.mark.parametrize("granularity", ["day", "week", "month"])
def test_trend_equals_the_documents(scenario, world, manager, granularity):
    documents = Documents()
    start, end = GRANULARITY_RANGES[granularity]
    for scope_name, scope in scopes(world):
        points = report(manager, "trend", start, end, scope, granularity=granularity)
        expected = periods(start, end, granularity)
        assert [p["period"] for p in points] == [key.isoformat() for key, _, _ in expected]
        for point, (key, first, last) in zip(points, expected, strict=True):
            assert_figures(point, documents.figures(first, last, scope),
                           f"trend {granularity} {key} / {scope_name}")


DIMENSIONS = {"customer": lambda w: w.customers, "product": lambda w: w.products,
              "warehouse": lambda w: w.warehouses, "salesperson": lambda w: w.sellers}


def is_empty(figures: dict[str, Any]) -> bool:
    return not any(value for name, value in figures.items()
                   if name not in ("orders_by_status", "outstanding")
                   and not isinstance(value, Fraction))


@pytest.mark.parametrize("dimension", list(DIMENSIONS))
def test_top_equals_the_documents(scenario, world, manager, dimension):
    documents = Documents()
    for range_name, (start, end) in RANGES.items():
        for scope_name, scope in scopes(world):
            rows = report(manager, "top", start, end, scope, dimension=dimension)
            expected = {}
            for item in DIMENSIONS[dimension](world):
                if getattr(scope, dimension) not in (None, item.pk):
                    continue  # filtered to another one
                figures = documents.figures(start, end, replace(scope, **{dimension: item.pk}))
                if not is_empty(figures):
                    expected[item.pk] = figures
            where = f"top {dimension} {range_name} / {scope_name}"
            assert {row["key"] for row in rows} == set(expected), where
            ranked = sorted(expected, key=lambda key: (-expected[key]["sales_gross"], key))
            assert [row["key"] for row in rows] == ranked, where
            for row in rows:
                assert_figures(row, expected[row["key"]], f"{where} key {row['key']}")


def test_top_names_and_limit(scenario, world, manager):
    rows = report(manager, "top", day(-1), day(6), dimension="product", limit=1)
    assert [(row["code"], row["name"]) for row in rows] == [("BOLT", "螺栓 Bolt")]
    rows = report(manager, "top", day(-1), day(6), dimension="salesperson")
    assert {row["code"] for row in rows} == {"seller-1", "seller-2"}


def test_returns_equal_the_documents(scenario, world, manager):
    documents = Documents()
    labels = {"quality": "Quality problem", "damaged_in_transit": "Damaged in transit",
              "wrong_item": "Wrong item"}
    for range_name, (start, end) in RANGES.items():
        for scope_name, scope in scopes(world):
            rows = report(manager, "returns", start, end, scope)
            expected = {}
            for product in world.products:
                if scope.product in (None, product.pk):
                    narrowed = replace(scope, product=product.pk)
                    figures = documents.figures(start, end, narrowed)
                    if figures["returned_quantity"]:
                        expected[product.pk] = (figures, documents.reasons(start, end, narrowed))
            where = f"returns {range_name} / {scope_name}"
            assert [row["key"] for row in rows] == sorted(
                expected, key=lambda key: (-expected[key][0]["returned_gross"], key)), where
            for row in rows:
                figures, reasons = expected[row["key"]]
                assert_figures(row, figures, where)
                assert {r["reason"]: Decimal(r["quantity"]) for r in row["reasons"]} == reasons
                assert all(r["label"] == labels[r["reason"]] for r in row["reasons"]), where
                quantities = [Decimal(r["quantity"]) for r in row["reasons"]]
                assert quantities == sorted(quantities, reverse=True), where


# --- exports --------------------------------------------------------------------------------

def header_and_table(rows: list[list[Any]]) -> tuple[dict[str, str], list[str], list[list]]:
    """Split an export into its filter lines, its column headers and its rows."""
    blank = next(i for i, row in enumerate(rows) if not any(v not in (None, "") for v in row))
    filters = {row[0]: "" if row[1] is None else str(row[1]) for row in rows[1:blank]}
    return filters, [str(v) for v in rows[blank + 1]], rows[blank + 2:]


def read_csv(content: bytes) -> list[list[Any]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")  # the BOM Excel needs
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(content: bytes) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def same_value(cell: Any, value: Any) -> bool:
    if isinstance(cell, datetime):  # Excel has no date-only cells
        cell = cell.date().isoformat()
    if value is None:
        return cell in (None, "")
    if isinstance(cell, float | int) and not isinstance(value, bool):
        return Decimal(str(cell)) == Decimal(str(value))
    return str(cell) == str(value)


RAW_KEYS = ("sales_gross", "orders_by_status", "customer_id", "return_rate_value", "pending")
EXPORTS = [("summary", {}), ("trend", {"granularity": "week"}),
           ("top", {"dimension": "product"}), ("top", {"dimension": "customer"}),
           ("returns", {})]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("name", "extra"), EXPORTS)
def test_exports_hold_the_json_figures_and_the_filters(scenario, world, manager, fmt, name,
                                                       extra):
    scope = Scope(customer=world.customers[0].pk)
    start, end = day(-1), day(6)
    data = report(manager, name, start, end, scope, **extra)
    response = manager.get(f"reports/{name}", date_from=start.isoformat(),
                           date_to=end.isoformat(), format=fmt, **scope.params(), **extra)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    rows = (read_csv if fmt == "csv" else read_xlsx)(response.content)
    filters, headers, table = header_and_table(rows)
    assert filters == {"date_from": start.isoformat(), "date_to": end.isoformat(),
                       "customer_id": str(scope.customer), "product_id": "",
                       "warehouse_id": "", "salesperson_id": ""}
    if name == "summary":
        by_status = data.pop("orders_by_status")
        flat = {**data, **{f"orders_by_status.{k}": v for k, v in by_status.items()}}
        assert {row[0] for row in table} == set(flat)
        for measure, value in (row[:2] for row in table):
            assert same_value(value, flat[measure]), measure
        return
    assert len(table) == len(data) > 0
    for row, record in zip(table, data, strict=True):
        for header, cell in zip(headers, row, strict=False):
            value = record[header]
            if header == "reasons":
                assert cell == "; ".join(f"{r['label']} {r['quantity']}" for r in value)
            elif isinstance(value, dict):
                assert cell == "; ".join(f"{k}={v}" for k, v in value.items())
            else:
                assert same_value(cell, value), header


@pytest.mark.parametrize(("report_name", "api_name", "extra"), [
    ("summary", "summary", {}), ("trend", "trend", {"granularity": "month"}),
    ("top-customer", "top", {"dimension": "customer"}),
    ("top-salesperson", "top", {"dimension": "salesperson"}), ("returns", "returns", {})])
def test_page_downloads_hold_the_api_figures_in_words(scenario, world, manager, report_name,
                                                      api_name, extra):
    """The page's English file: the API's figures, but every name in words (the API's English
    file keeps the JSON keys for scripts)."""
    user = create_user(username="boss", role="reviewer")
    page = Client(headers={"Accept-Language": "en"})
    page.force_login(user)
    query = {"date_from": day(-1).isoformat(), "date_to": day(6).isoformat(),
             "product": world.products[0].pk}
    for fmt in ("csv", "xlsx"):
        mine = page.get(reverse("web:report_export", args=[report_name, fmt]),
                        {**query, "granularity": extra.get("granularity", "day")})
        theirs = manager.get(f"reports/{api_name}", date_from=query["date_from"],
                             date_to=query["date_to"], product_id=query["product"],
                             format=fmt, **extra)
        assert mine.status_code == theirs.status_code == 200
        assert mine["Content-Disposition"] == theirs["Content-Disposition"]
        read = read_csv if fmt == "csv" else read_xlsx
        filters, headers, table = header_and_table(read(mine.content))
        _keys, api_headers, api_table = header_and_table(read(theirs.content))
        assert filters == {"From": query["date_from"], "To": query["date_to"], "Customer": "",
                           "Product": "BOLT 螺栓 Bolt", "Warehouse": "", "Salesperson": ""}
        with translation.override("en"):
            assert headers == [exports.label(key, in_words=True) for key in api_headers]
        assert not [key for key in RAW_KEYS if any(key in h for h in [*headers, *filters])]
        if report_name == "summary":
            assert [row[0] for row in table][:4] == [
                "From", "To", "Orders entered", "Orders by status (Pending)"]
            assert [row[1:] for row in table] == [row[1:] for row in api_table]
            if fmt == "xlsx":  # number formats in English too: rates as percentages
                sheet = openpyxl.load_workbook(io.BytesIO(mine.content)).active
                cells = {row[0].value: row[1] for row in sheet.iter_rows() if len(row) > 1}
                assert cells["Return rate (value)"].number_format == "0.00%"
                assert cells["Sales amount (gross)"].number_format == "#,##0.00"
            continue
        assert len(table) == len(api_table)
        for row, api_row in zip(table, api_table, strict=True):
            for key, cell, api_cell in zip(api_headers, row, api_row, strict=True):
                if key == "orders_by_status":
                    assert cell.startswith("Pending=") and "Completed=" in cell
                else:
                    assert cell == api_cell, key


# --- the dashboard page ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def compiled() -> None:
    """The .mo files are build output: compile them, drop any catalogue loaded without them."""
    call_command("compiletranslations", stdout=io.StringIO())
    translation_file_changed(sender=None, file_path=Path("django.mo"))


def page_client(language: str) -> Client:
    # A seller: no queue of their own, so / is the statistics.
    page = Client(headers={"Accept-Language": language})
    page.force_login(create_user(username=f"boss-{language}", role="sales"))
    return page


def chart_data(response) -> dict[str, Any]:
    found = re.search(r'<script id="dashboard-charts" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    assert found, "the page carries no chart data"
    return json.loads(found.group(1))


def test_dashboard_shows_the_documents_figures(scenario, world):
    bolt = world.products[0].pk
    response = page_client("en").get(reverse("web:home"), {
        "date_from": day(-1).isoformat(), "date_to": day(6).isoformat(), "product": bolt,
        "granularity": "day"})
    assert response.templates[0].name == "web/reports/dashboard.html"
    documents = Documents()
    expected = documents.figures(day(-1), day(6), Scope(product=bolt))
    kpis = {kpi["key"]: kpi["value"] for kpi in response.context["kpis"]}
    percent = {"return_rate_value", "return_rate_quantity", "completion_rate"}
    assert_figures({k: v for k, v in kpis.items() if k not in percent}, expected, "kpis")
    assert_figures({k: v / 100 for k, v in kpis.items() if k in percent and v is not None},
                   expected, "kpi rates")
    charts = chart_data(response)
    daily = [documents.figures(day(n), day(n), Scope(product=bolt)) for n in range(-1, 7)]
    sales = charts["sales"]["datasets"][0]
    assert sales["label"] == "Sales amount (gross)"
    assert sales["data"] == [float(f["sales_gross"]) for f in daily]
    assert charts["sales"]["labels"][:2] == ["Mar 9", "Mar 10"]
    assert charts["status"]["labels"] == [str(label) for label in OrderStatus.labels]
    assert charts["status"]["datasets"][0]["data"] == list(
        expected["orders_by_status"].values())
    assert charts["top_products"]["labels"] == ["BOLT 螺栓 Bolt"]
    assert {d["label"] for d in charts["returns"]["datasets"]} == {"Quality problem",
                                                                   "Wrong item"}
    page = response.content.decode()
    for link in ("summary.csv", "trend.xlsx", "top-product.csv", "top-salesperson.xlsx",
                 "returns.xlsx"):
        assert f"/statistics/{link}?date_from=2026-03-09&amp;date_to=2026-03-16" in page


def test_dashboard_in_chinese(scenario, compiled):
    response = page_client("zh-hans").get(reverse("web:dashboard"), {
        "date_from": day(-1).isoformat(), "date_to": day(6).isoformat(), "granularity": "week"})
    charts = chart_data(response)
    assert charts["sales"]["labels"] == ["3月9日 当周", "3月16日 当周"]
    assert charts["sales"]["datasets"][0]["label"] == "销售额（含税）"
    assert charts["sales"]["x_title"] == "周"
    assert "已完成" in charts["status"]["labels"]
    assert {d["label"] for d in charts["returns"]["datasets"]} >= {"质量问题"}
    assert "退货率" in response.content.decode()


def test_chinese_exports_speak_chinese_with_number_formats(scenario, world, compiled):
    page = page_client("zh-hans")
    query = {"date_from": day(-1).isoformat(), "date_to": day(6).isoformat(),
             "customer": world.customers[0].pk}
    text = page.get(reverse("web:report_export", args=["summary", "csv"]),
                    query).content.decode()
    assert not [key for key in RAW_KEYS if key in text]
    assert "销售额（含税）" in text and "订单状态分布（待审核）" in text
    assert "客户,C1 华东五金 East Hardware" in text  # the filter by name, not by row id
    workbook = openpyxl.load_workbook(io.BytesIO(page.get(
        reverse("web:report_export", args=["summary", "xlsx"]), query).content))
    cells = {row[0].value: row[1] for row in workbook.active.iter_rows() if len(row) > 1}
    assert cells["退货率（金额）"].number_format == "0.00%"
    assert cells["退货率（金额）"].value < 1  # a fraction Excel shows as a percentage
    assert cells["销售额（含税）"].number_format == "#,##0.00"
    assert cells["出库数量"].number_format == "#,##0.###"
    top = page.get(reverse("web:report_export", args=["top-product", "xlsx"]), query)
    sheet = openpyxl.load_workbook(io.BytesIO(top.content)).active
    rows = [list(row) for row in sheet.iter_rows()]
    header_at = next(i for i, row in enumerate(rows) if row[0].value == "ID")
    headers = [cell.value for cell in rows[header_at]]
    assert not [key for key in RAW_KEYS if any(key in str(h) for h in headers)]
    first = dict(zip(headers, rows[header_at + 1], strict=True))
    assert first["销售额（含税）"].number_format == "#,##0.00"
    assert "待审核=" in str(first["订单状态分布"].value)


def test_quick_ranges_and_htmx(scenario, clock):
    clock.set(at(3, 12))
    page = page_client("en")
    response = page.get(reverse("web:dashboard"), {"range": "7", "customer": ""},
                        headers={"HX-Request": "true"})
    assert response.templates[0].name == "web/reports/_dashboard.html"
    assert response["HX-Push-Url"] == (f"/statistics/?date_from={day(-3).isoformat()}"
                                       f"&date_to={day(3).isoformat()}&granularity=day")
    assert "HX-Request" in response["Vary"]
    assert response.context["active_range"] == "7"
    month = page.get(reverse("web:dashboard"), {"range": "month"})
    assert (month.context["filters"].date_from, month.context["filters"].date_to) == (
        date(2026, 3, 1), day(3))
    default = page.get(reverse("web:dashboard"))
    assert default.context["filters"].date_from == day(3) - timedelta(days=29)
    assert default.context["active_range"] == "30"


def test_dashboard_refuses_bad_filters_on_their_fields(scenario):
    page = page_client("en")
    response = page.get(reverse("web:dashboard"), {"date_from": day(2).isoformat(),
                                                   "date_to": day(1).isoformat()})
    assert response.status_code == 200
    assert response.context["form"].errors["date_to"] == [
        "The end date is before the start date."]
    filters = response.context["filters"]  # the default figures meanwhile
    assert filters.date_to - filters.date_from == timedelta(days=29)
    assert page.get(reverse("web:dashboard"), {"granularity": "hour"}).context[
        "form"].errors["granularity"]
    export = reverse("web:report_export", args=["summary", "csv"])
    assert page.get(export, {"date_from": day(2).isoformat(),
                             "date_to": day(1).isoformat()}).status_code == 422
    assert page.get(reverse("web:report_export", args=["summary", "pdf"])).status_code == 404
    assert page.get(reverse("web:report_export", args=["top-region", "csv"])).status_code == 404


# --- bad input and permissions -------------------------------------------------------------

@pytest.mark.parametrize(("path", "params", "field"), [
    ("summary", {"date_from": "2026-03-10", "date_to": "2026-03-09"}, "date_from"),
    ("summary", {"date_from": "2000-01-01", "date_to": "2026-03-09"}, "date_from"),
    ("summary", {"date_from": "10.03.2026"}, "date_from"),
    ("trend", {"granularity": "hour"}, "granularity"),
    ("top", {"dimension": "region"}, "dimension"),
    ("top", {"limit": "0"}, "limit"),
    ("top", {"limit": "101"}, "limit"),
    ("returns", {"format": "pdf"}, "format"),
])
def test_bad_input_is_a_422_naming_the_field(manager, path, params, field):
    assert field in error_fields(manager.get(f"reports/{path}", **params))


def test_reports_need_the_permission(db):
    user = create_user(username="no-reports", role="warehouse")
    user.user_permissions.clear()
    user.groups.clear()
    api = ApiClient(issue_token(user=user))
    for path in ("summary", "trend", "top", "returns"):
        assert_error(api.get(f"reports/{path}"), 403, "permission_denied")
    assert ApiClient(None).get("reports/summary").status_code == 401
    page = Client()
    page.force_login(user)
    assert page.get(reverse("web:dashboard")).status_code == 403
    assert page.get(reverse("web:report_export", args=["summary", "csv"])).status_code == 403
    # Without the statistics, / is the overview it always was.
    home = page.get(reverse("web:home"))
    assert home.status_code == 200 and "dashboard" in home.context
    user.user_permissions.add(Permission.objects.get(codename="view_reports"))
    page.force_login(type(user).objects.get(pk=user.pk))
    assert page.get(reverse("web:home")).templates[0].name == "web/reports/dashboard.html"


# --- time zone --------------------------------------------------------------------------------

def test_days_are_local_days(world, clock, manager):
    """The day of a posting and of a receipt is the local calendar day, though the database
    keeps UTC: 23:59 and 00:01 in Asia/Shanghai are one UTC date but two local days."""
    s = Scenario(world, clock)
    order = s.order(at(0, 23, 58), 0, 0, (0, 0, "2"))
    s.approve(at(0, 23, 58), order)
    s.ship(at(0, 23, 59), order, 1, "1")
    s.ship(at(1, 0, 1), order, 1, "1")
    assert local_day(at(0, 23, 59)) != local_day(at(1, 0, 1))
    for offset in (0, 1):
        figures = report(manager, "summary", day(offset), day(offset))
        assert figures["sales_gross"] == "12.50", offset
        assert figures["shipped_quantity"] == "1.0000"
    assert report(manager, "summary", day(1), day(1))["orders_entered"] == 0
    s.give_back(at(1, 23, 59), at(2, 0, 0), order, (1, "1", "other", "good"))
    assert report(manager, "summary", day(1), day(1))["returned_quantity"] == "0.0000"
    assert report(manager, "summary", day(2), day(2))["returned_quantity"] == "1.0000"
    trend = report(manager, "trend", day(0), day(2))
    assert [p["sales_gross"] for p in trend] == ["12.50", "12.50", "0.00"]


# --- the cache keeps languages apart --------------------------------------------------------

REDIS_LIKE = {**settings.CACHES, "reports": {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "reports-test"}}


@override_settings(CACHES=REDIS_LIKE)
def test_cached_returns_follow_the_language_and_the_postings(
        scenario, world, django_capture_on_commit_callbacks):
    from wms_sales.reports import selectors

    filters = selectors.make_filters(date_from=day(-1), date_to=day(6))
    with translation.override("zh-hans"):
        chinese = selectors.returns(filters)
    with translation.override("en"):
        english = selectors.returns(filters)
    assert {r["label"] for row in chinese for r in row["reasons"]} >= {"质量问题"}
    assert {r["label"] for row in english for r in row["reasons"]} >= {"Quality problem"}
    before = selectors.summary(filters)["sales_gross"]
    # The cache generation moves when a posting commits.
    with django_capture_on_commit_callbacks(execute=True):
        s = Scenario(world, scenario.clock)
        order = s.order(at(4, 9), 0, 0, (0, 0, "1"))
        s.approve(at(4, 9), order)
        s.ship(at(4, 10), order, 1, "1")
    assert selectors.summary(filters)["sales_gross"] == before + Decimal("12.50")


# --- property: the aggregates never drift from the documents --------------------------------

@dataclass(frozen=True)
class NewOrder:
    """An order of the property test, entered when an operation first touches it."""

    customer: int
    seller: int
    lines: tuple[tuple[int, int, int], ...]  # (product, warehouse, quantity)


# The common steps of a life are the likelier ones, so that lives get somewhere.
KINDS = ("approve",) * 3 + ("ship",) * 3 + ("return", "wait") * 2 + (
    "cancel", "reject", "close", "pay", "refund")
NEW_ORDERS = st.lists(st.builds(
    NewOrder, customer=st.integers(0, 1), seller=st.integers(0, 1),
    lines=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1), st.integers(1, 6)),
                   min_size=1, max_size=2).map(tuple)), min_size=4, max_size=4)
# (kind, which order, how much: quantity / 5 hours / 25 yuan, return reason, damaged)
OPERATIONS = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 3), st.integers(1, 6),
                                st.sampled_from(ReturnReason.values), st.booleans()),
                      min_size=4, max_size=24)


def run(operation: tuple[str, int, int, str, bool], world: World, clock: Clock,
        new_orders: list[NewOrder], orders: dict[int, SalesOrder]) -> list[str]:
    """Carry out one operation through the services; say what changed."""
    kind, which, amount, reason, damaged = operation
    done = []
    if kind == "wait":  # up to 30 hours: crosses local midnights
        clock.set(clock.moment + timedelta(hours=amount * 5))
        return done
    if which not in orders:
        spec = new_orders[which]
        orders[which] = Scenario(world, clock).order(
            clock.moment, spec.customer, spec.seller,
            *((p, w, str(q) if p == 0 else f"{q}.5") for p, w, q in spec.lines))
        done.append("order")
    order = orders[which]
    if kind == "pay":
        record_payment(actor=None, customer_id=order.customer_id, amount=amount * 25,
                       method="cash", received_on=local_day(clock.moment))
    elif kind == "refund":  # pays out part of a credit note of the order's customer
        note = CreditNote.objects.filter(customer_id=order.customer_id).last()
        if note is None or not note.remaining_amount:
            return done
        refund_credit_note(actor=None, credit_note_id=note.pk,
                           amount=min(note.remaining_amount, Decimal(amount)))
    elif kind == "ship":  # a part of every open line, one posting per warehouse
        for warehouse in world.warehouses:
            lines = [{"order_line_id": line.pk,
                      "quantity": min(line.open_quantity, Decimal(amount))}
                     for line in order.lines.filter(warehouse=warehouse)
                     if line.open_quantity > 0]
            if lines:
                outbound = create_outbound(actor=None, order_id=order.pk,
                                           warehouse_id=warehouse.pk, lines=lines)
                post_outbound(actor=None, outbound_id=outbound.pk)
    elif kind == "return":
        lines = [{"order_line_id": line.pk, "reason": reason,
                  "quantity": min(line.shipped_quantity - line.returned_quantity,
                                  Decimal(amount)),
                  "expected_condition": "damaged" if damaged else "good"}
                 for line in order.lines.all() if line.shipped_quantity > line.returned_quantity]
        if not lines:
            return done
        sales_return = create_return(actor=None, order_id=order.pk, lines=lines[:1])
        approve_return(actor=None, return_id=sales_return.pk)
        receive_return(actor=None, return_id=sales_return.pk)
    elif kind == "approve":
        approve_order(actor=None, order_id=order.pk)
    else:
        {"cancel": cancel_order, "reject": reject_order, "close": close_order}[kind](
            actor=None, order_id=order.pk, reason="r")
    return [*done, kind]


@hypothesis_settings(max_examples=20, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])
@given(new_orders=NEW_ORDERS, operations=OPERATIONS, start_hour=st.integers(0, 23))
@example(  # a whole life across two midnights: shipped in parts, returned, refunded, paid
    new_orders=[NewOrder(0, 1, ((0, 0, 5), (1, 1, 3)))] * 4,
    operations=[("approve", 0, 1, "other", False), ("ship", 0, 2, "other", False),
                ("wait", 0, 1, "other", False), ("ship", 0, 2, "other", False),
                ("return", 0, 1, "quality", True), ("refund", 0, 4, "other", False),
                ("wait", 0, 2, "other", False), ("pay", 0, 3, "other", False),
                ("close", 0, 1, "other", False), ("cancel", 1, 1, "other", False)],
    start_hour=20)
def test_aggregates_always_equal_a_recomputation(world, clock, new_orders, operations,
                                                 start_hour):
    """Random lives of up to four orders, interleaved on a clock that crosses local
    midnights: the aggregates kept by the event handlers always equal a recomputation from
    the documents, and ``wms-sales check`` finds every invariant holding."""
    from wms_sales.reports.rebuild import differences, document_deltas

    clock.set(at(0, start_hour))
    orders: dict[int, SalesOrder] = {}
    with transaction.atomic():
        for operation in operations:
            try:
                for step in run(operation, world, clock, new_orders, orders):
                    event(step)
            except DomainError as refusal:  # wrong state, nothing left…: its savepoint undid it
                event(f"refused: {operation[0]} {refusal.code}")
        assert differences(document_deltas()[0]) == []
        problems = io.StringIO()
        try:
            call_command("check", stdout=io.StringIO(), stderr=problems)
        except SystemExit:
            pytest.fail(problems.getvalue())
        transaction.set_rollback(True)


def test_every_measure_is_a_column_of_every_fact_table():
    from wms_sales.reports.models import MEASURES, SalesFact, SalesFactDelta, SalesFactMonth

    for model in (SalesFact, SalesFactMonth, SalesFactDelta):
        columns = {field.name for field in model._meta.concrete_fields}
        assert columns - {"id", "day", "month", "dimension", "key"} == set(MEASURES), model


def test_a_filter_named_with_control_characters_still_exports_to_excel(db, manager):
    """Chinese exports name their filters (code and name); a name typed through the API may
    hold control characters, which xlsx cannot store: they are left out, never a 500."""
    customer = create_customer(actor=None, code="CTRL-1", name="华东\x01五金\x1f")
    manager.headers["Accept-Language"] = "zh-hans"
    response = manager.get("reports/trend", date_from=day(0).isoformat(),
                           date_to=day(6).isoformat(), customer_id=customer.pk, format="xlsx")
    assert response.status_code == 200, response.content
    cells = [cell for row in read_xlsx(response.content) for cell in row]
    assert "CTRL-1 华东五金" in cells


@pytest.mark.parametrize("array_rows", [10_000, 0], ids=["one statement", "scratch table"])
def test_record_inserts_only_the_measures_in_use_and_folds_to_their_sums(db, monkeypatch,
                                                                         array_rows):
    """Rows of one ``record`` change different measures: the insert names the union of
    those (the others are 0 by the delta table's default), a row lacking a measure of the
    union writes 0 there, and the facts fold to the sums of every recorded value; folded
    after each posting, a fact both postings touch is added to, not replaced. On PostgreSQL
    the fold's upsert is one statement with arrays up to ``ARRAY_ROWS`` rows and goes
    through a COPYed scratch table beyond (``array_rows=0``)."""
    from wms_sales.reports import aggregates
    from wms_sales.reports.models import MEASURES, SalesFact, SalesFactDelta, SalesFactMonth

    monkeypatch.setattr(aggregates, "ARRAY_ROWS", array_rows)

    inserted: list[list[str]] = []
    insert_rows = aggregates.insert_rows

    def spying(table: str, columns: list[str], rows: list[list[Any]]) -> None:
        inserted.append(list(columns))
        insert_rows(table, columns, rows)

    monkeypatch.setattr(aggregates, "insert_rows", spying)
    postings = [
        {(day(0), "all", 0): {"shipped_quantity": Decimal("2.5"),
                              "shipped_net": Decimal("10.00"),
                              "shipped_gross": Decimal("11.30")},
         (day(0), "customer", 7): {"shipped_quantity": Decimal("2.5")},
         (day(1), "all", 0): {"paid_amount": Decimal("-3.00"), "status_pending": 0},
         (day(1), "product", 3): {"orders_entered": 1, "status_pending": 1,
                                  "status_approved": -1},
         (day(2), "all", 0): {"status_pending": 0}},  # nothing changed: no row
        {(day(0), "all", 0): {"returned_quantity": Decimal("1.25"),
                              "returned_gross": Decimal("5.65"), "completion_days": 2},
         (day(31), "all", 0): {"ordered_amount": Decimal("99.99"),
                               "orders_approved": 1}},  # April: another month
    ]
    expected_days: dict[tuple, Counter] = defaultdict(Counter)
    for posting in postings:
        deltas = aggregates.new_deltas()
        for at, values in posting.items():
            deltas[at].update(values)
            expected_days[at].update(values)
        before = set(SalesFactDelta.objects.values_list("id", flat=True))
        aggregates.record(deltas)
        used = [m for m in MEASURES if any(values.get(m) for values in posting.values())]
        assert inserted.pop() == ["day", "dimension", "key", *used]
        written = {(row.pop("day"), row.pop("dimension"), row.pop("key")): row for row in
                   SalesFactDelta.objects.exclude(id__in=before).values(
                       "day", "dimension", "key", *MEASURES)}
        assert written == {at: {m: values.get(m, 0) for m in MEASURES}
                           for at, values in posting.items() if any(values.values())}
        aggregates.fold()

    assert not SalesFactDelta.objects.exists()
    expected_days = {at: values for at, values in expected_days.items() if any(values.values())}
    assert {(row.pop("day"), row.pop("dimension"), row.pop("key")): row
            for row in SalesFact.objects.values("day", "dimension", "key", *MEASURES)} == {
        at: {m: values[m] for m in MEASURES} for at, values in expected_days.items()}
    expected_months: dict[tuple, Counter] = defaultdict(Counter)
    for (on, dimension, key), values in expected_days.items():
        expected_months[(on.replace(day=1), dimension, key)].update(values)
    assert {(row.pop("month"), row.pop("dimension"), row.pop("key")): row
            for row in SalesFactMonth.objects.values("month", "dimension", "key", *MEASURES)
            } == {at: {m: values[m] for m in MEASURES} for at, values in expected_months.items()}


def test_folded_postings_equal_a_rebuild_and_pass_the_check(scenario):
    """The scenario's postings recorded sparse deltas; folded, they are exactly what
    ``rebuild-aggregates`` recomputes from the documents, and ``wms-sales check`` agrees."""
    from wms_sales.reports import aggregates
    from wms_sales.reports.models import MEASURES, SalesFact, SalesFactDelta, SalesFactMonth

    def stored() -> tuple[list[dict], list[dict]]:
        return (list(SalesFact.objects.order_by("day", "dimension", "key")
                     .values("day", "dimension", "key", *MEASURES)),
                list(SalesFactMonth.objects.order_by("month", "dimension", "key")
                     .values("month", "dimension", "key", *MEASURES)))

    assert SalesFactDelta.objects.exists()
    aggregates.fold(wait=True)
    folded = stored()
    out = io.StringIO()
    call_command("rebuild-aggregates", stdout=out)
    assert "; 0 row(s) had differed." in out.getvalue()
    assert stored() == folded
    problems = io.StringIO()
    try:
        call_command("check", stdout=io.StringIO(), stderr=problems)
    except SystemExit:
        pytest.fail(problems.getvalue())
