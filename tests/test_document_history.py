"""One lifecycle, one history (issue #11): every state change of every document type writes a
history row with actor, time and reason; the history endpoints; the migration of the orders'
old history; the history panel of each document page."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import ApiClient, assert_error
from web_documents_data import master_data
from wms_sales.accounts.services import create_user, issue_token
from wms_sales.customers.services import deactivate_customer, update_customer
from wms_sales.finance.models import Invoice
from wms_sales.finance.services import (
    allocate_payment,
    apply_credit_note,
    record_payment,
    refund_credit_note,
    unallocate_payment,
)
from wms_sales.lifecycle.models import DocumentTransition
from wms_sales.orders.services import approve_order, create_order
from wms_sales.outbound.services import cancel_outbound, create_outbound, post_outbound
from wms_sales.returns.services import approve_return, create_return, receive_return

D = Decimal
Row = tuple[str, str, str, str | None, str]  # event, from, to, actor, reason


@pytest.fixture
def people(db) -> dict[str, Any]:
    return {role: create_user(username=f"{role}-h", role=role, password="pw-12345678")
            for role in ("sales", "reviewer", "warehouse", "finance")}


@pytest.fixture
def documents(db, people) -> dict[str, Any]:
    """One of each document type, taken through its life by the people of each role."""
    # The API gives times to the millisecond (cut, not rounded): a row written within the
    # same millisecond as this reads back earlier than the full-precision time.
    now = timezone.now()
    started = now.replace(microsecond=now.microsecond // 1000 * 1000)
    data = master_data()
    sales, reviewer, storekeeper, finance = (people[r] for r in
                                             ("sales", "reviewer", "warehouse", "finance"))
    order = create_order(actor=sales, customer_id=data["customer"].pk, lines=[
        {"product_id": data["screwdriver"].pk, "quantity": D(4)}])
    approve_order(actor=reviewer, order_id=order.pk)
    line = order.lines.get()
    dropped = create_outbound(actor=storekeeper, order_id=order.pk,
                              warehouse_id=data["shanghai"].pk,
                              lines=[{"order_line_id": line.pk, "quantity": D(1)}])
    cancel_outbound(actor=storekeeper, outbound_id=dropped.pk, reason="装错车")
    outbound = create_outbound(actor=storekeeper, order_id=order.pk,
                               warehouse_id=data["shanghai"].pk)
    post_outbound(actor=storekeeper, outbound_id=outbound.pk)
    sales_return = create_return(actor=sales, order_id=order.pk, lines=[
        {"order_line_id": line.pk, "quantity": D(1), "reason": "quality"}])
    approve_return(actor=reviewer, return_id=sales_return.pk)
    sales_return = receive_return(actor=storekeeper, return_id=sales_return.pk)
    invoice = Invoice.objects.get(source_id=outbound.pk)
    payment = record_payment(actor=finance, customer_id=data["customer"].pk,
                             amount=D("20.00"), method="bank_transfer")
    allocate_payment(actor=finance, payment_id=payment.pk,
                     allocations=[{"invoice_id": invoice.pk, "amount": D("10.00")}])
    unallocate_payment(actor=finance, payment_id=payment.pk,
                       allocation_id=payment.allocations.get().pk)
    note = sales_return.credit_note
    apply_credit_note(actor=finance, credit_note_id=note.pk, invoice_id=invoice.pk,
                      amount=D("5.00"))
    refund = refund_credit_note(actor=finance, credit_note_id=note.pk, amount=D("7.50"))
    deactivate_customer(actor=finance, customer_id=data["customer"].pk)
    update_customer(actor=finance, customer_id=data["customer"].pk, status="active")
    return {"order": order, "dropped": dropped, "outbound": outbound,
            "return": sales_return, "invoice": invoice, "payment": payment, "note": note,
            "refund": refund, "customer": data["customer"], "started": started,
            "ended": timezone.now()}


def api_of(user) -> ApiClient:
    return ApiClient(issue_token(user=user))


def history(api: ApiClient, path: str) -> list[dict[str, Any]]:
    response = api.get(path)
    assert response.status_code == 200, response.content
    body = response.json_body
    assert body["count"] == len(body["items"])
    return body["items"]


def rows(entries: list[dict[str, Any]]) -> list[Row]:
    return [(e["event"], e["from_status"], e["to_status"], e["actor"], e["reason"])
            for e in entries]


def test_every_state_change_of_every_document_is_one_history_row(documents, people):
    d = documents
    api = api_of(people["finance"])  # may read every document type
    ob, dropped, rt, note = d["outbound"], d["dropped"], d["return"], d["note"]
    expected: dict[str, list[Row]] = {
        f"orders/{d['order'].pk}/history": [
            ("created", "", "pending", "sales-h", ""),
            ("approved", "pending", "approved", "reviewer-h", ""),
            ("completed", "approved", "completed", "warehouse-h", ob.number)],
        f"outbounds/{dropped.pk}/history": [
            ("created", "", "draft", "warehouse-h", ""),
            ("cancelled", "draft", "cancelled", "warehouse-h", "装错车")],
        f"outbounds/{ob.pk}/history": [
            ("created", "", "draft", "warehouse-h", ""),
            ("posted", "draft", "posted", "warehouse-h", "")],
        f"returns/{rt.pk}/history": [
            ("requested", "", "requested", "sales-h", ""),
            ("approved", "requested", "approved", "reviewer-h", ""),
            ("received", "approved", "received", "warehouse-h", "")],
        f"credit-notes/{note.pk}/history": [
            ("issued", "", "open", "warehouse-h", rt.number),
            ("applied", "open", "partially_used", "finance-h", d["invoice"].number),
            ("refunded", "partially_used", "used", "finance-h", d["refund"].number)],
        f"payments/{d['payment'].pk}/history": [
            ("recorded", "", "unallocated", "finance-h", ""),
            ("allocated", "unallocated", "partially_allocated", "finance-h", ""),
            ("unallocated", "partially_allocated", "unallocated", "finance-h",
             d["invoice"].number)],
        f"payments/{d['refund'].pk}/history": [
            ("refunded", "", "refund", "finance-h", note.number)],
        f"customers/{d['customer'].pk}/history": [
            ("created", "", "active", None, ""),  # master data: made by the system
            ("deactivated", "active", "inactive", "finance-h", ""),
            ("activated", "inactive", "active", "finance-h", "")],
    }
    for path, wanted in expected.items():
        entries = history(api, path)
        assert rows(entries) == wanted, path
        times = [datetime.fromisoformat(e["at"]) for e in entries]
        assert times == sorted(times), path
        assert all(d["started"] <= t <= d["ended"] for t in times), path


def test_the_document_carries_the_stamp_its_history_row_has(documents):
    d = documents
    order, sales_return, outbound = d["order"], d["return"], d["outbound"]
    order.refresh_from_db()
    sales_return.refresh_from_db()
    outbound.refresh_from_db()

    def entry(document_type: str, document_id: int, to_status: str) -> DocumentTransition:
        return DocumentTransition.objects.get(document_type=document_type,
                                              document_id=document_id, to_status=to_status)

    approved = entry("sales_order", order.pk, "approved")
    assert (order.reviewed_by_id, order.reviewed_at) == (approved.actor_id, approved.at)
    received = entry("sales_return", sales_return.pk, "received")
    assert (sales_return.received_by_id, sales_return.received_at) == (received.actor_id,
                                                                       received.at)
    reviewed = entry("sales_return", sales_return.pk, "approved")
    assert (sales_return.reviewed_by_id, sales_return.reviewed_at) == (reviewed.actor_id,
                                                                       reviewed.at)
    assert outbound.posted_by_id == entry("outbound", outbound.pk, "posted").actor_id


def test_an_invalid_transition_writes_no_history(documents, people):
    api = api_of(people["warehouse"])
    before = DocumentTransition.objects.count()
    response = api.post(f"outbounds/{documents['dropped'].pk}/post", {})
    assert assert_error(response, 409, "invalid_transition")["details"] == {
        "from": "cancelled", "to": "posted"}
    assert DocumentTransition.objects.count() == before


def test_history_pages_with_limit_and_offset(documents, people):
    api = api_of(people["reviewer"])
    path = f"returns/{documents['return'].pk}/history"
    body = api.get(path, limit=1, offset=1).json_body
    assert body["count"] == 3
    assert rows(body["items"]) == [("approved", "requested", "approved", "reviewer-h", "")]


HISTORY_PATHS = {  # path → code of the 404
    "orders": "order_not_found", "outbounds": "outbound_not_found",
    "returns": "return_not_found", "credit-notes": "credit_note_not_found",
    "payments": "payment_not_found", "customers": "customer_not_found"}


@pytest.mark.parametrize("documents_path", HISTORY_PATHS)
def test_history_of_an_unknown_document_is_404(people, documents_path):
    error = assert_error(api_of(people["finance"]).get(f"{documents_path}/999999/history"),
                         404, HISTORY_PATHS[documents_path])
    assert "999999" in error["message"]


@pytest.mark.parametrize("documents_path", HISTORY_PATHS)
def test_history_needs_the_permission_to_read_the_document(documents, documents_path):
    ids = {"orders": documents["order"].pk, "outbounds": documents["outbound"].pk,
           "returns": documents["return"].pk, "credit-notes": documents["note"].pk,
           "payments": documents["payment"].pk, "customers": documents["customer"].pk}
    nobody = get_user_model().objects.create_user(username="no-role", password="pw-12345678")
    path = f"{documents_path}/{ids[documents_path]}/history"
    assert_error(api_of(nobody).get(path), 403, "permission_denied")


@pytest.mark.parametrize("documents_path", ["credit-notes", "payments"])
def test_the_warehouse_cannot_read_the_history_of_money(documents, people, documents_path):
    ids = {"credit-notes": documents["note"].pk, "payments": documents["payment"].pk}
    response = api_of(people["warehouse"]).get(f"{documents_path}/{ids[documents_path]}/history")
    assert_error(response, 403, "permission_denied")


def test_history_endpoints_and_their_errors_are_in_the_openapi_document(db):
    schema = Client().get("/api/v1/openapi.json").json()
    paths = {"/api/v1/orders/{order_id}/history", "/api/v1/outbounds/{outbound_id}/history",
             "/api/v1/returns/{return_id}/history",
             "/api/v1/credit-notes/{credit_note_id}/history",
             "/api/v1/payments/{payment_id}/history",
             "/api/v1/customers/{customer_id}/history"}
    for path in paths:
        responses = schema["paths"][path]["get"]["responses"]
        assert {"200", "401", "403", "404", "422"} <= set(responses), path
        item = responses["200"]["content"]["application/json"]["schema"]
        assert "$ref" in item or "properties" in item, path


# --- the orders' old history, migrated ---------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_orders_old_history_moves_into_the_document_history():
    before = [("orders", "0001_initial"), ("lifecycle", "0001_initial")]
    after = [("orders", "0002_document_history")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        user = old.get_model(settings.AUTH_USER_MODEL).objects.create(username="old-reviewer")
        customer = old.get_model("customers", "Customer").objects.create(code="C-OLD",
                                                                         name="老客户")
        warehouse = old.get_model("inventory", "Warehouse").objects.create(code="WH-OLD",
                                                                           name="老仓")
        order = old.get_model("orders", "SalesOrder").objects.create(
            number="SO-OLD-1", customer=customer, warehouse=warehouse,
            order_date=timezone.localdate())
        transitions = old.get_model("orders", "OrderTransition")
        transitions.objects.create(order=order, from_status="", to_status="pending")
        transitions.objects.create(order=order, from_status="pending", to_status="rejected",
                                   actor=user, reason="价格不对")
        old_times = list(transitions.objects.order_by("id").values_list("at", flat=True))

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps
        migrated = list(new.get_model("lifecycle", "DocumentTransition").objects
                        .filter(document_type="sales_order", document_id=order.pk)
                        .order_by("at", "id")
                        .values_list("event", "from_status", "to_status", "actor_id", "reason",
                                     "at"))
        assert migrated == [("created", "", "pending", None, "", old_times[0]),
                            ("rejected", "pending", "rejected", user.pk, "价格不对",
                             old_times[1])]
        assert "orders_ordertransition" not in connection.introspection.table_names()

        executor = MigrationExecutor(connection)  # and back: the rows return, times kept
        executor.migrate(before)
        back = executor.loader.project_state(before).apps
        assert list(back.get_model("orders", "OrderTransition").objects.order_by("id")
                    .values_list("from_status", "to_status", "actor_id", "reason", "at")) == [
            ("", "pending", None, "", old_times[0]),
            ("pending", "rejected", user.pk, "价格不对", old_times[1])]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


# --- the history panel of each document page -----------------------------------------------

def web_client(user, language: str = "en") -> Client:
    client = Client(headers={"Accept-Language": language})
    client.force_login(user)
    return client


def test_each_document_page_shows_its_history(documents, people):
    d = documents
    client = web_client(people["finance"])
    pages = {  # url → what its panel must show (a translated state, the actor)
        reverse("web:order_detail", args=[d["order"].pk]): ("Approved", "reviewer-h"),
        reverse("web:outbound_detail", args=[d["dropped"].pk]): ("Cancelled", "装错车"),
        reverse("web:return_detail", args=[d["return"].pk]): ("Received", "warehouse-h"),
        reverse("web:credit_note_detail", args=[d["note"].pk]): ("Partially used",
                                                                 d["invoice"].number),
        reverse("web:payment_detail", args=[d["payment"].pk]): ("Partially allocated",
                                                               "finance-h"),
        reverse("web:customer_detail", args=[d["customer"].pk]): ("Inactive", "finance-h"),
    }
    for url, shown in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        panel = html[html.index('<table class="striped history">'):]
        panel = panel[:panel.index("</table>")]
        assert all(text in panel for text in shown), (url, shown)
        assert panel.count("<tr>") == len(response.context["history"]) + 1, url  # + head


def test_the_history_panel_speaks_chinese(documents, people):
    client = web_client(people["finance"], "zh-hans")
    html = client.get(reverse("web:payment_detail", args=[documents["payment"].pk]),
                      headers={"Accept-Language": "zh-hans"}).content.decode()
    panel = html[html.index('<table class="striped history">'):]
    assert "历史记录" in html and "部分核销" in panel and "未核销" in panel
