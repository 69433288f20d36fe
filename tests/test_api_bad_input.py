"""Bad input is always a 4xx in the error shape, and nothing is stored (issue #10 §2)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from conftest import assert_error, error_fields
from wms_sales.catalog.models import Product
from wms_sales.common.errors import error_body
from wms_sales.common.numbering import format_document_number
from wms_sales.common.schemas import MAX_TEXT_LENGTH
from wms_sales.customers.models import Customer, CustomerAddress
from wms_sales.finance.models import Payment
from wms_sales.inventory.models import StockMove, Warehouse
from wms_sales.orders.models import SalesOrder

pytest_plugins = ["orders_fixtures"]

SURROGATE = '"\\ud800x"'  # JSON text of a string holding a lone surrogate


def raw_post(api, path: str, body_json: str):
    """POST a JSON text as it is (json.dumps would refuse to write a lone surrogate)."""
    return api.request("post", path, body_json)


def test_lone_surrogates_are_422_naming_the_field_everywhere(admin_api, customer, product,
                                                           warehouse):
    cases = {
        "customers": (f'{{"name": {SURROGATE}}}', "name"),
        "products": (f'{{"sku": "S-1", "name": {SURROGATE}, "list_price": "1"}}', "name"),
        "warehouses": (f'{{"code": "W-9", "name": {SURROGATE}}}', "name"),
        f"customers/{customer.pk}/addresses": (f'{{"line": {SURROGATE}}}', "line"),
        "orders": (f'{{"customer_id": {customer.pk}, "note": {SURROGATE}, "lines": '
                   f'[{{"product_id": {product.pk}, "quantity": "1"}}]}}', "note"),
        "payments": (f'{{"customer_id": {customer.pk}, "amount": "1", '
                     f'"reference": {SURROGATE}}}', "reference"),
        "stock/moves": (f'{{"product_id": {product.pk}, "warehouse_id": {warehouse.pk}, '
                        f'"quantity": "1", "note": {SURROGATE}}}', "note"),
    }
    before = (Customer.objects.count(), Product.objects.count(), Warehouse.objects.count(),
              CustomerAddress.objects.count())
    for path, (body, field) in cases.items():
        response = raw_post(admin_api, path, body)
        assert error_fields(response) == {field}, (path, response.content)
    nested = raw_post(admin_api, "orders", f'{{"customer_id": {customer.pk}, "lines": '
                      f'[{{"product_id": {product.pk}, "quantity": {SURROGATE}}}]}}')
    assert error_fields(nested) == {"lines[0].quantity"}
    assert before == (Customer.objects.count(), Product.objects.count(),
                      Warehouse.objects.count(), CustomerAddress.objects.count())
    assert not SalesOrder.objects.exists() and not Payment.objects.exists()
    assert not StockMove.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("customer_id", True), ("customer_id", "1_0"),
                                              ("customer_id", "١")])
def test_ids_are_integers(sales_api, customer, product, field, value):
    body = {"customer_id": customer.pk, "lines": [{"product_id": product.pk, "quantity": "1"}]}
    body[field] = value
    assert error_fields(sales_api.post("orders", body)) == {field}
    body = {"customer_id": customer.pk, "lines": [{"product_id": True, "quantity": "1"}]}
    assert error_fields(sales_api.post("orders", body)) == {"lines.0.product_id"}
    assert not SalesOrder.objects.exists()


def test_a_refused_body_names_every_bad_field_at_once(sales_api, customer, product):
    """The strict checks and pydantic's own type checks report together, line by line."""
    body = {"customer_id": "١", "note": 5, "requested_delivery_date": 0,
            "lines": [{"product_id": product.pk, "quantity": "1"},
                      {"product_id": True, "quantity": "x", "discount_percent": "1_0"},
                      {"product_id": "abc", "quantity": True, "warehouse_id": [1]},
                      {"quantity": "2"}]}
    response = sales_api.post("orders", body)
    assert error_fields(response) == {
        "customer_id", "note", "requested_delivery_date", "lines.1.product_id",
        "lines.1.quantity", "lines.1.discount_percent", "lines.2.product_id",
        "lines.2.quantity", "lines.2.warehouse_id", "lines.3.product_id"}
    integer, decimal = "Must be an integer written with the digits 0-9.", \
        "Must be a decimal number written with the digits 0-9 and a dot."
    assert response.json()["error"]["details"]["fields"] == {
        "customer_id": [f"Value error, {integer}"],
        "lines.1.product_id": ["Value error, Must be an integer, not a boolean."],
        "lines.1.quantity": [f"Value error, {decimal}"],
        "lines.1.discount_percent": [f"Value error, {decimal}"],
        "lines.2.product_id": [f"Value error, {integer}"],
        "lines.2.quantity": ["Value error, Must be a number, not a boolean."],
        "lines.2.warehouse_id": ["Input should be a valid integer"],
        "lines.3.product_id": ["Field required"],
        "requested_delivery_date": ["Value error, Must be a date written as YYYY-MM-DD."],
        "note": ["Input should be a valid string"]}
    assert not SalesOrder.objects.exists()


