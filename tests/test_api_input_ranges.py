"""Values beyond what the columns hold are 422s, never 500s, and write nothing (found by
fuzzing the OpenAPI schema with schemathesis)."""

from __future__ import annotations

import pytest

from conftest import assert_error
from wms_sales.inventory.models import StockLevel, StockMove

HUGE_ID = 2**70


@pytest.mark.parametrize("path", [f"credit-notes?customer_id={HUGE_ID}",
                                  f"stock?product_id={HUGE_ID}",
                                  f"orders?customer_id={HUGE_ID}"])
def test_ids_beyond_64_bits_are_not_server_errors(admin_api, path):
    response = admin_api.get(path)
    assert response.status_code in (200, 422), response.content[:300]


@pytest.mark.parametrize("quantity", ["1E+30", "100000000000000", "-1E+20"])
def test_quantities_beyond_the_columns_are_refused(admin_api, product, warehouse, quantity):
    response = admin_api.post("stock/moves", {"product_id": product.pk,
                                              "warehouse_id": warehouse.pk,
                                              "quantity": quantity, "reason": "receipt"})
    assert_error(response, 422, "validation_error")
    assert not StockMove.objects.exists() and not StockLevel.objects.filter(on_hand__gt=0).exists()
    assert admin_api.get("stock").status_code == 200


@pytest.mark.parametrize("amount", ["1E+30", "10000000000000000", "0.001"])
def test_payment_amounts_beyond_the_columns_are_refused(finance_api, amount):
    from wms_sales.customers.services import create_customer

    customer = create_customer(actor=None, name="Range")
    response = finance_api.post("payments", {"customer_id": customer.pk, "amount": amount})
    assert_error(response, 422, "validation_error")


def test_ids_beyond_64_bits_in_a_body_are_not_server_errors(admin_api, product, warehouse):
    from wms_sales.customers.services import create_customer

    customer = create_customer(actor=None, name="Range")
    order = admin_api.post("orders", {"customer_id": customer.pk, "lines": [
        {"product_id": product.pk, "quantity": "1"}]})
    assert order.status_code == 201, order.content[:300]
    for path, body in [
            ("outbounds", {"order_id": order.json_body["id"], "warehouse_id": HUGE_ID}),
            ("outbounds", {"order_id": HUGE_ID, "warehouse_id": warehouse.pk}),
            ("orders", {"customer_id": customer.pk, "delivery_address_id": HUGE_ID,
                        "lines": [{"product_id": product.pk, "quantity": "1"}]}),
            ("orders", {"customer_id": customer.pk, "warehouse_id": HUGE_ID,
                        "lines": [{"product_id": product.pk, "quantity": "1"}]})]:
        response = admin_api.post(path, body)
        assert response.status_code in (404, 409, 422), (path, body, response.content[:300])
