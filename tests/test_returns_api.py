"""Returns through /api/v1/returns: requests against shipped lines, review, receiving (restock
or write-off), credit notes applied or refunded, `wms-sales check`, concurrency on PostgreSQL
and a property test over ship / return / receive sequences (DESIGN.md §2–§3)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from documents_helpers import (
    D,
    assert_corruption_reported,
    assert_ledger_explains_levels,
    levels,
    money,
    run_check,
    run_concurrently,
    ship,
)
from orders_helpers import create, drive, error, order_body
from wms_sales.common.errors import Conflict, DomainError, ValidationFailed
from wms_sales.common.states import InvalidTransition
from wms_sales.customers.services import create_customer
from wms_sales.finance.models import CreditNote, Invoice, Payment
from wms_sales.inventory.models import StockLevel, StockMove
from wms_sales.inventory.services import record_stock_change
from wms_sales.orders.models import SalesOrder, SalesOrderLine
from wms_sales.orders.services import approve_order, create_order
from wms_sales.returns.models import ReturnLine, SalesReturn
from wms_sales.returns.services import (
    approve_return,
    create_return,
    receive_return,
    reject_return,
)

pytest_plugins = ["orders_fixtures", "documents_fixtures"]


@pytest.fixture
def shipped(order, lines, warehouse, second_warehouse) -> dict:
    """The `order` with 6 of line 1 (WH-SH) and all 4 of line 3 (WH-BJ) shipped: invoices
    A = 6 × 12.50 −10 % +13 % = 67.50 + 8.78 = 76.28 and B = 4 × 12.50 = 50.00."""
    ship(order["id"], warehouse.pk, [(lines[0], 6)])
    ship(order["id"], second_warehouse.pk, [(lines[2], 4)])
    return order


def request_return(api, order_id, *wanted, expect=201, **extra) -> dict:
    """POST a return of (order line id, quantity[, condition]) tuples."""
    body = {"order_id": order_id, "lines": [
        {"order_line_id": pk, "quantity": str(qty), "reason": "quality",
         "expected_condition": cond[0] if cond else "good"} for pk, qty, *cond in wanted],
        **extra}
    response = api.post("returns", body)
    assert response.status_code == expect, response.content
    return response.json_body


def returned(api, reviewer_api, warehouse_api, order_id, *wanted, receive=None) -> dict:
    """Request, approve and receive a return; returns the received return."""
    draft = request_return(api, order_id, *wanted)
    assert reviewer_api.post(f"returns/{draft['id']}/approve").status_code == 200
    response = warehouse_api.post(f"returns/{draft['id']}/receive", receive or {})
    assert response.status_code == 200, response.content
    return response.json_body


def order_state(api, order_id) -> tuple:
    got = api.get(f"orders/{order_id}").json_body
    return got["return_status"], [D(line["returned_quantity"]) for line in got["lines"]]


def test_returns_up_to_what_was_shipped(sales_api, reviewer_api, warehouse_api, shipped,
                                        lines):
    first = returned(sales_api, reviewer_api, warehouse_api, shipped["id"], (lines[0], 2))
    assert (first["status"], first["received_by"], first["reviewed_by"]) == (
        "received", "warehouse-user", "reviewer-user")
    assert order_state(sales_api, shipped["id"]) == ("partial", [2, 0, 0])
    too_many = request_return(sales_api, shipped["id"], (lines[0], 5), expect=422)
    assert too_many["error"]["details"]["fields"] == {
        "lines[0].quantity": ["Line 1 (SKU-001) can return at most 4.0000."]}
    second = request_return(sales_api, shipped["id"], (lines[0], 4))
    one_more = request_return(sales_api, shipped["id"], (lines[0], 1), expect=422)
    assert "Line 1 (SKU-001) can return at most 0" in str(one_more["error"]["details"])
    assert reviewer_api.post(f"returns/{second['id']}/approve").status_code == 200
    assert warehouse_api.post(f"returns/{second['id']}/receive").status_code == 200
    error(sales_api.post("returns", {"order_id": shipped["id"], "lines": [
        {"order_line_id": lines[0], "quantity": "1"}]}), 422, "validation_error")
    assert order_state(sales_api, shipped["id"]) == ("partial", [6, 0, 0])
    returned(sales_api, reviewer_api, warehouse_api, shipped["id"], (lines[2], 4))
    assert order_state(sales_api, shipped["id"]) == ("full", [6, 0, 4])
    assert SalesReturn.objects.count() == 3


def test_return_status_follows_later_shipments(sales_api, reviewer_api, warehouse_api,
                                               shipped, lines, warehouse, second_warehouse):
    returned(sales_api, reviewer_api, warehouse_api, shipped["id"], (lines[0], 6), (lines[2], 4))
    assert order_state(sales_api, shipped["id"])[0] == "full"
    ship(shipped["id"], warehouse.pk)
    assert order_state(sales_api, shipped["id"])[0] == "partial"  # 4 more shipped, kept
    assert run_check()[0] == 0


@pytest.mark.parametrize("status", ["pending", "approved", "rejected", "cancelled"])
def test_only_shipping_or_completed_orders_take_returns(admin_api, sales_api, customer,
                                                        product, stocked, status):
    pending = create(sales_api, order_body(customer, product))
    drive(admin_api, pending["id"], status)
    response = sales_api.post("returns", {"order_id": pending["id"], "lines": [
        {"order_line_id": pending["lines"][0]["id"], "quantity": "1"}]})
    assert error(response, 409, "order_not_returnable") == {
        "status": status, "returnable_statuses": ["shipping", "completed"]}
    assert not SalesReturn.objects.exists()


@pytest.mark.parametrize("wanted, field", [
    ([("L1", "0")], "lines[0].quantity"),
    ([("L1", "1.5")], "lines[0].quantity"),
    ([("L2", "0.5")], "lines[0].quantity"),  # not shipped yet
    ([("L1", "1"), ("L1", "1")], "lines"),
    ([(None, "1")], "lines[0].order_line_id"),
    ([], "lines"),
], ids=["zero", "fraction", "unshipped", "twice", "other-order", "empty"])
def test_invalid_returns_are_422(sales_api, shipped, lines, wanted, field):
    ids = {"L1": lines[0], "L2": lines[1], None: 999999}
    body = {"order_id": shipped["id"], "lines": [{"order_line_id": ids[key], "quantity": qty}
                                                 for key, qty in wanted]}
    assert field in error(sales_api.post("returns", body), 422, "validation_error")["fields"]
    assert not SalesReturn.objects.exists()


# --- review and roles ----------------------------------------------------------------------

def test_reject_needs_a_reason_and_frees_the_quantity(sales_api, reviewer_api, shipped, lines):
    draft = request_return(sales_api, shipped["id"], (lines[0], 6))
    path = f"returns/{draft['id']}/reject"
    error(reviewer_api.post(path, {"reason": "  "}), 422, "validation_error")
    response = reviewer_api.post(path, {"reason": "超过退货期"})
    assert (response.json_body["status"], response.json_body["status_reason"]) == (
        "rejected", "超过退货期")
    request_return(sales_api, shipped["id"], (lines[0], 6))


@pytest.mark.parametrize("status, action, target", [
    ("rejected", "approve", "approved"), ("approved", "reject", "rejected"),
    ("requested", "receive", "received"), ("received", "receive", "received"),
    ("received", "reject", "rejected"), ("rejected", "receive", "received"),
])
def test_invalid_return_transitions_are_409(sales_api, admin_api, shipped, lines, status,
                                            action, target):
    draft = request_return(sales_api, shipped["id"], (lines[0], 2))
    for step in {"requested": [], "approved": ["approve"], "rejected": ["reject"],
                 "received": ["approve", "receive"]}[status]:
        assert admin_api.post(f"returns/{draft['id']}/{step}", {"reason": "r"}) \
            .status_code == 200
    before = (levels(), StockMove.objects.count(), CreditNote.objects.count())
    response = admin_api.post(f"returns/{draft['id']}/{action}", {"reason": "again"})
    assert error(response, 409, "invalid_transition") == {"from": status, "to": target}
    assert (levels(), StockMove.objects.count(), CreditNote.objects.count()) == before


@pytest.mark.parametrize("api_name, action", [
    ("warehouse_api", "create"), ("finance_api", "create"), ("reviewer_api", "create"),
    ("sales_api", "approve"), ("warehouse_api", "approve"), ("finance_api", "reject"),
    ("sales_api", "receive"), ("reviewer_api", "receive"),
])
def test_roles(request, sales_api, reviewer_api, shipped, lines, api_name, action):
    draft = request_return(sales_api, shipped["id"], (lines[0], 2))
    if action == "receive":
        reviewer_api.post(f"returns/{draft['id']}/approve")
    before = list(SalesReturn.objects.values_list("pk", "status"))
    api = request.getfixturevalue(api_name)
    path = "returns" if action == "create" else f"returns/{draft['id']}/{action}"
    body = {"create": {"order_id": shipped["id"],
                       "lines": [{"order_line_id": lines[0], "quantity": "1"}]},
            "reject": {"reason": "r"}}.get(action, {})
    error(api.post(path, body), 403, "permission_denied")
    assert list(SalesReturn.objects.values_list("pk", "status")) == before


# --- receiving -----------------------------------------------------------------------------

@pytest.mark.parametrize("condition, into, received, moves", [
    ("good", None, None, {("SH", "return_restock", 2)}),
    ("good", "BJ", None, {("BJ", "return_restock", 2)}),
    ("damaged", None, None, {("SH", "return_damaged", 2), ("SH", "write_off", -2)}),
    ("damaged", "BJ", {"good_quantity": "1", "damaged_quantity": "1"},
     {("BJ", "return_restock", 1), ("BJ", "return_damaged", 1), ("BJ", "write_off", -1)}),
    ("good", None, {"good_quantity": "1"}, {("SH", "return_restock", 1)}),
], ids=["good", "good-elsewhere", "damaged", "mixed", "partly-received"])
def test_receiving_restocks_good_goods_and_writes_off_damaged_ones(
        sales_api, reviewer_api, warehouse_api, shipped, lines, product, warehouse,
        second_warehouse, condition, into, received, moves):
    warehouses = {"SH": warehouse, "BJ": second_warehouse}
    draft = request_return(sales_api, shipped["id"], (lines[0], 2, condition))
    reviewer_api.post(f"returns/{draft['id']}/approve")
    body = {"warehouse_id": warehouses[into].pk} if into else {}
    if received:
        body["lines"] = [{"return_line_id": draft["lines"][0]["id"], **received}]
    before = levels()

    done = warehouse_api.post(f"returns/{draft['id']}/receive", body).json_body

    restocked = sum(qty for _, reason, qty in moves if reason == "return_restock")
    quantity = sum(qty for _, reason, qty in moves if reason != "write_off")
    assert (done["status"], done["warehouse_id"]) == (
        "received", warehouses[into].pk if into else None)
    [line] = done["lines"]
    assert D(line["received_good"]) + D(line["received_damaged"]) == quantity
    expected = dict(before)
    pair = (product.pk, warehouses[into or "SH"].pk)
    expected[pair] = (expected[pair][0] + restocked, expected[pair][1])
    assert levels() == expected
    codes = {wh.pk: code for code, wh in warehouses.items()}
    assert {(codes[m.warehouse_id], m.reason, m.quantity) for m in StockMove.objects.filter(
        source_type="return", source_id=draft["id"], source_ref=draft["number"])} == moves
    assert_ledger_explains_levels()
    assert order_state(sales_api, shipped["id"]) == ("partial", [quantity, 0, 0])


@pytest.mark.parametrize("received, field", [
    ({"good_quantity": "2", "damaged_quantity": "1"}, "lines[0].good_quantity"),
    ({"good_quantity": "-1"}, "lines[0].good_quantity"),
    ({"damaged_quantity": "0.5"}, "lines[0].damaged_quantity"),
    ({}, "lines"),
    ({"return_line_id": 999999, "good_quantity": "1"}, "lines[0].return_line_id"),
    ("no-such-warehouse", "warehouse_id"),
], ids=["above-approved", "negative", "fraction", "nothing", "foreign-line", "warehouse"])
def test_invalid_receipts_are_422(sales_api, reviewer_api, warehouse_api, shipped, lines,
                                  received, field):
    draft = request_return(sales_api, shipped["id"], (lines[0], 2))
    reviewer_api.post(f"returns/{draft['id']}/approve")
    body = {"warehouse_id": 999999} if received == "no-such-warehouse" else {
        "lines": [{"return_line_id": draft["lines"][0]["id"], **received}]}
    before = (levels(), StockMove.objects.count())
    response = warehouse_api.post(f"returns/{draft['id']}/receive", body)
    assert set(error(response, 422, "validation_error")["fields"]) == {field}
    assert (levels(), StockMove.objects.count(), CreditNote.objects.count()) == (*before, 0)
    assert SalesReturn.objects.get().status == "approved"


# --- credit notes --------------------------------------------------------------------------

def test_the_credit_note_is_the_received_value(sales_api, reviewer_api, warehouse_api,
                                               finance_api, shipped, lines, customer):
    done = returned(sales_api, reviewer_api, warehouse_api, shipped["id"], (lines[0], 2),
                    (lines[2], 1))
    note = finance_api.get(f"credit-notes/{done['credit_note_id']}").json_body
    # 2 × 12.50 −10 % = 22.50, +13 % = 2.925 → 2.93; 1 × 12.50 without tax.
    assert [(line["sku"], D(line["quantity"]), *money(line, "unit_price", "discount_percent",
                                                      "tax_rate_percent", "net_amount",
                                                      "tax_amount", "total_amount"))
            for line in note["lines"]] == [
        ("SKU-001", 2, D("12.50"), 10, 13, D("22.50"), D("2.93"), D("25.43")),
        ("SKU-001", 1, D("12.50"), 0, 0, D("12.50"), 0, D("12.50"))]
    assert money(note, "net_amount", "tax_amount", "total_amount", "remaining_amount") == (
        D("35.00"), D("2.93"), D("37.93"), D("37.93"))
    assert (note["status"], note["source_ref"], note["order_ref"], note["number"]) == (
        "open", done["number"], shipped["number"], done["credit_note_number"])
    assert [money(line, "net_amount", "tax_amount", "total_amount")
            for line in done["lines"]] == [(D("22.50"), D("2.93"), D("25.43")),
                                           (D("12.50"), 0, D("12.50"))]
    balance = finance_api.get(f"customers/{customer.pk}/balance").json_body
    assert money(balance, "invoiced", "credited", "paid", "balance") == (
        D("126.28"), D("37.93"), 0, D("88.35"))


def test_the_credit_check_counts_the_credit_note(sales_api, reviewer_api, warehouse_api,
                                                 shipped, lines, customer, product):
    customer.credit_limit = D("200.00")
    customer.save()
    # Exposure: receivables 126.28 + open lines (4/10 of 127.13 and 3.11) 53.96 = 180.24.
    extra = create(sales_api, order_body(customer, product, quantity="3"))  # 37.50
    details = error(reviewer_api.post(f"orders/{extra['id']}/approve"), 409,
                    "credit_limit_exceeded")
    assert money(details, "receivables", "open_orders", "excess") == (
        D("126.28"), D("53.96"), D("17.74"))
    returned(sales_api, reviewer_api, warehouse_api, shipped["id"], (lines[0], 2))  # 25.43
    response = reviewer_api.post(f"orders/{extra['id']}/approve")
    assert response.json_body["status"] == "approved", response.content


# Steps on the credit note of 2 × line 1 (25.43) against invoice A (76.28): action, amount
# (None: as much as both allow), then the note's (status, applied, refunded) or a 422 field.
CREDIT_STEPS = [
    ("apply", "10.00", ("partially_used", "10.00", "0")),
    ("refund", "15.44", "amount"),
    ("refund", "5.00", ("partially_used", "10.00", "5.00")),
    ("apply", "10.44", "amount"),
    ("pay", "60.00", None),  # A: 76.28 − 10.00 credited − 60.00 paid = 6.28 open
    ("apply", None, ("partially_used", "16.28", "5.00")),  # 6.28: A is paid
    ("apply", None, "amount"),  # nothing open on A
    ("refund", "4.15", ("used", "16.28", "9.15")),
    ("refund", "0.01", "amount"),
]


def test_apply_and_refund_a_credit_note(sales_api, reviewer_api, warehouse_api, finance_api,
                                        shipped, lines, customer):
    done = returned(sales_api, reviewer_api, warehouse_api, shipped["id"], (lines[0], 2))
    note_id = done["credit_note_id"]
    invoice = Invoice.objects.get(total_amount=D("76.28"))
    for action, amount, expected in CREDIT_STEPS:
        if action == "pay":
            response = finance_api.post("payments", {
                "customer_id": customer.pk, "amount": amount,
                "allocations": [{"invoice_id": invoice.pk, "amount": amount}]})
            assert response.status_code == 201, response.content
            continue
        body = ({"invoice_id": invoice.pk, **({"amount": amount} if amount else {})}
                if action == "apply" else {"amount": amount})
        response = finance_api.post(f"credit-notes/{note_id}/{action}", body)
        if isinstance(expected, str):
            assert set(error(response, 422, "validation_error")["fields"]) == {expected}
            continue
        assert response.status_code == 200, response.content
        note = response.json_body
        assert (note["status"], *money(note, "applied_amount", "refunded_amount")) == (
            expected[0], D(expected[1]), D(expected[2]))
        assert D(note["remaining_amount"]) == D("25.43") - D(expected[1]) - D(expected[2])
    assert sorted(D(a["amount"]) for a in note["applications"]) == [D("6.28"), D("10.00")]
    assert sorted(D(r["amount"]) for r in note["refunds"]) == [D("-5.00"), D("-4.15")]
    got = finance_api.get(f"invoices/{invoice.pk}").json_body
    assert (got["status"], *money(got, "paid_amount", "credited_amount", "open_amount")) == (
        "paid", D("60.00"), D("16.28"), 0)
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [
        D("-5.00"), D("-4.15"), D("60.00")]
    balance = finance_api.get(f"customers/{customer.pk}/balance").json_body
    # 126.28 invoiced − 25.43 credited − (60.00 − 9.15 refunded) = 50.00 (invoice B).
    assert money(balance, "credited", "paid", "balance", "open_invoices") == (
        D("25.43"), D("50.85"), D("50.00"), D("50.00"))
    error(sales_api.post(f"credit-notes/{note_id}/refund", {"amount": "1.00"}), 403,
          "permission_denied")


def test_a_credit_note_applies_only_to_its_customers_invoices(
        sales_api, reviewer_api, warehouse_api, finance_api, shipped, lines, product,
        warehouse):
    other = create_customer(actor=None, name="别家 Other")
    other_order = create_order(actor=None, customer_id=other.pk,
                               lines=[{"product_id": product.pk, "quantity": 1}])
    approve_order(actor=None, order_id=other_order.pk)
    foreign = ship(other_order.pk, warehouse.pk).invoice
    done = returned(sales_api, reviewer_api, warehouse_api, shipped["id"], (lines[0], 1))
    response = finance_api.post(f"credit-notes/{done['credit_note_id']}/apply",
                                {"invoice_id": foreign.pk})
    assert set(error(response, 422, "validation_error")["fields"]) == {"invoice_id"}


# --- wms-sales check -----------------------------------------------------------------------

@pytest.mark.parametrize("corruption", ["returned", "credit_note"])
def test_check_reports_returns_that_disagree(sales_api, reviewer_api, warehouse_api, shipped,
                                             lines, corruption):
    done = returned(sales_api, reviewer_api, warehouse_api, shipped["id"], (lines[0], 2))
    if corruption == "returned":
        sql = ("UPDATE orders_salesorderline SET returned_quantity = returned_quantity - 1 "
               "WHERE id = %s")
        params, named = [lines[0]], [f"order {shipped['number']} line 1: returned=",
                                     "but received returns took back 2"]
    else:
        sql = ("UPDATE finance_creditnote SET net_amount = net_amount + 1, "
               "total_amount = total_amount + 1 WHERE id = %s")
        params, named = [done["credit_note_id"]], [
            f"credit note {done['credit_note_number']} totals",
            f"but return {done['number']} received 25.43"]
    assert_corruption_reported(sql, params, named)


# --- concurrency (PostgreSQL) --------------------------------------------------------------

@pytest.mark.postgres_only
@pytest.mark.parametrize("racers, quantity, accepted", [(2, 4, 1), (2, 6, 1), (12, 1, 6)])
def test_racing_returns_never_exceed_what_was_shipped(transactional_db, shipped, lines,
                                                      racers, quantity, accepted):
    outcomes = Counter(run_concurrently(
        lambda _: create_return(actor=None, order_id=shipped["id"],
                                lines=[{"order_line_id": lines[0], "quantity": quantity}]),
        range(racers), workers=racers))
    assert outcomes == {"ok": accepted, "validation_error": racers - accepted}
    assert sum(ReturnLine.objects.values_list("quantity", flat=True)) == accepted * quantity


@pytest.mark.postgres_only
def test_racing_receives_restock_once(transactional_db, shipped, lines, product, warehouse):
    sales_return = create_return(actor=None, order_id=shipped["id"],
                                 lines=[{"order_line_id": lines[0], "quantity": 2}])
    approve_return(actor=None, return_id=sales_return.pk)
    before = StockLevel.objects.get(product=product, warehouse=warehouse).on_hand

    def attempt(kind: str) -> str:  # receives race each other and write-offs of the SKU
        try:
            if kind == "receive":
                receive_return(actor=None, return_id=sales_return.pk)
            else:
                record_stock_change(actor=None, product_id=product.pk,
                                    warehouse_id=warehouse.pk, quantity=-1, reason="write_off",
                                    note="损坏")
        except DomainError as exc:
            return f"{kind} {exc.code}"
        return f"{kind} ok"

    outcomes = Counter(run_concurrently(attempt, ["receive", "write_off"] * 10, workers=10))

    assert outcomes == {"receive ok": 1, "receive invalid_transition": 9, "write_off ok": 10}
    assert StockLevel.objects.get(product=product, warehouse=warehouse).on_hand == before - 8
    assert CreditNote.objects.count() == 1
    assert SalesOrderLine.objects.get(pk=lines[0]).returned_quantity == 2
    assert run_check()[0] == 0


# --- property: any sequence of ship / return / receive keeps the invariants ----------------

STEP = {0: Decimal(1), 1: Decimal("0.5")}  # line 1 counts whole units, line 2 half metres
OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("ship"), st.integers(0, 1), st.integers(1, 4)),
    st.tuples(st.just("return"), st.integers(0, 1), st.integers(1, 3),
              st.sampled_from(["good", "damaged"])),
    st.tuples(st.just("receive"), st.integers(0, 3), st.sampled_from(["as-expected",
                                                                      "elsewhere", "split"])),
    st.tuples(st.just("reject"), st.integers(0, 3)),
), max_size=10)


@contextmanager
def refused(expected: type[Exception] | None) -> Iterator[None]:
    """The block must raise ``expected``, or succeed when it is None."""
    if expected is None:
        yield
        return
    with pytest.raises(expected):
        yield


@pytest.fixture
def small_order(customer, product, cable, warehouse, second_warehouse, stocked) -> SalesOrder:
    """Approved: 5 × SKU-001 @ 12.50 −10 % +13 % from WH-SH, 3.5 m cable +13 % from WH-BJ."""
    created = create_order(actor=None, customer_id=customer.pk, lines=[
        {"product_id": product.pk, "quantity": 5, "discount_percent": 10,
         "tax_rate_percent": 13, "warehouse_id": warehouse.pk},
        {"product_id": cable.pk, "quantity": "3.5", "tax_rate_percent": 13,
         "warehouse_id": second_warehouse.pk}])
    return approve_order(actor=None, order_id=created.pk)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
@example(operations=[("ship", 0, 2), ("return", 0, 2, "good"), ("receive", 0, "as-expected"),
                     ("ship", 0, 3),  # all that was shipped came back (full), then more left
                     ("ship", 1, 3), ("return", 1, 1, "damaged"), ("reject", 0),
                     ("return", 1, 3, "good"), ("receive", 0, "elsewhere"),
                     ("return", 0, 3, "good"), ("receive", 0, "split")])
def test_any_sequence_keeps_returned_within_shipped_within_ordered(small_order, warehouse,
                                                                   second_warehouse,
                                                                   operations):
    order_lines = list(small_order.lines.order_by("line_no"))
    homes = [warehouse, second_warehouse]
    ordered = [line.quantity for line in order_lines]
    with transaction.atomic():
        on_hand = levels()
        shipped, back, held = [D(0), D(0)], [D(0), D(0)], [D(0), D(0)]
        pending: list[tuple[int, int, Decimal, str]] = []  # requested: id, line, qty, condition
        for operation in operations:
            kind, index, *rest = operation
            refusal = None
            if kind == "ship":
                qty = rest[0] * STEP[index]
                if shipped == ordered:
                    refusal = InvalidTransition
                elif qty > ordered[index] - shipped[index]:
                    refusal = ValidationFailed
                with refused(refusal):
                    ship(small_order.pk, homes[index].pk, [(order_lines[index].pk, qty)])
                    shipped[index] += qty
                    pair = (order_lines[index].product_id, homes[index].pk)
                    on_hand[pair] = (on_hand[pair][0] - qty, on_hand[pair][1] - qty)
            elif kind == "return":
                qty, condition = rest[0] * STEP[index], rest[1]
                if not any(shipped):
                    refusal = Conflict
                elif qty > shipped[index] - back[index] - held[index]:
                    refusal = ValidationFailed
                with refused(refusal):
                    created = create_return(actor=None, order_id=small_order.pk, lines=[
                        {"order_line_id": order_lines[index].pk, "quantity": qty,
                         "expected_condition": condition}])
                    held[index] += qty
                    pending.append((created.pk, index, qty, condition))
            elif pending:
                return_id, line, qty, condition = pending.pop(index % len(pending))
                held[line] -= qty
                if kind == "reject":
                    reject_return(actor=None, return_id=return_id, reason="不退了")
                else:
                    mode = rest[0]
                    good = qty if condition == "good" else D(0)
                    received = None
                    if mode == "split":  # one step good, some damaged, the rest never arrives
                        good, damaged = STEP[line], max(D(0), qty - 2 * STEP[line])
                        received = [{"return_line_id": ReturnLine.objects.get(
                            sales_return_id=return_id).pk, "good_quantity": good,
                            "damaged_quantity": damaged}]
                        qty = good + damaged
                    into = homes[1 - line] if mode == "elsewhere" else homes[line]
                    approve_return(actor=None, return_id=return_id)
                    receive_return(actor=None, return_id=return_id, lines=received,
                                   warehouse_id=into.pk if mode == "elsewhere" else None)
                    back[line] += qty
                    pair = (order_lines[line].product_id, into.pk)
                    before = on_hand.get(pair, (D(0), D(0)))
                    on_hand[pair] = (before[0] + good, before[1])
            got = list(SalesOrderLine.objects.filter(order=small_order).order_by("line_no")
                       .values_list("quantity", "shipped_quantity", "returned_quantity"))
            assert got == list(zip(ordered, shipped, back, strict=True))
            assert all(0 <= r <= s <= q for q, s, r in got)
            assert {pair: value for pair, value in levels().items() if value != (0, 0)} == {
                pair: value for pair, value in on_hand.items() if value != (0, 0)}
            assert_ledger_explains_levels()
            assert SalesOrder.objects.get(pk=small_order.pk).return_status == (
                "none" if not any(back) else "full" if sum(back) == sum(shipped)
                else "partial")
        status, _, err = run_check()
        assert (status, err) == (0, "")
        transaction.set_rollback(True)
