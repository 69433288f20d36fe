"""The document pages through Django's test client: orders, outbounds, returns, receivables.
Every form's success path writes through the service; every error path shows the error on
the form or as a message and writes nothing."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pypdf
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from test_web_views import form_errors, login
from web_documents_data import (
    CUSTOMER_NAME,
    approved_order,
    master_data,
    order_of,
    received_return,
    shipped_order,
)
from wms_sales.common.money import line_amounts
from wms_sales.customers.services import create_customer
from wms_sales.finance.models import CreditNote, Invoice, Payment, PaymentAllocation
from wms_sales.finance.services import record_payment
from wms_sales.inventory.models import StockLevel
from wms_sales.lifecycle.models import DocumentTransition
from wms_sales.orders.models import SalesOrder
from wms_sales.outbound.models import Outbound
from wms_sales.outbound.services import create_outbound, post_outbound
from wms_sales.returns.models import SalesReturn
from wms_sales.returns.services import approve_return, create_return

D = Decimal


@pytest.fixture
def data(db) -> dict:
    return master_data()


@pytest.fixture
def admin(db) -> Client:
    return login("admin")


@pytest.fixture
def sales(db) -> Client:
    return login("sales")


@pytest.fixture
def reviewer(db) -> Client:
    return login("reviewer")


@pytest.fixture
def warehouse_user(db) -> Client:
    return login("warehouse")


@pytest.fixture
def finance(db) -> Client:
    return login("finance")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def reserved(product, warehouse) -> Decimal:
    return StockLevel.objects.get(product=product, warehouse=warehouse).reserved


def order_form(data: dict, *lines: dict, **header) -> dict:
    """The POST of the order entry form: the header and the lines formset."""
    post = {"customer": data["customer"].pk, "warehouse": data["shanghai"].pk,
            "requested_delivery_date": "", "delivery_address": "", "note": "",
            "lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "500", **header}
    for index, line in enumerate(lines):
        values = {"product": "", "warehouse": "", "quantity": "", "unit_price": "",
                  "discount_percent": "0", "tax_rate_percent": "0", **line}
        post.update({f"lines-{index}-{name}": value for name, value in values.items()})
    return post


# --- pages and permissions ---------------------------------------------------------------

def test_every_document_page_renders(admin, data):
    order = shipped_order(data, ("screwdriver", "5"), ("cable", "2.5"))
    sales_return = received_return(order)
    pending = order_of(data, ("screwdriver", "1"))
    approved = approved_order(data, ("screwdriver", "2"))
    outbound, invoice = Outbound.objects.get(), Invoice.objects.get()
    note = CreditNote.objects.get()
    pages = [("order_list", []), ("order_create", []), ("order_detail", [order.pk]),
             ("order_detail", [pending.pk]), ("order_edit", [pending.pk]),
             ("order_detail", [approved.pk]), ("outbound_queue", []), ("outbound_list", []),
             ("outbound_detail", [outbound.pk]),
             ("outbound_create", [approved.pk, data["shanghai"].pk]),
             ("delivery_note", [outbound.pk]), ("return_list", []),
             ("return_detail", [sales_return.pk]), ("return_create", [order.pk]),
             ("invoice_list", []), ("invoice_detail", [invoice.pk]), ("payment_list", []),
             ("payment_create", []), ("credit_note_list", []),
             ("credit_note_detail", [note.pk]), ("customer_detail", [data["customer"].pk])]
    for name, args in pages:
        response = admin.get(reverse(f"web:{name}", args=args))
        assert response.status_code == 200, (name, response.status_code)


def test_menu_follows_permissions(db):
    menus = {role: login(role).get(reverse("web:customer_list")).content.decode()
             for role in ("sales", "warehouse", "finance")}
    assert reverse("web:order_list") in menus["sales"]
    assert reverse("web:invoice_list") not in menus["warehouse"]
    assert reverse("web:outbound_queue") in menus["warehouse"]
    assert reverse("web:payment_list") in menus["finance"]
    assert reverse("web:credit_note_list") in menus["finance"]


def test_roles_get_403_on_what_they_may_not_do(data, sales, warehouse_user, reviewer):
    order = approved_order(data, ("screwdriver", "2"))
    assert warehouse_user.get(reverse("web:order_create")).status_code == 403
    assert sales.post(reverse("web:order_approve", args=[order.pk])).status_code == 403
    assert sales.get(reverse("web:outbound_create",
                             args=[order.pk, data["shanghai"].pk])).status_code == 403
    assert reviewer.get(reverse("web:payment_create")).status_code == 403
    assert warehouse_user.get(reverse("web:invoice_list")).status_code == 403
    assert not Outbound.objects.exists()


def test_order_list_filters(sales, data):
    first = order_of(data, ("screwdriver", "1"))
    second = approved_order(data, ("screwdriver", "2"))
    response = sales.get(reverse("web:order_list"), {"status": "approved"})
    assert list(response.context["page"].object_list) == [second]
    response = sales.get(reverse("web:order_list"), {"q": first.number},
                         headers={"HX-Request": "true"})
    assert response.content.decode().lstrip().startswith('<div id="results">')
    assert list(response.context["page"].object_list) == [first]
    response = sales.get(reverse("web:order_list"),
                         {"date_from": "2030-01-02", "date_to": "2030-01-01"})
    assert "date_to" in response.context["filter_form"].errors


# Every list's sortable columns; the first one has distinct values in the data below.
SORTED_LISTS = {"customer_list": ["code", "name", "credit_limit", "terms", "status"],
                "product_list": ["sku", "name", "unit", "price", "active"],
                "stock_levels": ["sku", "product", "warehouse", "on_hand", "reserved",
                                 "available", "updated"],
                "payment_list": ["number", "customer", "received", "method", "amount"],
                "credit_note_list": ["number", "customer", "issued", "total", "status"],
                "return_list": ["number", "order", "customer", "status", "requested",
                                "received"],
                "outbound_list": ["number", "order", "customer", "warehouse", "status",
                                  "planned", "shipped"]}


def test_every_list_sorts_by_its_columns(admin, data):
    for order in (shipped_order(data, ("screwdriver", "5")),
                  shipped_order(data, ("cable", "2"))):
        received_return(order)
    for day in (1, 2):
        record_payment(actor=None, customer_id=data["customer"].pk, amount=D(day),
                       method="bank_transfer", received_on=date(2030, 1, day))
    for name, keys in SORTED_LISTS.items():
        url = reverse(f"web:{name}")
        for key in keys:
            ascending = admin.get(url, {"sort": key})
            descending = admin.get(url, {"sort": f"-{key}"})
            assert ascending.status_code == descending.status_code == 200, (name, key)
            assert 'aria-sort="ascending"' in ascending.content.decode(), (name, key)
            assert 'aria-sort="descending"' in descending.content.decode(), (name, key)
        rows = list(admin.get(url, {"sort": keys[0]}).context["page"].object_list)
        reverse_rows = list(admin.get(url, {"sort": f"-{keys[0]}"}).context["page"].object_list)
        assert len(rows) >= 2 or name == "customer_list", name
        assert rows == reverse_rows[::-1], name


def test_outbound_list_searches_by_customer(admin, data):
    shipped_order(data, ("screwdriver", "1"))
    other = create_customer(actor=None, code="C-200", name="Other")
    listed = admin.get(reverse("web:outbound_list"), {"customer": data["customer"].pk})
    assert len(listed.context["page"].object_list) == 1
    assert not admin.get(reverse("web:outbound_list"),
                         {"customer": other.pk}).context["page"].object_list


DOCUMENT_LISTS = ("outbound_list", "return_list", "invoice_list", "payment_list",
                  "credit_note_list")


def test_every_document_list_searches_number_and_customer_in_one_box(admin, data):
    received_return(shipped_order(data, ("screwdriver", "5")))
    record_payment(actor=None, customer_id=data["customer"].pk, amount=D(1),
                   method="bank_transfer", received_on=date(2030, 1, 1))
    customer = data["customer"]
    for name in DOCUMENT_LISTS:
        url = reverse(f"web:{name}")
        [document] = admin.get(url).context["page"].object_list
        for text in (customer.name[1:4], customer.code.lower(), document.number[-4:]):
            found = admin.get(url, {"q": text}, headers={"HX-Request": "true"})
            assert list(found.context["page"].object_list) == [document], (name, text)
        assert not admin.get(url, {"q": "no such thing"}).context["page"].object_list, name


# --- order entry -------------------------------------------------------------------------

def test_create_order_with_two_lines(sales, data):
    response = sales.post(reverse("web:order_create"), order_form(
        data, {"product": data["screwdriver"].pk, "quantity": "4", "unit_price": "12.50"},
        {"product": data["cable"].pk, "quantity": "2.5", "discount_percent": "10",
         "tax_rate_percent": "13", "warehouse": data["beijing"].pk},
        delivery_address=data["customer"].default_address.pk, note="上午送货"))
    order = SalesOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:order_detail", args=[order.pk])
    lines = list(order.lines.order_by("line_no"))
    assert [(line.product, line.quantity, line.warehouse) for line in lines] == [
        (data["screwdriver"], D(4), data["shanghai"]), (data["cable"], D("2.5"), data["beijing"])]
    assert lines[1].unit_price == D("3.20")  # left empty: the list price
    expected = line_amounts(D(4), D("12.50")).total + line_amounts(
        D("2.5"), D("3.20"), D(10), D(13)).total
    assert order.total_amount == expected
    assert (order.delivery_address, order.note) == ("杭州市 文三路 100 号", "上午送货")
    assert order.created_by.username == "sales-web"


def test_removed_rows_leave_gaps_that_are_skipped(sales, data):
    post = order_form(data, {"product": data["screwdriver"].pk, "quantity": "1"},
                      {"product": data["cable"].pk, "quantity": "1"})
    post["lines-TOTAL_FORMS"] = "3"  # row 1 was removed in the browser, row 2 left blank
    post = {k: v for k, v in post.items() if not k.startswith("lines-1-")}
    post.update({"lines-2-discount_percent": "0", "lines-2-tax_rate_percent": "0"})
    assert sales.post(reverse("web:order_create"), post).status_code == 302
    assert SalesOrder.objects.get().line_count == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"customer": ""}, "customer"),
    ({"lines-0-quantity": "abc"}, "quantity"),
    ({"lines-0-quantity": "1.5"}, "quantity"),  # screwdrivers come in whole units
    ({"lines-0-quantity": "0"}, "quantity"),  # refused by the service
    ({"lines-0-discount_percent": "120"}, "discount_percent"),  # refused by the service
])
def test_order_entry_errors_write_nothing(sales, data, change, field):
    post = {**order_form(data, {"product": data["screwdriver"].pk, "quantity": "2"}), **change}
    response = sales.post(reverse("web:order_create"), post)
    assert response.status_code == 200
    errors = dict(response.context["form"].errors)
    for line in response.context["formset"].forms:
        errors.update(line.errors)
    assert field in errors
    assert not SalesOrder.objects.exists()


def test_order_without_lines_is_refused(sales, data):
    response = sales.post(reverse("web:order_create"), order_form(data, {}))
    assert form_errors(response)["__all__"] == ["An order needs at least one line."]
    assert not SalesOrder.objects.exists()


def test_blocked_customer_cannot_order(sales, data):
    from wms_sales.customers.services import create_customer

    blocked = create_customer(actor=None, name="停用", status="blocked")
    response = sales.post(reverse("web:order_create"), order_form(
        data, {"product": data["screwdriver"].pk, "quantity": "1"}, customer=blocked.pk))
    assert "customer" in form_errors(response)  # not offered: active customers only
    assert not SalesOrder.objects.exists()


def test_live_totals_use_the_server_arithmetic(sales, data):
    post = order_form(data, {"product": data["screwdriver"].pk, "quantity": "3",
                             "discount_percent": "12.5", "tax_rate_percent": "13"},
                      {"product": data["cable"].pk, "quantity": ""})
    response = sales.post(reverse("web:order_price"), post, headers={"HX-Request": "true"})
    html = response.content.decode()
    amounts = line_amounts(D(3), D("12.50"), D("12.5"), D(13))
    assert response.context["totals"]["total"] == amounts.total == D("37.08")
    assert '<div id="order-totals"' in html and "¥37.08" in html
    assert 'id="lines-0-amount" hx-swap-oob="true">¥37.08<' in html
    assert 'id="lines-1-amount" hx-swap-oob="true">—<' in html  # incomplete row
    assert not SalesOrder.objects.exists()


def test_product_search_and_customer_addresses(sales, data):
    response = sales.get(reverse("web:order_product_options"), {"product_search": "电缆"})
    html = response.content.decode()
    assert 'role="option"' in html and "CABLE-M" in html and "SKU-001" not in html
    assert 'data-price="3.20"' in html
    assert "Available: 50.00 米" in html  # in the default warehouse, Shanghai
    response = sales.get(reverse("web:order_product_options"),
                         {"product_search": "-", "warehouse": data["beijing"].pk})
    html = response.content.decode()
    assert html.index("CABLE-M") < html.index("SKU-001")  # by SKU
    assert "Not stocked in this warehouse" in html and "Available: 20 把" in html
    response = sales.get(reverse("web:order_product_options"), {"product_search": "sku-001"})
    assert response.content.decode().count('role="option"') == 1
    response = sales.get(reverse("web:order_product_options"), {"product_search": "nothing"})
    assert "No active product matches" in response.content.decode()
    response = sales.get(reverse("web:order_addresses"), {"customer": data["customer"].pk})
    html = response.content.decode()
    default = data["customer"].default_address
    assert f'<option value="{default.pk}" selected>' in html and "莫干山路 8 号" in html


def test_edit_pending_order_replaces_its_lines(sales, data):
    order = order_of(data, ("screwdriver", "1"), ("cable", "1"))
    page = sales.get(reverse("web:order_edit", args=[order.pk]))
    assert len(page.context["formset"].forms) == 2
    assert page.context["totals"]["total"] == order.total_amount
    response = sales.post(reverse("web:order_edit", args=[order.pk]), order_form(
        data, {"product": data["cable"].pk, "quantity": "7.25"}, customer=""))
    assert response.status_code == 302
    order.refresh_from_db()
    assert [(line.product, line.quantity) for line in order.lines.all()] == [
        (data["cable"], D("7.25"))]
    assert order.customer == data["customer"]  # fixed once the order exists


def test_only_pending_orders_can_be_edited(sales, data):
    order = approved_order(data, ("screwdriver", "1"))
    response = sales.get(reverse("web:order_edit", args=[order.pk]), follow=True)
    assert messages_of(response) == ["Only pending orders can be edited."]


# --- review and the rest of the order's life ---------------------------------------------

def test_approve_reserves_the_stock_and_records_history(reviewer, data):
    order = order_of(data, ("screwdriver", "4"), ("cable", "2.5"))
    response = reviewer.post(reverse("web:order_approve", args=[order.pk]), follow=True)
    assert messages_of(response) == ["Order approved; its stock is reserved."]
    page = response.context["page"]
    assert page.order.status == "approved"
    assert [line.reserved_quantity for line in page.order.line_list] == [D(4), D("2.5")]
    assert reserved(data["screwdriver"], data["shanghai"]) == D(4)
    assert [(h.from_status, h.to_status, h.actor_id and h.actor.username)
            for h in page.history] == [("", "pending", None),
                                       ("pending", "approved", "reviewer-web")]
    html = response.content.decode()
    assert "2.50" in html  # reserved cable, in its precision


def test_approve_with_short_stock_names_the_lines_and_reserves_nothing(reviewer, data):
    order = order_of(data, ("screwdriver", "4"), ("cable", "80"))
    response = reviewer.post(reverse("web:order_approve", args=[order.pk]), follow=True)
    assert response.redirect_chain == [(reverse("web:order_detail", args=[order.pk]), 302)]
    [message] = messages_of(response)
    assert "Not enough unreserved stock for 1 line(s):" in message
    assert "CABLE-M 电缆 in 上海仓: requested 80, available 50" in message
    order.refresh_from_db()
    assert order.status == "pending"
    assert reserved(data["screwdriver"], data["shanghai"]) == 0


def test_credit_limit_message_and_override(db):
    data = master_data(credit_limit=D("100"))
    order = order_of(data, ("screwdriver", "10"))  # 125.00
    reviewer = login("reviewer")
    page = reviewer.get(reverse("web:order_detail", args=[order.pk]))
    assert page.context["over_limit"]
    assert "override_credit" not in page.context["forms"]["approve"].fields
    [message] = messages_of(reviewer.post(reverse("web:order_approve", args=[order.pk]),
                                          follow=True))
    assert message == ("Credit limit exceeded: limit ¥100.00, current exposure ¥0.00 "
                       "(receivables ¥0.00 + open orders ¥0.00), this order ¥125.00 — "
                       "¥25.00 over the limit.")
    admin = login("admin")
    response = admin.post(reverse("web:order_approve", args=[order.pk]),
                          {"approve-override_credit": "on", "approve-reason": ""})
    assert response.context["forms"]["approve"].errors["reason"]
    order.refresh_from_db()
    assert order.status == "pending"
    admin.post(reverse("web:order_approve", args=[order.pk]),
               {"approve-override_credit": "on", "approve-reason": "老客户，月底回款"})
    order.refresh_from_db()
    assert (order.status, order.credit_override_reason) == ("approved", "老客户，月底回款")


@pytest.mark.parametrize(("action", "role", "status"), [
    ("reject", "reviewer", "rejected"), ("cancel", "sales", "cancelled")])
def test_reject_and_cancel_need_a_reason(data, action, role, status):
    client = login(role)
    order = order_of(data, ("screwdriver", "1"))
    url = reverse(f"web:order_{action}", args=[order.pk])
    response = client.post(url, {f"{action}-reason": ""})
    assert response.context["forms"][action].errors["reason"]
    order.refresh_from_db()
    assert order.status == "pending"
    response = client.post(url, {f"{action}-reason": "客户不要了"})
    order.refresh_from_db()
    assert (order.status, order.status_reason) == (status, "客户不要了")
    assert DocumentTransition.objects.filter(document_type="sales_order", document_id=order.pk,
                                             to_status=status, reason="客户不要了").exists()


def test_cancel_releases_and_close_short_completes(data, sales):
    cancelled = approved_order(data, ("screwdriver", "4"))
    sales.post(reverse("web:order_cancel", args=[cancelled.pk]), {"cancel-reason": "重复下单"})
    assert reserved(data["screwdriver"], data["shanghai"]) == 0
    order = approved_order(data, ("screwdriver", "10"))
    outbound = create_outbound(actor=None, order_id=order.pk, warehouse_id=data["shanghai"].pk,
                               lines=[{"order_line_id": order.lines.get().pk, "quantity": 6}])
    post_outbound(actor=None, outbound_id=outbound.pk)
    sales.post(reverse("web:order_close", args=[order.pk]), {"close-reason": "余数不发了"})
    order.refresh_from_db()
    assert order.status == "completed" and order.lines.get().closed_quantity == D(4)
    assert reserved(data["screwdriver"], data["shanghai"]) == 0


def test_a_stale_button_shows_the_invalid_transition(data, reviewer):
    order = approved_order(data, ("screwdriver", "1"))
    response = reviewer.post(reverse("web:order_reject", args=[order.pk]),
                             {"reject-reason": "晚了"}, follow=True)
    assert messages_of(response) == [
        "This document is “Approved” and cannot become “Rejected”; reload the page to see "
        "its current state."]
    order.refresh_from_db()
    assert order.status == "approved"


def test_action_urls_show_the_document_on_get(data, reviewer):
    # A refused form is shown at the action's URL; a reload or a language switch GETs it.
    order = order_of(data, ("screwdriver", "1"))
    response = reviewer.get(reverse("web:order_reject", args=[order.pk]))
    assert response["Location"] == reverse("web:order_detail", args=[order.pk])


def test_order_page_actions_follow_state_and_permissions(data, sales, reviewer):
    order = order_of(data, ("screwdriver", "1"))
    url = reverse("web:order_detail", args=[order.pk])
    assert set(sales.get(url).context["forms"]) == {"cancel"}
    assert sales.get(url).context["can_edit"]
    assert set(reviewer.get(url).context["forms"]) == {"approve", "reject"}
    shipped = shipped_order(data, ("screwdriver", "2"))
    page = sales.get(reverse("web:order_detail", args=[shipped.pk]))
    assert page.context["can_return"] and not page.context["can_ship"]
    assert [o.number for o in page.context["page"].outbounds] == [Outbound.objects.get().number]
    assert [i.number for i in page.context["page"].invoices] == [Invoice.objects.get().number]


# --- outbound ----------------------------------------------------------------------------

def test_queue_and_partial_outbound(warehouse_user, data):
    order = approved_order(data, ("screwdriver", "10"), ("cable", "5"))
    queue = warehouse_user.get(reverse("web:outbound_queue"))
    [row] = queue.context["page"].object_list
    assert (row["order_number"], row["open_quantity"]) == (order.number, D(15))
    assert not warehouse_user.get(reverse("web:outbound_queue"),
                                  {"warehouse": data["beijing"].pk}).context["page"].object_list
    url = reverse("web:outbound_create", args=[order.pk, data["shanghai"].pk])
    page = warehouse_user.get(url)
    screwdriver, cable = page.context["lines"].forms
    assert (screwdriver["quantity"].value(), cable["quantity"].value()) == (D(10), D("5.00"))
    response = warehouse_user.post(url, {
        f"{screwdriver.prefix}-quantity": "4", f"{cable.prefix}-quantity": "0",
        "planned_ship_date": "2030-01-05", "carrier": "顺丰速运", "tracking_number": "SF123",
        "note": ""})
    outbound = Outbound.objects.get()
    assert response["Location"] == reverse("web:outbound_detail", args=[outbound.pk])
    assert [(line.order_line.product, line.quantity) for line in outbound.lines.all()] == [
        (data["screwdriver"], D(4))]
    assert (outbound.carrier, outbound.tracking_number) == ("顺丰速运", "SF123")
    # What is on the draft is no longer offered.
    screwdriver = warehouse_user.get(url).context["lines"].forms[0]
    assert (screwdriver.free, screwdriver.drafted) == (D(6), D(4))


@pytest.mark.parametrize("quantities", [("11", "0"), ("0", "0"), ("1", "1.255")])
def test_outbound_errors_write_nothing(warehouse_user, data, quantities):
    order = approved_order(data, ("screwdriver", "10"), ("cable", "5"))
    url = reverse("web:outbound_create", args=[order.pk, data["shanghai"].pk])
    forms = warehouse_user.get(url).context["lines"].forms
    response = warehouse_user.post(url, {
        **{f"{form.prefix}-quantity": qty for form, qty in zip(forms, quantities, strict=True)},
        "planned_ship_date": "", "carrier": "", "tracking_number": "", "note": ""})
    assert response.status_code == 200
    lines = response.context["lines"].forms
    assert response.context["form"].errors or any(form.errors for form in lines)
    assert not Outbound.objects.exists()


def test_outbound_offers_only_what_is_still_free(warehouse_user, data):
    order = approved_order(data, ("screwdriver", "10"))
    url = reverse("web:outbound_create", args=[order.pk, data["shanghai"].pk])
    [form] = warehouse_user.get(url).context["lines"].forms
    # Meanwhile another outbound took 8: the page still offers 10.
    create_outbound(actor=None, order_id=order.pk, warehouse_id=data["shanghai"].pk,
                    lines=[{"order_line_id": form.line.pk, "quantity": 8}])
    response = warehouse_user.post(url, {f"{form.prefix}-quantity": "10"})
    [line] = response.context["lines"].forms
    assert line.errors["quantity"] == ["Ensure this value is less than or equal to 2."]
    assert Outbound.objects.count() == 1


def test_post_cancel_and_delivery_note(warehouse_user, data):
    order = approved_order(data, ("screwdriver", "3"))
    first = create_outbound(actor=None, order_id=order.pk, warehouse_id=data["shanghai"].pk,
                            lines=[{"order_line_id": order.lines.get().pk, "quantity": 1}])
    response = warehouse_user.post(reverse("web:outbound_cancel", args=[first.pk]),
                                   {"cancel-reason": "拣错货"}, follow=True)
    assert messages_of(response) == ["Outbound cancelled."]
    first.refresh_from_db()
    assert (first.status, first.cancel_reason) == ("cancelled", "拣错货")
    outbound = create_outbound(actor=None, order_id=order.pk, warehouse_id=data["shanghai"].pk)
    response = warehouse_user.post(reverse("web:outbound_post", args=[outbound.pk]), follow=True)
    assert messages_of(response) == [
        "Outbound posted: the stock is issued and the invoice raised."]
    outbound.refresh_from_db()
    assert outbound.status == "posted" and outbound.invoice is not None
    again = warehouse_user.post(reverse("web:outbound_post", args=[outbound.pk]), follow=True)
    assert "cannot become" in messages_of(again)[0]
    note = warehouse_user.get(reverse("web:delivery_note", args=[outbound.pk])).content.decode()
    assert order.number in note and "螺丝刀" in note and "window.print()" in note
    pdf = warehouse_user.get(reverse("web:delivery_note_pdf", args=[outbound.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="{outbound.number}.pdf"'
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert order.number in text and "螺丝刀" in text


def test_sales_cannot_post(sales, data):
    order = approved_order(data, ("screwdriver", "3"))
    outbound = create_outbound(actor=None, order_id=order.pk, warehouse_id=data["shanghai"].pk)
    assert sales.post(reverse("web:outbound_post", args=[outbound.pk])).status_code == 403
    outbound.refresh_from_db()
    assert outbound.status == "draft"


# --- returns -----------------------------------------------------------------------------

def return_post(forms, **per_line) -> dict:
    post = {"note": ""}
    for form in forms:
        values = {"quantity": "0", "expected_condition": "good", "reason": "",
                  "reason_text": "", **per_line.get(form.prefix, {})}
        post.update({f"{form.prefix}-{name}": value for name, value in values.items()})
    return post


def test_return_request_from_zero_then_approve_and_receive(data, sales, reviewer,
                                                          warehouse_user):
    order = shipped_order(data, ("screwdriver", "5"), ("cable", "2"))
    url = reverse("web:return_create", args=[order.pk])
    forms = sales.get(url).context["lines"].forms
    assert [form["quantity"].value() for form in forms] == [D(0), D("0.00")]
    # "Return all" fills each line with what it has left.
    assert [form["quantity"].field.widget.attrs["data-fill"] for form in forms] == ["5", "2.00"]
    response = sales.post(url, return_post(forms, **{forms[0].prefix: {
        "quantity": "2", "reason": "quality", "reason_text": "刀头松动"}}))
    sales_return = SalesReturn.objects.get()
    assert response["Location"] == reverse("web:return_detail", args=[sales_return.pk])
    [line] = sales_return.lines.all()
    assert (line.quantity, line.reason, line.reason_text) == (D(2), "quality", "刀头松动")

    detail = reverse("web:return_detail", args=[sales_return.pk])
    assert reviewer.get(detail).context["can_approve"]
    reviewer.post(reverse("web:return_approve", args=[sales_return.pk]))
    page = warehouse_user.get(detail)
    [receive_line] = page.context["receive_lines"].forms
    assert (receive_line["good_quantity"].value(),
            receive_line["damaged_quantity"].value()) == (D(2), D(0))
    on_hand = StockLevel.objects.get(product=data["screwdriver"], warehouse=data["shanghai"])
    response = warehouse_user.post(reverse("web:return_receive", args=[sales_return.pk]), {
        "receive-warehouse": "", f"{receive_line.prefix}-good_quantity": "1",
        f"{receive_line.prefix}-damaged_quantity": "1"}, follow=True)
    assert messages_of(response) == ["Return received; the credit note is raised."]
    sales_return.refresh_from_db()
    order.refresh_from_db()
    assert sales_return.status == "received" and order.return_status == "partial"
    assert sales_return.credit_note.total_amount == D("25.00")
    level = StockLevel.objects.get(product=data["screwdriver"], warehouse=data["shanghai"])
    assert level.on_hand == on_hand.on_hand + 1  # the damaged unit is written off


@pytest.mark.parametrize("line", [{"quantity": "6", "reason": "quality"},  # over returnable
                                  {"quantity": "1", "reason": ""},  # no reason
                                  {"quantity": "0", "reason": "quality"}])  # nothing
def test_return_request_errors_write_nothing(data, sales, line):
    order = shipped_order(data, ("screwdriver", "5"))
    url = reverse("web:return_create", args=[order.pk])
    [form] = sales.get(url).context["lines"].forms
    response = sales.post(url, return_post([form], **{form.prefix: line}))
    assert response.status_code == 200
    assert response.context["form"].errors or response.context["lines"].forms[0].errors
    assert not SalesReturn.objects.exists()


def test_return_only_on_shipped_orders(data, sales):
    order = approved_order(data, ("screwdriver", "5"))
    response = sales.get(reverse("web:return_create", args=[order.pk]), follow=True)
    assert messages_of(response) == ["Only shipped orders can have returns."]


def test_receive_errors_and_reject(data, reviewer, warehouse_user):
    order = shipped_order(data, ("screwdriver", "5"))
    line = order.lines.get()
    sales_return = create_return(actor=None, order_id=order.pk, lines=[
        {"order_line_id": line.pk, "quantity": 2, "reason": "wrong_item"}])
    response = reviewer.post(reverse("web:return_reject", args=[sales_return.pk]),
                             {"reject-reason": ""})
    assert response.context["reject_form"].errors["reason"]
    approve_return(actor=None, return_id=sales_return.pk)
    receive_line = warehouse_user.get(reverse(
        "web:return_detail", args=[sales_return.pk])).context["receive_lines"].forms[0]
    url = reverse("web:return_receive", args=[sales_return.pk])
    for good, damaged in (("2", "1"), ("0", "0")):
        response = warehouse_user.post(url, {f"{receive_line.prefix}-good_quantity": good,
                                             f"{receive_line.prefix}-damaged_quantity": damaged})
        assert response.status_code == 200
        assert (response.context["receive_form"].errors
                or response.context["receive_lines"].forms[0].errors)
    sales_return.refresh_from_db()
    assert sales_return.status == "approved" and not CreditNote.objects.exists()
    # A stale reject button on an approved return.
    response = reviewer.post(reverse("web:return_reject", args=[sales_return.pk]),
                             {"reject-reason": "太晚"}, follow=True)
    assert "cannot become" in messages_of(response)[0]


# --- receivables -------------------------------------------------------------------------

def test_record_payment_with_allocation(data, finance):
    shipped_order(data, ("screwdriver", "4"))  # invoice of 50.00
    shipped_order(data, ("screwdriver", "2"))  # invoice of 25.00
    first, second = Invoice.objects.order_by("id")
    url = reverse("web:payment_create")
    partial = finance.get(reverse("web:payment_allocations"), {"customer": data["customer"].pk})
    assert [form.invoice for form in partial.context["lines"].forms] == [first, second]
    response = finance.post(f"{url}?customer={data['customer'].pk}", {
        "customer": data["customer"].pk, "amount": "60.00", "method": "bank_transfer",
        "received_on": "2030-01-10", "reference": "BK-1", "note": "",
        f"invoice-{first.pk}-amount": "50", f"invoice-{second.pk}-amount": "10"})
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.amount, payment.reference) == (D("60.00"), "BK-1")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.open_amount) == ("paid", D("15.00"))


@pytest.mark.parametrize(("amount", "allocated", "where"), [
    ("20.00", "30", "__all__"),  # more allocated than received
    ("80.00", "60", "amount"),  # more than the invoice has open
    ("0", "", "amount"),  # refused by the service
])
def test_payment_errors_write_nothing(data, finance, amount, allocated, where):
    shipped_order(data, ("screwdriver", "4"))
    invoice = Invoice.objects.get()
    response = finance.post(reverse("web:payment_create"), {
        "customer": data["customer"].pk, "amount": amount, "method": "cash",
        "received_on": "2030-01-10", "reference": "", "note": "",
        f"invoice-{invoice.pk}-amount": allocated})
    assert response.status_code == 200
    errors = dict(response.context["form"].errors)
    errors.update(response.context["lines"].forms[0].errors)
    assert where in errors
    assert not Payment.objects.exists() and not PaymentAllocation.objects.exists()


def test_payment_allocated_later_and_taken_back(data, finance):
    shipped_order(data, ("screwdriver", "4"))  # invoice of 50.00
    invoice = Invoice.objects.get()
    response = finance.post(reverse("web:payment_create"), {
        "customer": data["customer"].pk, "amount": "80.00", "method": "cash",
        "received_on": "2030-01-10", "reference": "", "note": ""})
    payment = Payment.objects.get()
    assert response["Location"] == reverse("web:payment_detail", args=[payment.pk])
    page = finance.get(response["Location"])
    assert page.context["unallocated"] == D(80)
    allocate = reverse("web:payment_allocate", args=[payment.pk])
    refused = finance.post(allocate, {})  # nothing entered
    assert refused.context["form"].non_field_errors() == [
        "Enter the amount to allocate to at least one invoice."]
    refused = finance.post(allocate, {f"invoice-{invoice.pk}-amount": "60"})
    assert "amount" in refused.context["lines"].forms[0].errors  # only 50.00 open
    response = finance.post(allocate, {f"invoice-{invoice.pk}-amount": "50"}, follow=True)
    assert messages_of(response) == ["Payment allocated."]
    assert response.context["unallocated"] == D(30)
    invoice.refresh_from_db()
    assert invoice.status == "paid"

    allocation = PaymentAllocation.objects.get()
    response = finance.post(reverse("web:payment_unallocate", args=[payment.pk, allocation.pk]),
                            follow=True)
    assert messages_of(response) == ["Allocation taken back; the invoice is open again."]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.open_amount) == ("open", D(50))
    assert response.context["unallocated"] == D(80)
    assert finance.post(reverse("web:payment_unallocate", args=[payment.pk, allocation.pk])
                        ).status_code == 404  # already taken back


def test_customer_balance_reconciles_with_the_open_invoices(data, finance):
    order = shipped_order(data, ("screwdriver", "8"))  # invoice of 100.00
    note = received_return(order, "2").credit_note  # 25.00 of credit
    from wms_sales.finance.services import record_payment, refund_credit_note

    record_payment(actor=None, customer_id=data["customer"].pk, amount=D(70), method="cash",
                   allocations=[{"invoice_id": Invoice.objects.get().pk, "amount": D(40)}])
    refund_credit_note(actor=None, credit_note_id=note.pk, amount=D(5), method="cash")
    record_payment(actor=None, customer_id=data["customer"].pk, amount=D(-3), method="cash")
    account = finance.get(reverse("web:customer_detail", args=[data["customer"].pk])
                          ).context["account"]
    # 100 invoiced − 25 credited − (70 − 5 − 3) paid = 13; open 60 − 30 − 20 + 3 = 13.
    assert account.balance["balance"] == D(13)
    assert (account.aging["total"], account.balance["unallocated"], account.open_credit,
            account.refunds_on_account) == (D(60), D(30), D(20), D(3))
    assert (account.aging["total"] - account.balance["unallocated"] - account.open_credit
            + account.refunds_on_account) == account.balance["balance"]


def test_credit_note_apply_and_refund(data, finance):
    order = shipped_order(data, ("screwdriver", "4"))
    note = received_return(order, "2").credit_note  # 25.00
    url = reverse("web:credit_note_detail", args=[note.pk])
    invoice = Invoice.objects.get()
    assert list(finance.get(url).context["apply_form"].fields["invoice"].queryset) == [invoice]
    response = finance.post(reverse("web:credit_note_apply", args=[note.pk]),
                            {"apply-invoice": invoice.pk, "apply-amount": "30"})
    assert "amount" in response.context["apply_form"].errors  # more than the note has
    response = finance.post(reverse("web:credit_note_apply", args=[note.pk]),
                            {"apply-invoice": invoice.pk, "apply-amount": "10"}, follow=True)
    assert messages_of(response) == ["Credit applied to the invoice."]
    invoice.refresh_from_db()
    assert invoice.credited_amount == D(10)
    response = finance.post(reverse("web:credit_note_refund", args=[note.pk]),
                            {"refund-amount": "16", "refund-method": "cash"})
    assert "amount" in response.context["refund_form"].errors
    finance.post(reverse("web:credit_note_refund", args=[note.pk]),
                 {"refund-amount": "15", "refund-method": "alipay", "refund-reference": "R-1"})
    note.refresh_from_db()
    assert (note.status, note.refunded_amount) == ("used", D(15))
    assert Payment.objects.get().amount == D(-15)
    assert finance.get(url).context["apply_form"] is None


def test_customer_page_shows_the_account(data, finance, warehouse_user):
    order = shipped_order(data, ("screwdriver", "4"))  # 50.00 invoiced
    received_return(order, "1")  # 12.50 credited
    url = reverse("web:customer_detail", args=[data["customer"].pk])
    account = finance.get(url).context["account"]
    assert account.balance["invoiced"] == D(50) and account.balance["credited"] == D("12.50")
    assert account.balance["balance"] == D("37.50")
    assert account.aging["current"] == D(50) and account.aging["total"] == D(50)
    assert [i.order_ref for i in account.open_invoices] == [order.number]
    assert [n.order_ref for n in account.credit_notes] == [order.number]
    assert [o.number for o in account.orders] == [order.number]
    html = finance.get(url).content.decode()
    assert CUSTOMER_NAME in html and "37.50" in html and "Aging of open invoices" in html
    hidden = warehouse_user.get(url)
    assert hidden.context["account"].balance is None
    assert "Aging of open invoices" not in hidden.content.decode()


def test_invoice_list_and_detail(data, finance):
    order = shipped_order(data, ("screwdriver", "4"))
    invoice = Invoice.objects.get()
    response = finance.get(reverse("web:invoice_list"), {"status": "open"})
    assert list(response.context["page"].object_list) == [invoice]
    page = finance.get(reverse("web:invoice_detail", args=[invoice.pk])).content.decode()
    assert order.number in page and "螺丝刀" in page and "50.00" in page



def test_edit_form_shows_plain_numbers(sales, data):
    order = order_of(data, ("screwdriver", "10"), ("cable", "2.50"))
    html = sales.get(reverse("web:order_edit", args=[order.pk])).content.decode()
    assert 'name="lines-0-quantity" value="10"' in html
    assert 'name="lines-1-quantity" value="2.5"' in html
    assert 'name="lines-0-unit_price" value="12.5"' in html


def test_every_stock_change_stamps_the_level_updated_time(data, finance):
    long_ago = timezone.now() - timedelta(days=3)
    levels = StockLevel.objects.filter(product=data["screwdriver"], warehouse=data["shanghai"])
    levels.update(updated_at=long_ago)
    order = approved_order(data, ("screwdriver", "2"))  # reserves
    assert levels.get().updated_at > long_ago
    levels.update(updated_at=long_ago)
    outbound = create_outbound(actor=None, order_id=order.pk, warehouse_id=data["shanghai"].pk)
    post_outbound(actor=None, outbound_id=outbound.pk)  # issues
    level = levels.get()
    assert (level.on_hand, level.updated_at > long_ago) == (D(98), True)
    page = finance.get(reverse("web:stock_levels"), {"q": "SKU-001"})
    assert timezone.localtime(level.updated_at).strftime("%Y-%m-%d %H:%M") \
        in page.content.decode()


def test_printable_order_confirmation_and_invoice(data, settings):
    settings.WMS_COMPANY_NAME = "杭州示例仓储有限公司"
    order = shipped_order(data, ("screwdriver", "4"), ("cable", "2.5"))
    invoice = Invoice.objects.get()
    client = login("admin", "printer")
    for page_url, pdf_url, title in (
            (reverse("web:order_print", args=[order.pk]),
             reverse("web:order_pdf", args=[order.pk]), "Order confirmation"),
            (reverse("web:invoice_print", args=[invoice.pk]),
             reverse("web:invoice_pdf", args=[invoice.pk]), "Invoice")):
        html = client.get(page_url).content.decode()
        assert f"<h1>{title}</h1>" in html and "杭州示例仓储有限公司" in html
        assert order.number in html and "CABLE-M" in html
        pdf = client.get(pdf_url)
        assert pdf["Content-Type"] == "application/pdf"
        text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        assert "杭州示例仓储有限公司" in text and "螺丝刀" in text and "58.00" in text
    warehouse = login("warehouse", "no-invoices")
    assert warehouse.get(reverse("web:invoice_print", args=[invoice.pk])).status_code == 403


def test_delivery_note_numbers_lines_as_the_order_does(data, warehouse_user, settings):
    settings.WMS_COMPANY_NAME = ""
    order = approved_order(data, ("screwdriver", "4"), ("cable", "2"))
    cable = order.lines.get(line_no=2)
    outbound = create_outbound(actor=None, order_id=order.pk, warehouse_id=data["shanghai"].pk,
                               lines=[{"order_line_id": cable.pk, "quantity": D(1)}])
    html = warehouse_user.get(reverse("web:delivery_note", args=[outbound.pk])).content.decode()
    assert '<td class="num">2</td><td>CABLE-M</td>' in html  # the order's line 2, alone
    assert 'class="company"' not in html and "wms-sales" not in html


def test_order_note_is_bounded(sales, data):
    post = {**order_form(data, {"product": data["screwdriver"].pk, "quantity": "1"}),
            "note": "长" * 10_000}
    response = sales.post(reverse("web:order_create"), post)
    assert "note" in response.context["form"].errors
    assert 'maxlength="2000"' in response.content.decode()
    assert not SalesOrder.objects.exists()


def test_return_credit_and_ledger_notes_read_right_in_chinese(data):
    order = shipped_order(data, ("screwdriver", "4"))
    line = order.lines.get()
    sales_return = create_return(actor=None, order_id=order.pk, lines=[
        {"order_line_id": line.pk, "quantity": D(1), "reason": "quality"}])
    approve_return(actor=None, return_id=sales_return.pk)
    from wms_sales.returns.services import receive_return

    receive_return(actor=None, return_id=sales_return.pk, lines=[
        {"return_line_id": sales_return.lines.get().pk, "good_quantity": D(0),
         "damaged_quantity": D(1)}])
    client = login("admin", "zh-admin")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    ledger = client.get(reverse("web:ledger"), headers={"Accept-Language": "zh-hans"})
    html = ledger.content.decode()
    assert "退货残损报废" in html and "damaged return" not in html
    page = client.get(reverse("web:return_detail", args=[sales_return.pk]),
                      headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "贷项金额" in page and "信用" not in page


def test_payment_list_searches_number_and_reference(data, finance):
    from wms_sales.finance.services import record_payment

    first = record_payment(actor=None, customer_id=data["customer"].pk, amount=D(5),
                           method="cash", reference="BK-777")
    record_payment(actor=None, customer_id=data["customer"].pk, amount=D(6), method="cash")
    found = finance.get(reverse("web:payment_list"), {"q": "bk-777"}).context["page"]
    assert list(found.object_list) == [first]
    found = finance.get(reverse("web:payment_list"), {"q": first.number}).context["page"]
    assert list(found.object_list) == [first]
