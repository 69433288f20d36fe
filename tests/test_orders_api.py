"""Sales orders through /api/v1/orders: entry, review, the rest of the life, history, outbox,
idempotency, lists and roles (DESIGN.md §2–§4)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders_helpers import DEFAULT_ADDRESS, create, drive, error, level, order_body, stock_in
from wms_sales.catalog.models import Product
from wms_sales.common.models import IdempotencyKey
from wms_sales.customers.models import Customer
from wms_sales.customers.services import create_customer
from wms_sales.events.models import OutboxEvent
from wms_sales.finance.selectors import open_receivables
from wms_sales.inventory.models import Reservation, StockLevel, StockMove
from wms_sales.lifecycle.models import DocumentTransition
from wms_sales.orders.models import SalesOrder, SalesOrderLine

pytest_plugins = ["orders_fixtures"]


def amounts(obj: dict, *keys: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(obj[key]) for key in keys)


def effects() -> tuple:
    """Everything an order call may write."""
    return (SalesOrder.objects.count(), SalesOrderLine.objects.count(),
            DocumentTransition.objects.count(), OutboxEvent.objects.count(),
            sorted(Reservation.objects.values_list("source_id", "quantity")),
            sorted(StockLevel.objects.values_list("pk", "on_hand", "reserved")))


# --- entry ---------------------------------------------------------------------------------

def test_create_fills_the_defaults(sales_api, customer, product, warehouse, second_warehouse):
    order = create(sales_api, order_body(customer, product))
    assert re.fullmatch(rf"SO{timezone.localdate():%Y%m%d}\d{{6}}", order["number"])
    assert (order["status"], order["warehouse_id"], order["created_by"]) == (
        "pending", warehouse.pk, "sales-user")
    assert (order["delivery_address"], order["delivery_recipient"], order["delivery_phone"]) \
        == (DEFAULT_ADDRESS, "李四", "139-0000-0000")
    [line] = order["lines"]
    assert line["warehouse_id"] == warehouse.pk
    assert amounts(line, "unit_price", "net_amount", "tax_amount", "total_amount") == (
        Decimal("12.50"), Decimal("37.50"), 0, Decimal("37.50"))
    second = create(sales_api, order_body(customer, product))
    assert int(second["number"][-4:]) == int(order["number"][-4:]) + 1
    assert sales_api.get(f"orders/{order['id']}").json_body == order


def test_a_line_without_a_tax_rate_takes_the_products(sales_api, customer, product, warehouse):
    product.tax_rate_percent = Decimal("13")
    product.save(update_fields=["tax_rate_percent"])
    body = order_body(customer, product)
    body["lines"].append({"product_id": product.pk, "quantity": "3", "tax_rate_percent": "0"})
    order = create(sales_api, body)
    assert [(Decimal(line["tax_rate_percent"]), Decimal(line["tax_amount"]))
            for line in order["lines"]] == [(Decimal("13"), Decimal("4.88")),
                                            (Decimal("0"), Decimal("0"))]
    assert Decimal(order["total_amount"]) == Decimal("37.50") * 2 + Decimal("4.88")


def test_create_with_every_field_rounds_half_up_once_per_line(
        sales_api, customer, product, cable, warehouse, second_warehouse):
    body = {"customer_id": customer.pk, "warehouse_id": second_warehouse.pk,
            "requested_delivery_date": "2030-01-15", "delivery_address": "北京市 朝阳区 2 号",
            "delivery_recipient": "赵六", "delivery_phone": "010-1", "note": "上午送货",
            "lines": [
                {"product_id": product.pk, "quantity": "3", "unit_price": "12.50",
                 "discount_percent": "10", "tax_rate_percent": "13",
                 "warehouse_id": warehouse.pk},  # 33.75 + 4.3875 → 4.39
                {"product_id": cable.pk, "quantity": "0.25"},  # 0.125 → 0.13
                {"product_id": cable.pk, "quantity": "0.25"},  # 0.13 again: 0.26, not 0.25
                {"product_id": cable.pk, "quantity": "1", "tax_rate_percent": "1"},  # 0.005 → 0.01
            ]}
    order = create(sales_api, body)
    assert [(line["warehouse_id"], *amounts(line, "net_amount", "tax_amount", "total_amount"))
            for line in order["lines"]] == [
        (warehouse.pk, Decimal("33.75"), Decimal("4.39"), Decimal("38.14")),
        (second_warehouse.pk, Decimal("0.13"), 0, Decimal("0.13")),
        (second_warehouse.pk, Decimal("0.13"), 0, Decimal("0.13")),
        (second_warehouse.pk, Decimal("0.50"), Decimal("0.01"), Decimal("0.51")),
    ]
    assert amounts(order, "net_amount", "tax_amount", "total_amount") == (
        Decimal("34.51"), Decimal("4.40"), Decimal("38.91"))
    assert (order["line_count"], order["warehouse_id"], order["requested_delivery_date"],
            order["delivery_address"], order["delivery_recipient"], order["delivery_phone"],
            order["note"]) == (4, second_warehouse.pk, "2030-01-15", "北京市 朝阳区 2 号",
                               "赵六", "010-1", "上午送货")


@pytest.mark.parametrize("status", ["blocked", "inactive"])
def test_only_active_customers_order(sales_api, customer, product, warehouse, status):
    Customer.objects.filter(pk=customer.pk).update(status=status)
    details = error(sales_api.post("orders", order_body(customer, product)), 409,
                    f"customer_{status}")
    assert details["customer_id"] == customer.pk
    assert not SalesOrder.objects.exists()


@pytest.mark.parametrize("lines, field", [
    ([{"quantity": "0"}], "lines[0].quantity"),
    ([{"quantity": "1.5"}], "lines[0].quantity"),  # SKU-001 is counted in whole units
    ([{"quantity": "1E+15"}], "lines[0].quantity"),
    ([{"unit_price": "-1"}], "lines[0].unit_price"),
    ([{"unit_price": "1.23456"}], "lines[0].unit_price"),  # would be stored rounded
    ([{"discount_percent": "100.5"}], "lines[0].discount_percent"),
    ([{"tax_rate_percent": "13.00001"}], "lines[0].tax_rate_percent"),
    ([{"warehouse_id": 999999}], "lines[0].warehouse_id"),
    ([{}, {"product_id": 999999}], "lines[1].product_id"),
    ([{"quantity": "99999999", "unit_price": "999999999"}], "lines[0].total_amount"),
    ([{"quantity": "9999999", "unit_price": "999999999"}] * 2, "total_amount"),
    ([], "lines"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_invalid_lines_are_422(sales_api, customer, product, warehouse, lines, field):
    body = {"customer_id": customer.pk,
            "lines": [{"product_id": product.pk, "quantity": "1", **line} for line in lines]}
    details = error(sales_api.post("orders", body), 422, "validation_error")
    assert set(details["fields"]) == {field}
    assert not SalesOrder.objects.exists()


def test_patch_replaces_the_lines_of_a_pending_order(sales_api, pending, product,
                                                     second_warehouse):
    patch = {"note": "改了", "lines": [
        {"product_id": product.pk, "quantity": "2", "unit_price": "10"},
        {"product_id": product.pk, "quantity": "1", "warehouse_id": second_warehouse.pk}]}
    response = sales_api.patch(f"orders/{pending['id']}", patch)
    assert response.status_code == 200, response.content
    order = response.json_body
    assert [(line["line_no"], line["warehouse_id"], Decimal(line["total_amount"]))
            for line in order["lines"]] == [(1, pending["warehouse_id"], Decimal("20.00")),
                                            (2, second_warehouse.pk, Decimal("12.50"))]
    assert (order["line_count"], Decimal(order["total_amount"]), order["note"]) == (
        2, Decimal("32.50"), "改了")
    assert SalesOrderLine.objects.count() == 2


@pytest.mark.parametrize("status", ["approved", "shipping", "completed", "rejected",
                                    "cancelled"])
def test_only_pending_orders_are_editable(sales_api, admin_api, pending, stock, product,
                                          status):
    drive(admin_api, pending["id"], status)
    before = sales_api.get(f"orders/{pending['id']}").json_body
    response = sales_api.patch(f"orders/{pending['id']}",
                               {"lines": [{"product_id": product.pk, "quantity": "1"}]})
    assert error(response, 409, "order_not_editable")["status"] == status
    assert sales_api.get(f"orders/{pending['id']}").json_body == before


def test_a_thousand_line_order(sales_api, reviewer_api, customer, warehouse):
    Product.objects.bulk_create([Product(sku=f"BULK-{i:04d}", name=f"零件 {i}",
                                         list_price=Decimal("1.25")) for i in range(1000)])
    products = list(Product.objects.filter(sku__startswith="BULK-"))
    StockLevel.objects.bulk_create([StockLevel(product=p, warehouse=warehouse, on_hand=5)
                                    for p in products])  # 5 each, with its ledger line:
    StockMove.objects.bulk_create([StockMove(product=p, warehouse=warehouse, quantity=5,
                                             balance_after=5, reason="opening")
                                   for p in products])
    body = {"customer_id": customer.pk,
            "lines": [{"product_id": p.pk, "quantity": "2"} for p in products]}
    order = create(sales_api, body)
    assert (order["line_count"], len(order["lines"]), Decimal(order["total_amount"])) == (
        1000, 1000, Decimal("2500.00"))
    fetched = sales_api.get(f"orders/{order['id']}").json_body
    assert [line["product_id"] for line in fetched["lines"]] == [p.pk for p in products]
    response = reviewer_api.post(f"orders/{order['id']}/approve")
    assert response.status_code == 200, response.content
    assert {Decimal(line["reserved_quantity"]) for line in response.json_body["lines"]} == {2}
    assert set(StockLevel.objects.values_list("on_hand", "reserved")) == {(5, 2)}


# --- review --------------------------------------------------------------------------------

@pytest.mark.parametrize("limit, passes", [
    (None, True), ("75.00", True), ("74.99", False), ("0", False)])
def test_credit_limit(sales_api, reviewer_api, customer, product, warehouse, stock, limit,
                      passes):
    """An approved order of 37.50 is the exposure; the next one is 37.50 too."""
    first = create(sales_api, order_body(customer, product))
    assert reviewer_api.post(f"orders/{first['id']}/approve").status_code == 200
    Customer.objects.filter(pk=customer.pk).update(credit_limit=limit)
    order = create(sales_api, order_body(customer, product))
    response = reviewer_api.post(f"orders/{order['id']}/approve")
    if passes:
        assert response.json_body["status"] == "approved"
        return
    details = error(response, 409, "credit_limit_exceeded")
    assert amounts(details, "credit_limit", "exposure", "order_total") == (
        Decimal(limit), Decimal("37.50"), Decimal("37.50"))
    assert SalesOrder.objects.get(pk=order["id"]).status == "pending"
    assert level(product, warehouse)[1] == 3  # the first order's reservation only
    assert not OutboxEvent.objects.filter(event_type="order.approved",
                                          aggregate_id=order["id"]).exists()


def test_exposure_is_the_unshipped_value_of_approved_and_shipping_orders(
        sales_api, admin_api, customer, product, stock):
    for status in ("pending", "approved", "completed", "rejected", "cancelled"):
        drive(admin_api, create(sales_api, order_body(customer, product))["id"], status)
    # 3 × 33.3333 = 100.00 with 1 of 3 shipped: 66.666… open, rounded once with the rest.
    shipping = create(sales_api, order_body(customer, product, unit_price="33.3333"))
    drive(admin_api, shipping["id"], "shipping")
    Customer.objects.filter(pk=customer.pk).update(credit_limit=Decimal("0.01"))
    order = create(sales_api, order_body(customer, product, quantity="1", unit_price="1"))
    details = error(admin_api.post(f"orders/{order['id']}/approve"), 409,
                    "credit_limit_exceeded")
    assert Decimal(details["open_orders"]) == Decimal("37.50") + Decimal("66.67")
    assert amounts(details, "exposure") == (  # the shipped third is invoiced: a receivable
        Decimal(details["open_orders"]) + open_receivables(customer.pk),)


def test_admin_may_override_the_credit_limit_with_a_reason(admin_api, customer, pending,
                                                           stock, product, warehouse):
    Customer.objects.filter(pk=customer.pk).update(credit_limit=0)
    path = f"orders/{pending['id']}/approve"
    error(admin_api.post(path), 409, "credit_limit_exceeded")
    details = error(admin_api.post(path, {"override_credit": True}), 422, "validation_error")
    assert set(details["fields"]) == {"reason"}
    assert level(product, warehouse)[1] == 0
    response = admin_api.post(path, {"override_credit": True, "reason": "老客户，总经理批准"})
    assert response.status_code == 200, response.content
    assert (response.json_body["status"], response.json_body["credit_override_reason"]) == (
        "approved", "老客户，总经理批准")
    history = admin_api.get(f"orders/{pending['id']}/history").json_body["items"]
    assert (history[-1]["to_status"], history[-1]["reason"]) == ("approved", "老客户，总经理批准")
    assert level(product, warehouse)[1] == 3


def test_reviewer_cannot_override_the_credit_limit(reviewer_api, customer, pending, stock):
    Customer.objects.filter(pk=customer.pk).update(credit_limit=0)
    before = effects()
    response = reviewer_api.post(f"orders/{pending['id']}/approve",
                                 {"override_credit": True, "reason": "我说行"})
    assert error(response, 403, "permission_denied")["missing_permissions"] == [
        "orders.override_credit_limit"]
    assert effects() == before


def test_short_stock_names_each_short_line_and_reserves_nothing(
        sales_api, reviewer_api, customer, product, cable, warehouse, second_warehouse):
    stock_in(product, warehouse, 10)
    stock_in(product, second_warehouse, 1)
    stock_in(cable, warehouse, 5)
    lines = [(product, "6", warehouse), (product, "5", warehouse),  # 11 of 10 together
             (cable, "5", warehouse), (product, "2", second_warehouse)]
    order = create(sales_api, {"customer_id": customer.pk, "lines": [
        {"product_id": p.pk, "quantity": q, "warehouse_id": w.pk} for p, q, w in lines]})
    before = effects()
    details = error(reviewer_api.post(f"orders/{order['id']}/approve"), 409,
                    "insufficient_stock")
    ids = [line["id"] for line in order["lines"]]
    assert sorted((short["source_id"], Decimal(short["requested"]), Decimal(short["available"]))
                  for short in details["lines"]) == [
        (ids[0], 6, 10), (ids[1], 5, 10), (ids[3], 2, 1)]
    assert effects() == before


def test_approval_reserves_exactly_each_line(sales_api, reviewer_api, customer, product,
                                             warehouse, second_warehouse):
    stock_in(product, warehouse, 10)
    stock_in(product, second_warehouse, 10)
    order = create(sales_api, {"customer_id": customer.pk, "lines": [
        {"product_id": product.pk, "quantity": "3"},
        {"product_id": product.pk, "quantity": "4"},
        {"product_id": product.pk, "quantity": "2", "warehouse_id": second_warehouse.pk}]})
    response = reviewer_api.post(f"orders/{order['id']}/approve")
    assert response.status_code == 200, response.content
    approved = response.json_body
    assert (approved["status"], approved["reviewed_by"]) == ("approved", "reviewer-user")
    assert approved["reviewed_at"] >= approved["created_at"]
    assert [Decimal(line["reserved_quantity"]) for line in approved["lines"]] == [3, 4, 2]
    assert (level(product, warehouse), level(product, second_warehouse)) == ((10, 7), (10, 2))


def test_reject_needs_a_reason(reviewer_api, pending):
    path = f"orders/{pending['id']}/reject"
    for body in ({}, {"reason": "  "}):
        assert set(error(reviewer_api.post(path, body), 422, "validation_error")["fields"]) \
            == {"reason"}
    response = reviewer_api.post(path, {"reason": "价格有误"})
    assert (response.json_body["status"], response.json_body["status_reason"]) == (
        "rejected", "价格有误")


@pytest.mark.parametrize("status", ["pending", "approved"])
def test_cancel_releases_every_reservation(sales_api, admin_api, pending, stock, product,
                                           warehouse, status):
    drive(admin_api, pending["id"], status)
    path = f"orders/{pending['id']}/cancel"
    error(sales_api.post(path), 422, "validation_error")
    response = sales_api.post(path, {"reason": "客户取消"})
    assert (response.json_body["status"], response.json_body["status_reason"]) == (
        "cancelled", "客户取消")
    assert [Decimal(line["reserved_quantity"]) for line in response.json_body["lines"]] == [0]
    assert level(product, warehouse) == (100, 0)


@pytest.mark.parametrize("status, shipped", [("approved", 0), ("shipping", 1)])
def test_close_completes_the_order_short(reviewer_api, admin_api, pending, stock, product,
                                         warehouse, status, shipped):
    drive(admin_api, pending["id"], status)
    path = f"orders/{pending['id']}/close"
    error(reviewer_api.post(path), 422, "validation_error")
    response = reviewer_api.post(path, {"reason": "余量不要了"})
    assert response.json_body["status"] == "completed"
    [line] = response.json_body["lines"]
    assert amounts(line, "closed_quantity", "open_quantity", "reserved_quantity") == (
        3 - shipped, 0, 0)
    assert level(product, warehouse)[1] == 0


@pytest.mark.parametrize("status, action, target", [
    ("rejected", "approve", "approved"),
    ("cancelled", "approve", "approved"),
    ("approved", "reject", "rejected"),
    ("pending", "close", "completed"),
    ("shipping", "cancel", "cancelled"),
    ("completed", "cancel", "cancelled"),
])
def test_invalid_transitions_are_409(admin_api, pending, stock, status, action, target):
    drive(admin_api, pending["id"], status)
    before = effects()
    response = admin_api.post(f"orders/{pending['id']}/{action}", {"reason": "试试"})
    assert error(response, 409, "invalid_transition") == {"from": status, "to": target}
    assert effects() == before


# --- history and outbox --------------------------------------------------------------------

FLOWS = {  # action → resulting status, event
    "approve-close": [("approve", "approved", "order.approved"),
                      ("close", "completed", "order.closed")],
    "approve-cancel": [("approve", "approved", "order.approved"),
                       ("cancel", "cancelled", "order.cancelled")],
    "cancel": [("cancel", "cancelled", "order.cancelled")],
    "reject": [("reject", "rejected", "order.rejected")],
}


@pytest.mark.parametrize("flow", FLOWS)
def test_history_and_outbox_follow_every_transition(sales_api, admin_api, customer, pending,
                                                    stock, flow):
    expected_history, statuses = [("", "pending", "sales-user", "")], ["pending"]
    for action, status, _ in FLOWS[flow]:
        response = admin_api.post(f"orders/{pending['id']}/{action}", {"reason": f"为何 {action}"})
        assert response.status_code == 200, response.content
        reason = "" if action == "approve" else f"为何 {action}"
        expected_history.append((statuses[-1], status, "admin-user", reason))
        statuses.append(status)
    history = sales_api.get(f"orders/{pending['id']}/history").json_body["items"]
    assert [(h["from_status"], h["to_status"], h["actor"], h["reason"]) for h in history] \
        == expected_history
    times = [datetime.fromisoformat(h["at"]) for h in history]
    assert times == sorted(times)

    events = list(OutboxEvent.objects.filter(aggregate_type="sales_order",
                                             aggregate_id=pending["id"]))
    assert [e.event_type for e in events] == ["order.created"] + [e for *_, e in FLOWS[flow]]
    for event, status in zip(events, statuses, strict=True):
        payload = event.payload
        assert (payload["order_id"], payload["number"], payload["status"],
                payload["customer"]) == (pending["id"], pending["number"], status,
                                         {"id": customer.pk, "code": customer.code})
        assert amounts(payload, "net_amount", "tax_amount", "total_amount") == (
            Decimal("37.50"), 0, Decimal("37.50"))
        assert [(line["line_id"], line["sku"], Decimal(line["quantity"]))
                for line in payload["lines"]] == [(pending["lines"][0]["id"], "SKU-001", 3)]


def test_history_of_an_unknown_order_is_404(sales_api, db):
    error(sales_api.get("orders/999999/history"), 404, "order_not_found")


# --- idempotency ---------------------------------------------------------------------------

@pytest.mark.parametrize("action, start", [("create", None), ("approve", "pending"),
                                           ("reject", "pending"), ("cancel", "approved"),
                                           ("close", "approved")])
def test_idempotency_key_replays_the_first_response(admin_api, sales_api, customer, product,
                                                    stock, action, start):
    if action == "create":
        path, body, other = "orders", order_body(customer, product), order_body(
            customer, product, quantity="4")
    else:
        order = create(sales_api, order_body(customer, product))  # admin may not approve its own
        drive(admin_api, order["id"], start)
        path, body, other = f"orders/{order['id']}/{action}", {"reason": "一"}, {"reason": "二"}
    key = {"Idempotency-Key": f"key-{action}"}
    first = admin_api.post(path, body, headers=key)
    assert first.status_code in (200, 201), first.content
    after_first = effects()
    again = admin_api.post(path, body, headers=key)
    assert (again.status_code, again.json_body) == (first.status_code, first.json_body)
    error(admin_api.post(path, other, headers=key), 409, "idempotency_key_reused")
    assert effects() == after_first


def test_a_failed_call_stores_no_key_so_a_retry_can_succeed(reviewer_api, pending, product,
                                                           warehouse):
    key = {"Idempotency-Key": "approve-once"}
    path = f"orders/{pending['id']}/approve"
    error(reviewer_api.post(path, headers=key), 409, "insufficient_stock")
    assert not IdempotencyKey.objects.exists()
    stock_in(product, warehouse, 3)
    response = reviewer_api.post(path, headers=key)
    assert response.json_body["status"] == "approved"
    assert reviewer_api.post(path, headers=key).json_body == response.json_body
    assert level(product, warehouse) == (3, 3)


# --- lists and roles -----------------------------------------------------------------------

@pytest.fixture
def listed(sales_api, admin_api, customer, product, stock) -> dict[str, dict]:
    """a1…a3 of `customer` dated 1, 2, 3 Jan 2030 (a2 approved, a3 rejected), b1 of another
    customer dated 2 Jan."""
    other = create_customer(actor=None, name="华北建材")
    orders = {}
    for name, buyer, day in (("a1", customer, 1), ("a2", customer, 2), ("a3", customer, 3),
                             ("b1", other, 2)):
        orders[name] = create(sales_api, order_body(buyer, product))
        SalesOrder.objects.filter(pk=orders[name]["id"]).update(order_date=f"2030-01-0{day}")
    drive(admin_api, orders["a2"]["id"], "approved")
    drive(admin_api, orders["a3"]["id"], "rejected")
    return orders


@pytest.mark.parametrize("params, expected", [
    ({}, ["b1", "a3", "a2", "a1"]),
    ({"status": "approved"}, ["a2"]),
    ({"status": "pending"}, ["b1", "a1"]),
    ({"customer_id": "b1"}, ["b1"]),
    ({"date_from": "2030-01-02"}, ["b1", "a3", "a2"]),
    ({"date_to": "2030-01-02"}, ["b1", "a2", "a1"]),
    ({"date_from": "2030-01-02", "date_to": "2030-01-02", "customer_id": "a1"}, ["a2"]),
    ({"number": "a3"}, ["a3"]),
])
def test_list_filters(sales_api, listed, params, expected):
    resolve = {"customer_id": lambda name: listed[name]["customer"]["id"],
               "number": lambda name: listed[name]["number"]}
    query = {k: resolve[k](v) if k in resolve else v for k, v in params.items()}
    response = sales_api.get("orders", **query)
    assert response.status_code == 200, response.content
    by_id = {order["id"]: name for name, order in listed.items()}
    assert [by_id[o["id"]] for o in response.json_body["items"]] == expected
    assert response.json_body["count"] == len(expected)


def test_list_paginates_without_a_query_per_order(sales_api, listed):
    pages = [sales_api.get("orders", limit=3, offset=offset).json_body for offset in (0, 3)]
    assert [len(page["items"]) for page in pages] == [3, 1]
    assert {page["count"] for page in pages} == {4}
    ids = [o["id"] for page in pages for o in page["items"]]
    assert sorted(ids, reverse=True) == ids == sorted(o["id"] for o in listed.values())[::-1]
    with CaptureQueriesContext(connection) as one:
        sales_api.get("orders", limit=1)
    with CaptureQueriesContext(connection) as four:
        sales_api.get("orders", limit=4)
    assert len(four) == len(one)


@pytest.mark.parametrize("api_name, action", [
    ("sales_api", "approve"), ("sales_api", "reject"), ("reviewer_api", "create"),
    ("reviewer_api", "cancel"), ("warehouse_api", "create"), ("warehouse_api", "cancel"),
    ("warehouse_api", "close"),
])
def test_roles(request, pending, stock, customer, product, api_name, action):
    api = request.getfixturevalue(api_name)
    before = effects()
    if action == "create":
        response = api.post("orders", order_body(customer, product))
    else:
        response = api.post(f"orders/{pending['id']}/{action}", {"reason": "越权"})
    error(response, 403, "permission_denied")
    assert effects() == before


def test_warehouse_may_read_orders_but_not_edit_them(warehouse_api, pending, product):
    assert warehouse_api.get(f"orders/{pending['id']}").json_body["id"] == pending["id"]
    response = warehouse_api.patch(f"orders/{pending['id']}",
                                   {"lines": [{"product_id": product.pk, "quantity": "1"}]})
    error(response, 403, "permission_denied")