def test_every_line_wrong_is_one_readable_message_and_every_field_in_details(sales_api,
                                                                            customer, product):
    """600 bad lines: the message names a few fields within the documented string length
    (found by schemathesis), details.fields still names all 1,200."""
    lines = [{"product_id": product.pk, "quantity": "x", "discount_percent": "y"}] * 600
    response = sales_api.post("orders", {"customer_id": customer.pk, "lines": lines})
    error = assert_error(response, 422, "validation_error")
    assert len(error["details"]["fields"]) == 1200
    assert error["message"].startswith("lines.0.quantity: Value error, Must be a decimal")
    assert error["message"].endswith("; and 1195 more fields (see details.fields).")
    assert len(error["message"]) < 1000
    assert not SalesOrder.objects.exists()


def test_an_error_message_is_never_longer_than_the_documented_string():
    message = error_body("not_found", "x" * 10_000)["error"]["message"]
    assert len(message) == MAX_TEXT_LENGTH and message.endswith("…")
    assert error_body("not_found", "short")["error"]["message"] == "short"


@pytest.mark.parametrize("amount", ["1_0", "١٢", "１", "1e", "NaN", "Infinity", True, " "])
def test_decimals_are_ascii_numbers(finance_api, customer, amount):
    response = finance_api.post("payments", {"customer_id": customer.pk, "amount": amount})
    assert error_fields(response) == {"amount"}
    assert not Payment.objects.exists()


@pytest.mark.parametrize("amount", ["10", "10.5", 10, 10.5, "1E+1"])
def test_ascii_decimals_and_numbers_are_accepted(finance_api, customer, amount):
    response = finance_api.post("payments", {"customer_id": customer.pk, "amount": amount})
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("value", [0, 1700000000, "20240101", "2024-1-1", "0001-01-01",
                                   "9999-12-31", "2024-02-30", True])
def test_dates_are_iso_and_sane(finance_api, customer, value):
    response = finance_api.post("payments", {"customer_id": customer.pk, "amount": "1",
                                             "received_on": value})
    assert error_fields(response) == {"received_on"}
    assert not Payment.objects.exists()


@pytest.mark.parametrize("query", ["date_to=0.0", "date_from=0", "date_to=2024-1-1",
                                   "date_from=0001-01-01"])
def test_date_query_parameters_are_iso(sales_api, query):
    assert_error(sales_api.get(f"/api/v1/orders?{query}"), 422, "validation_error")


def test_balance_as_of_is_iso(finance_api, customer):
    response = finance_api.get(f"/api/v1/customers/{customer.pk}/balance?as_of=0")
    assert_error(response, 422, "validation_error")


@pytest.mark.parametrize("days", [-1, 3651, 1_000_000_000, True])
def test_payment_terms_are_bounded(admin_api, customer, days):
    assert error_fields(admin_api.post("customers", {"name": "X", "payment_terms_days": days})
                        ) == {"payment_terms_days"}
    assert error_fields(admin_api.patch(f"customers/{customer.pk}",
                                        {"payment_terms_days": days})) == {"payment_terms_days"}
    customer.refresh_from_db()
    assert customer.payment_terms_days == 30 and Customer.objects.count() == 1


def test_payment_terms_bound_holds_in_the_service_too(customer):
    from wms_sales.common.errors import ValidationFailed
    from wms_sales.customers.services import update_customer

    with pytest.raises(ValidationFailed):
        update_customer(actor=None, customer_id=customer.pk, payment_terms_days=3651)


def test_document_numbers_keep_eight_digit_dates():
    assert format_document_number("PAY", date(1, 1, 1), 1).startswith("PAY00010101")
    assert format_document_number("PAY", date(999, 12, 31), 12).startswith("PAY09991231")
    assert format_document_number("PAY", date(2026, 1, 5), 3).startswith("PAY20260105")


