"""Outbound documents through /api/v1/outbounds: drafting, posting (stock issue, order status,
invoice), cancelling, the work queue, delivery notes, `wms-sales check`, and posting under
concurrency on PostgreSQL (DESIGN.md §2–§4)."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from conftest import ApiClient
from documents_helpers import (
    D,
    api_outcome,
    assert_corruption_reported,
    assert_ledger_explains_levels,
    aware,
    document_effects,
    levels,
    money,
    new_outbound,
    post,
    priced,
    run_check,
    run_concurrently,
    ship,
)
from orders_helpers import create, drive, error, order_body, stock_in
from wms_sales.common.errors import DomainError
from wms_sales.finance.models import Invoice
from wms_sales.inventory.models import StockLevel
from wms_sales.inventory.services import record_stock_change
from wms_sales.orders.services import approve_order, create_order
from wms_sales.outbound.models import Outbound, OutboundLine, OutboundStatus
from wms_sales.outbound.services import create_outbound, post_outbound

pytest_plugins = ["orders_fixtures", "documents_fixtures"]

# Shipment plans over the `order` fixture: (warehouse, [(line index, quantity)] or None for
# "everything open there", order status after posting).
PLANS = {
    "partial-then-rest": [("SH", [(0, 4)], "shipping"), ("BJ", None, "shipping"),
                          ("SH", None, "completed")],
    "small-steps": [("BJ", [(1, "0.25"), (2, 1)], "shipping"),
                    ("BJ", [(1, "5.25"), (2, 3)], "shipping"), ("SH", [(0, 10)], "completed")],
    "whole-warehouses": [("SH", None, "shipping"), ("BJ", None, "completed")],
}


@pytest.mark.parametrize("plan", PLANS)
def test_shipments_issue_stock_move_the_order_and_raise_invoices(
        warehouse_api, sales_api, order, product, warehouse, second_warehouse, plan):
    warehouses = {"SH": warehouse, "BJ": second_warehouse}
    order_lines = order["lines"]
    shipped = [D(0)] * len(order_lines)
    for code, step, status in PLANS[plan]:
        wh = warehouses[code]
        wanted = [(i, D(str(qty))) for i, qty in step] if step else [
            (i, D(line["quantity"]) - shipped[i]) for i, line in enumerate(order_lines)
            if line["warehouse_id"] == wh.pk and D(line["quantity"]) > shipped[i]]
        draft = new_outbound(warehouse_api, order["id"], wh.pk, step and [
            (order_lines[i]["id"], qty) for i, qty in wanted])
        assert [(line["line_no"], D(line["quantity"])) for line in draft["lines"]] == [
            (i + 1, qty) for i, qty in wanted]
        assert (draft["status"], draft["invoice_id"]) == ("draft", None)
        before = levels()

        posted = post(warehouse_api, draft["id"])

        assert (posted["status"], posted["posted_by"]) == ("posted", "warehouse-user")
        for i, qty in wanted:
            shipped[i] += qty
        got = sales_api.get(f"orders/{order['id']}").json_body
        assert got["status"] == status
        assert [(D(line["shipped_quantity"]), D(line["reserved_quantity"]))
                for line in got["lines"]] == [(s, D(line["quantity"]) - s)
                                              for s, line in zip(shipped, order_lines,
                                                                 strict=True)]
        # Stock: on_hand and reserved drop by exactly the shipped quantities...
        expected = dict(before)
        for i, qty in wanted:
            pair = (order_lines[i]["product_id"], wh.pk)
            expected[pair] = (expected[pair][0] - qty, expected[pair][1] - qty)
        assert levels() == expected
        # ...and the ledger says why, naming the outbound.
        moves = sales_api.get("stock/moves", reason="sale_issue", limit=500).json_body["items"]
        assert sorted((m["product_id"], m["warehouse_id"], D(m["quantity"]), m["source_type"],
                       m["source_id"]) for m in moves if m["source_ref"] == draft["number"]) \
            == sorted((order_lines[i]["product_id"], wh.pk, -qty, "outbound", draft["id"])
                      for i, qty in wanted)
        # The invoice is the shipped value, priced like the order lines.
        invoice = sales_api.get(f"invoices/{posted['invoice_id']}").json_body
        expected_lines = [priced(order_lines[i], qty) for i, qty in wanted]
        assert [(line["sku"], D(line["quantity"]), *money(line, "unit_price", "discount_percent",
                                                          "tax_rate_percent", "net_amount",
                                                          "tax_amount", "total_amount"))
                for line in invoice["lines"]] == [
            (order_lines[i]["sku"], qty, *money(order_lines[i], "unit_price", "discount_percent",
                                                "tax_rate_percent"), *amounts)
            for (i, qty), amounts in zip(wanted, expected_lines, strict=True)]
        assert money(invoice, "net_amount", "tax_amount", "total_amount") == tuple(
            sum(column, D(0)) for column in zip(*expected_lines, strict=True))
        assert [money(line, "net_amount", "tax_amount", "total_amount")
                for line in posted["lines"]] == expected_lines
        # The draft showed that value before it shipped: an approved order's prices are fixed.
        assert [money(line, "net_amount", "tax_amount", "total_amount")
                for line in draft["lines"]] == expected_lines
        assert (invoice["source_ref"], invoice["order_ref"], invoice["status"],
                invoice["customer_id"]) == (draft["number"], order["number"], "open",
                                            order["customer"]["id"])
        today = timezone.localdate()
        assert (invoice["issue_date"], invoice["due_date"]) == (
            str(today), str(today + timedelta(days=30)))
    assert shipped == [D(line["quantity"]) for line in order_lines]
    assert all(reserved == 0 for _, reserved in levels().values())
    assert_ledger_explains_levels()
    assert run_check()[0] == 0


def test_due_date_follows_the_payment_terms_and_the_ship_date(warehouse_api, sales_api, order,
                                                              customer, warehouse):
    customer.payment_terms_days = 45
    customer.save()
    draft = new_outbound(warehouse_api, order["id"], warehouse.pk)
    posted = post(warehouse_api, draft["id"], shipped_at="2025-02-27T20:30:00+00:00")
    invoice = sales_api.get(f"invoices/{posted['invoice_id']}").json_body
    # 20:30 UTC is already 28 Feb in Shanghai.
    assert (invoice["issue_date"], invoice["due_date"]) == ("2025-02-28", "2025-04-14")


def test_a_naive_ship_time_is_local_time(warehouse_api, sales_api, order, warehouse):
    draft = new_outbound(warehouse_api, order["id"], warehouse.pk)
    posted = post(warehouse_api, draft["id"], shipped_at="2025-03-01T07:00:00")
    assert datetime.fromisoformat(posted["shipped_at"]) == aware(date(2025, 3, 1), hour=7)
    assert sales_api.get(f"invoices/{posted['invoice_id']}").json_body["issue_date"] \
        == "2025-03-01"


@pytest.mark.parametrize("draft_first, wh, wanted, field, message", [
    (None, "SH", [(0, 11)], "lines[0].quantity", "Line 1 has only 10"),
    ([(0, 8)], "SH", [(0, 3)], "lines[0].quantity", "Line 1 has only 2.0"),
    (None, "SH", [(0, 6), (0, 5)], "lines[1].quantity", "Line 1 has only 10"),
    (None, "SH", [(0, 0)], "lines[0].quantity", "greater than zero"),
    (None, "SH", [(0, "1.5")], "lines[0].quantity", "allows 0 decimal place"),
    (None, "BJ", [(1, "0.001")], "lines[0].quantity", "allows 2 decimal place"),
    (None, "SH", [(1, 1)], "lines[0].order_line_id", "Line 2 ships from another warehouse"),
    (None, "SH", [(None, 1)], "lines[0].order_line_id", "not a line of this order"),
    (None, "SH", [], "lines", "at least one line"),
    ([(0, 10)], "SH", None, "lines", "nothing left to ship from WH-SH"),
], ids=["above-open", "above-what-drafts-leave", "together-above-open", "zero", "fraction",
        "too-precise", "other-warehouse", "other-order", "no-lines", "nothing-open"])
def test_invalid_outbounds_are_422_naming_the_field(warehouse_api, order, lines, warehouse,
                                                    second_warehouse, draft_first, wh, wanted,
                                                    field, message):
    if draft_first:
        new_outbound(warehouse_api, order["id"], warehouse.pk,
                     [(lines[i], qty) for i, qty in draft_first])
    before = (Outbound.objects.count(), document_effects())
    body = {"order_id": order["id"],
            "warehouse_id": {"SH": warehouse, "BJ": second_warehouse}[wh].pk}
    if wanted is not None:
        body["lines"] = [{"order_line_id": 999999 if i is None else lines[i],
                          "quantity": str(qty)} for i, qty in wanted]
    details = error(warehouse_api.post("outbounds", body), 422, "validation_error")
    assert list(details["fields"]) == [field]
    assert message in " ".join(details["fields"][field])
    assert (Outbound.objects.count(), document_effects()) == before


def test_unknown_warehouse_is_422(warehouse_api, order):
    details = error(warehouse_api.post("outbounds", {"order_id": order["id"],
                                                     "warehouse_id": 999999}),
                    422, "validation_error")
    assert list(details["fields"]) == ["warehouse_id"]


@pytest.mark.parametrize("status", ["pending", "rejected", "cancelled", "completed"])
def test_only_approved_or_shipping_orders_ship(admin_api, sales_api, warehouse_api, customer,
                                               product, warehouse, stocked, status):
    pending = create(sales_api, order_body(customer, product))
    drive(admin_api, pending["id"], status)
    response = warehouse_api.post("outbounds", {"order_id": pending["id"],
                                                "warehouse_id": warehouse.pk})
    assert error(response, 409, "invalid_transition") == {"from": status, "to": "shipping"}
    assert not Outbound.objects.exists()


@pytest.mark.parametrize("action, status", [("cancel", "cancelled"), ("close", "completed")])
def test_a_draft_of_an_order_ended_meanwhile_cannot_post(admin_api, warehouse_api, order,
                                                         warehouse, action, status):
    draft = new_outbound(warehouse_api, order["id"], warehouse.pk)
    response = admin_api.post(f"orders/{order['id']}/{action}", {"reason": "客户不要了"})
    assert response.json_body["status"] == status
    before = document_effects()
    assert error(warehouse_api.post(f"outbounds/{draft['id']}/post"), 409,
                 "invalid_transition") == {"from": status, "to": "shipping"}
    assert (document_effects(), Invoice.objects.count()) == (before, 0)


@pytest.mark.parametrize("first, second", [("post", "post"), ("post", "cancel"),
                                           ("cancel", "post"), ("cancel", "cancel")])
def test_posted_and_cancelled_outbounds_are_final(warehouse_api, order, warehouse, first,
                                                  second):
    draft = new_outbound(warehouse_api, order["id"], warehouse.pk)
    assert warehouse_api.post(f"outbounds/{draft['id']}/{first}").status_code == 200
    before = (document_effects(), Invoice.objects.count())
    response = warehouse_api.post(f"outbounds/{draft['id']}/{second}")
    target = {"post": "posted", "cancel": "cancelled"}
    assert error(response, 409, "invalid_transition") == {"from": target[first],
                                                          "to": target[second]}
    assert (document_effects(), Invoice.objects.count()) == before


def test_cancelling_a_draft_moves_nothing_and_frees_its_quantity(warehouse_api, sales_api,
                                                                 order, warehouse):
    draft = new_outbound(warehouse_api, order["id"], warehouse.pk, carrier="顺丰")
    assert [D(line["quantity"]) for line in draft["lines"]] == [10]
    before = document_effects()
    response = warehouse_api.post(f"outbounds/{draft['id']}/cancel", {"reason": "车没来"})
    assert (response.json_body["status"], response.json_body["cancel_reason"]) == (
        "cancelled", "车没来")
    assert document_effects() == before
    assert sales_api.get(f"orders/{order['id']}").json_body["status"] == "approved"
    again = new_outbound(warehouse_api, order["id"], warehouse.pk)
    assert [D(line["quantity"]) for line in again["lines"]] == [10]


def test_default_outbound_takes_what_drafts_leave_open(warehouse_api, order, lines,
                                                       second_warehouse):
    new_outbound(warehouse_api, order["id"], second_warehouse.pk, [(lines[1], "2.5")])
    rest = new_outbound(warehouse_api, order["id"], second_warehouse.pk)
    assert [(line["order_line_id"], D(line["quantity"])) for line in rest["lines"]] == [
        (lines[1], D(3)), (lines[2], D(4))]


# --- idempotency ---------------------------------------------------------------------------

@pytest.mark.parametrize("action", ["create", "post", "cancel"])
def test_idempotency_key_replays_the_first_response(warehouse_api, order, lines, warehouse,
                                                    action):
    if action == "create":
        path = "outbounds"
        body, other = ({"order_id": order["id"], "warehouse_id": warehouse.pk,
                        "lines": [{"order_line_id": lines[0], "quantity": q}]}
                       for q in ("1", "2"))
    else:
        draft = new_outbound(warehouse_api, order["id"], warehouse.pk)
        path = f"outbounds/{draft['id']}/{action}"
        body, other = ({"reason": "一"}, {"reason": "二"}) if action == "cancel" else (
            {}, {"shipped_at": "2025-01-01T08:00:00+08:00"})
    key = {"Idempotency-Key": f"outbound-{action}"}

    def effects():
        return (list(Outbound.objects.values_list("pk", "status")), document_effects(),
                Invoice.objects.count())

    first = warehouse_api.post(path, body, headers=key)
    assert first.status_code in (200, 201), first.content
    after_first = effects()
    again = warehouse_api.post(path, body, headers=key)
    assert (again.status_code, again.json_body) == (first.status_code, first.json_body)
    error(warehouse_api.post(path, other, headers=key), 409, "idempotency_key_reused")
    assert effects() == after_first


# --- the work queue, delivery notes, roles -------------------------------------------------

def test_the_queue_lists_what_is_open_per_order_and_warehouse(
        warehouse_api, sales_api, admin_api, customer, order, lines, product, warehouse,
        second_warehouse):
    urgent = create(sales_api, {**order_body(customer, product, quantity="2"),
                                "requested_delivery_date": "2030-01-01"})
    drive(admin_api, urgent["id"], "approved")
    create(sales_api, order_body(customer, product))  # pending: not in the queue
    ship(order["id"], warehouse.pk, [(lines[0], 4)])
    new_outbound(warehouse_api, order["id"], second_warehouse.pk, [(lines[1], "0.5")])

    def queue(**params):
        response = warehouse_api.get("outbounds/queue", **params)
        assert response.status_code == 200, response.content
        return [(r["order_number"], r["status"], r["warehouse_code"], r["open_lines"],
                 D(r["open_quantity"]), D(r["drafted_quantity"])) for r in response.json_body]

    assert queue() == [(urgent["number"], "approved", "WH-SH", 1, 2, 0),
                       *sorted([(order["number"], "shipping", "WH-SH", 1, 6, 0),
                                (order["number"], "shipping", "WH-BJ", 2, D("9.5"),
                                 D("0.5"))], key=lambda row: row[2] != "WH-SH")]
    assert queue(warehouse_id=second_warehouse.pk) == [
        (order["number"], "shipping", "WH-BJ", 2, D("9.5"), D("0.5"))]
    ship(urgent["id"], warehouse.pk)
    assert [row[0] for row in queue()] == [order["number"]] * 2


def test_delivery_note_pdf(warehouse_api, sales_api, order, warehouse):
    draft = new_outbound(warehouse_api, order["id"], warehouse.pk)
    post(warehouse_api, draft["id"])
    response = sales_api.get(f"outbounds/{draft['id']}/delivery-note.pdf")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert draft["number"] in response["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert draft["number"] in text
    assert "螺丝刀" in text
    error(sales_api.get("outbounds/999999/delivery-note.pdf"), 404, "outbound_not_found")


@pytest.mark.parametrize("api_name, action", [
    ("sales_api", "create"), ("reviewer_api", "create"), ("sales_api", "post"),
    ("finance_api", "post"), ("reviewer_api", "cancel"),
])
def test_roles(request, warehouse_api, order, warehouse, api_name, action):
    draft = new_outbound(warehouse_api, order["id"], warehouse.pk)
    api = request.getfixturevalue(api_name)
    before = (list(Outbound.objects.values_list("pk", "status")), document_effects())
    path = "outbounds" if action == "create" else f"outbounds/{draft['id']}/{action}"
    response = api.post(path, {"order_id": order["id"], "warehouse_id": warehouse.pk})
    error(response, 403, "permission_denied")
    assert (list(Outbound.objects.values_list("pk", "status")), document_effects()) == before


# --- wms-sales check -----------------------------------------------------------------------

@pytest.mark.parametrize("corruption", ["shipped", "invoice"])
def test_check_reports_shipments_that_disagree(order, lines, warehouse, corruption):
    outbound = ship(order["id"], warehouse.pk, [(lines[0], 4)])
    if corruption == "shipped":
        sql = ("UPDATE orders_salesorderline SET shipped_quantity = shipped_quantity - 1 "
               "WHERE id = %s")
        params, named = [lines[0]], [f"order {order['number']} line 1: shipped=",
                                     "but posted outbounds shipped 4"]
    else:
        sql = ("UPDATE finance_invoice SET net_amount = net_amount + 1, "
               "total_amount = total_amount + 1 WHERE id = %s")
        params, named = [outbound.invoice_id], [
            f"invoice {outbound.invoice.number}:", f"but outbound {outbound.number} shipped"]
    assert_corruption_reported(sql, params, named)


# --- concurrency (PostgreSQL) --------------------------------------------------------------

@pytest.mark.postgres_only
def test_20_racing_posts_of_one_outbound_ship_once(transactional_db, warehouse_api, order,
                                                   product, warehouse):
    draft = new_outbound(warehouse_api, order["id"], warehouse.pk)
    before = StockLevel.objects.get(product=product, warehouse=warehouse)

    def attempt(_) -> str:
        client = ApiClient(None)  # a client per thread, with the warehouse user's token
        client.headers = warehouse_api.headers
        return api_outcome(client.post(f"outbounds/{draft['id']}/post"))

    outcomes = Counter(run_concurrently(attempt, range(20), workers=20))

    assert outcomes == {"ok": 1, "409 invalid_transition": 19}
    after = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert (after.on_hand, after.reserved) == (before.on_hand - 10, before.reserved - 10)
    assert Invoice.objects.count() == 1
    assert Outbound.objects.get().status == OutboundStatus.POSTED


@pytest.mark.postgres_only
def test_racing_outbounds_of_one_sku_never_take_stock_below_zero(transactional_db, customer,
                                                                 product, warehouse):
    stock_in(product, warehouse, 110)
    drafts = []
    for _ in range(10):
        sales_order = create_order(actor=None, customer_id=customer.pk,
                                   lines=[{"product_id": product.pk, "quantity": 10}])
        approve_order(actor=None, order_id=sales_order.pk)
        line = sales_order.lines.get()
        drafts += [create_outbound(actor=None, order_id=sales_order.pk,
                                   warehouse_id=warehouse.pk,
                                   lines=[{"order_line_id": line.pk, "quantity": qty}]).pk
                   for qty in (4, 6)]

    def attempt(item) -> str:
        kind, outbound_id = item
        try:
            if kind == "post":
                post_outbound(actor=None, outbound_id=outbound_id)
            else:
                record_stock_change(actor=None, product_id=product.pk,
                                    warehouse_id=warehouse.pk, quantity=-5, reason="write_off",
                                    note="损坏")
        except DomainError as exc:
            return f"{kind} {exc.code}"
        return f"{kind} ok"

    items = [("post", pk) for pk in drafts] + [("write_off", None)] * 10
    outcomes = Counter(run_concurrently(attempt, items, workers=10))

    # Posts consume their own reservations; only the 10 unreserved units can be written off.
    assert outcomes == {"post ok": 20, "write_off ok": 2, "write_off insufficient_stock": 8}
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (0, 0)
    assert Invoice.objects.count() == 20
    status, _, err = run_check()
    assert (status, err) == (0, "")


def test_a_draft_stored_without_its_value_is_priced_when_posted(warehouse_api, order,
                                                                 warehouse):
    """Drafts made before drafts were priced hold zero amounts: posting prices them."""
    draft = new_outbound(warehouse_api, order["id"], warehouse.pk)
    OutboundLine.objects.filter(outbound_id=draft["id"]).update(
        net_amount=0, tax_amount=0, total_amount=0)
    posted = post(warehouse_api, draft["id"])
    by_id = {line["id"]: line for line in order["lines"]}
    expected = [priced(by_id[line["order_line_id"]], line["quantity"])
                for line in posted["lines"]]
    assert any(total for _, _, total in expected)
    assert [money(line, "net_amount", "tax_amount", "total_amount")
            for line in posted["lines"]] == expected
    stored = dict(OutboundLine.objects.filter(outbound_id=draft["id"])
                  .values_list("id", "total_amount"))
    assert [stored[line["id"]] for line in posted["lines"]] == [t for _, _, t in expected]
    assert run_check()[0] == 0