def test_a_huge_note_is_refused_and_nothing_is_stored(sales_api, customer, product):
    body = {"customer_id": customer.pk, "note": "x" * 20_000,
            "lines": [{"product_id": product.pk, "quantity": "1"}]}
    assert error_fields(sales_api.post("orders", body)) == {"note"}
    assert not SalesOrder.objects.exists()


def test_text_longer_than_its_column_is_refused_on_every_database(sales_api, customer, product,
                                                                 warehouse):
    body = {"customer_id": customer.pk, "delivery_address": "路" * 401,
            "lines": [{"product_id": product.pk, "quantity": "1"}]}
    assert error_fields(sales_api.post("orders", body)) == {"delivery_address"}
    assert not SalesOrder.objects.exists()


@override_settings(WMS_MAX_REQUEST_BYTES=1000)
def test_bodies_over_the_configured_limit_are_413(sales_api, customer, product):
    body = {"customer_id": customer.pk, "note": "x" * 2000,
            "lines": [{"product_id": product.pk, "quantity": "1"}]}
    error = assert_error(sales_api.post("orders", body), 413, "request_too_large")
    assert error["details"] == {"max_bytes": 1000}
    assert not SalesOrder.objects.exists()


def test_a_60_mb_body_is_413_in_the_error_shape(sales_api):
    response = sales_api.request("post", "orders", "x" * (60 * 1024 * 1024))
    assert_error(response, 413, "request_too_large")


def test_every_answer_under_api_is_json(sales_api, anonymous_api):
    assert_error(sales_api.get("/api/v1/nope"), 404, "not_found")
    assert_error(sales_api.get("/api/nope"), 404, "not_found")
    not_allowed = sales_api.request("put", "orders")
    assert_error(not_allowed, 405, "method_not_allowed")
    assert "GET" in not_allowed["Allow"]
    assert_error(sales_api.request("post", "orders", "{not json"), 400, "invalid_json")
    assert_error(anonymous_api.get("orders"), 401, "not_authenticated")


def test_a_bogus_session_cookie_is_401_not_a_csrf_403(anonymous_api):
    anonymous_api.client.cookies["sessionid"] = "bogus"
    response = anonymous_api.post("customers", {"name": "X"})
    assert_error(response, 401, "not_authenticated")
    assert not Customer.objects.exists()


def test_a_logged_in_session_still_needs_its_csrf_token(anonymous_api):
    from wms_sales.accounts.services import create_user

    create_user(username="web", role="admin", password="pw-12345678")
    anonymous_api.client.force_login(User.objects.get(username="web"))
    assert_error(anonymous_api.post("customers", {"name": "X"}), 403, "permission_denied")
    assert not Customer.objects.exists()


def test_decimals_render_at_the_column_scale_in_post_and_get(finance_api, admin_api, customer,
                                                             product, warehouse):
    posted = finance_api.post("payments", {"customer_id": customer.pk, "amount": "1"})
    assert posted.json_body["amount"] == "1.00"
    fetched = finance_api.get(f"payments?customer_id={customer.pk}").json_body["items"][0]
    assert fetched["amount"] == posted.json_body["amount"]
    created = admin_api.post("products", {"sku": "P-2", "name": "P", "list_price": 5})
    assert created.json_body["list_price"] == admin_api.get(
        f"products/{created.json_body['id']}").json_body["list_price"] == "5.00"
    move = admin_api.post("stock/moves", {"product_id": product.pk, "warehouse_id": warehouse.pk,
                                          "quantity": "2"})
    assert move.status_code == 201, move.content
    listed = admin_api.get(f"stock/moves?product_id={product.pk}").json_body["items"][0]
    assert json.dumps(move.json_body["quantity"]) == json.dumps(listed["quantity"])


def test_openapi_documents_errors_and_limits(anonymous_api):
    schema = anonymous_api.get("/api/v1/openapi.json").json_body
    create_order = schema["paths"]["/api/v1/orders"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "413", "414", "422", "431", "503"} <= set(
        create_order)
    assert "text/html" in create_order["414"]["content"]
    summary = schema["paths"]["/api/v1/reports/summary"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(summary)
    approve = schema["paths"]["/api/v1/orders/{order_id}/approve"]["post"]["responses"]
    assert {"404", "409"} <= set(approve)
    assert "ErrorOut" in json.dumps(create_order["422"])
    terms = schema["components"]["schemas"]["CustomerIn"]["properties"]["payment_terms_days"]
    assert (terms["minimum"], terms["maximum"]) == (0, 3650)
    note = schema["components"]["schemas"]["OrderIn"]["properties"]["note"]
    assert note["maxLength"] == 4000
