"""Products and warehouses API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import assert_error, error_fields
from wms_sales.catalog.models import Product
from wms_sales.inventory.models import Warehouse


@pytest.fixture
def new_product(warehouse_api):
    def new_product(**fields):
        response = warehouse_api.post("products", {"sku": "P-1", "name": "扳手", **fields})
        assert response.status_code == 201, response.content
        return response.json_body

    return new_product


def test_product_create_list_update(new_product, warehouse_api, reviewer_api):
    created = new_product(sku=" P-1 ", list_price="12.5", unit="个", quantity_precision=2)
    assert (created["sku"], Decimal(created["list_price"]), created["active"]) \
        == ("P-1", Decimal("12.5"), True)
    new_product(sku="P-2", name="锤子 Hammer", active=False)

    listed = reviewer_api.get("products", q="hammer").json_body
    assert ([p["sku"] for p in listed["items"]], listed["count"]) == (["P-2"], 1)
    assert [p["sku"] for p in reviewer_api.get("products", active=True).json_body["items"]] \
        == ["P-1"]

    url = f"products/{created['id']}"
    changed = warehouse_api.patch(url, {"name": "活动扳手", "list_price": "15.80"}).json_body
    assert (changed["name"], changed["list_price"], changed["unit"]) == ("活动扳手", "15.80", "个")
    assert reviewer_api.get(url).json_body["list_price"] == "15.80"
    assert_error(reviewer_api.get("products/999999"), 404, "product_not_found")


def test_duplicate_sku_is_409(new_product, warehouse_api):
    new_product(sku="P-1")
    other = new_product(sku="P-2")
    assert_error(warehouse_api.post("products", {"sku": "P-1", "name": "x"}), 409, "duplicate_sku")
    assert_error(warehouse_api.patch(f"products/{other['id']}", {"sku": "P-1"}),
                 409, "duplicate_sku")
    assert list(Product.objects.values_list("sku", flat=True)) == ["P-1", "P-2"]


@pytest.mark.parametrize(("payload", "fields"), [
    ({"list_price": "-0.01"}, {"list_price"}),
    ({"list_price": "ten"}, {"list_price"}),
    ({"quantity_precision": 5}, {"quantity_precision"}),
    ({"sku": " ", "name": ""}, {"sku", "name"}),
])
def test_invalid_product_is_422(warehouse_api, payload, fields):
    assert error_fields(warehouse_api.post("products", {"sku": "P", "name": "n", **payload})) \
        == fields
    assert not Product.objects.exists()


def _defaults(api) -> list[str]:
    return [w["code"] for w in api.get("warehouses").json_body["items"] if w["is_default"]]


def test_warehouses_have_exactly_one_default(warehouse_api, reviewer_api):
    first = warehouse_api.post("warehouses", {"code": "WH-A", "name": "A 仓"})
    assert first.status_code == 201 and first.json_body["is_default"]  # the first one is default
    assert not warehouse_api.post("warehouses", {"code": "WH-B", "name": "B"}).json_body[
        "is_default"]
    third = warehouse_api.post("warehouses", {"code": "WH-C", "name": "C", "is_default": True})
    assert _defaults(reviewer_api) == ["WH-C"]

    b_id = Warehouse.objects.get(code="WH-B").pk
    assert warehouse_api.patch(f"warehouses/{b_id}", {"is_default": True}).status_code == 200
    assert _defaults(reviewer_api) == ["WH-B"]
    assert error_fields(warehouse_api.patch(f"warehouses/{b_id}", {"is_default": False})) \
        == {"is_default"}
    renamed = warehouse_api.patch(f"warehouses/{third.json_body['id']}",
                                  {"name": "C 仓", "active": False}).json_body
    assert (renamed["name"], renamed["active"], renamed["is_default"]) == ("C 仓", False, False)
    assert [w["code"] for w in reviewer_api.get("warehouses", active=False).json_body["items"]] \
        == ["WH-C"]
    assert _defaults(reviewer_api) == ["WH-B"]


def test_duplicate_or_empty_warehouse_code(warehouse_api, warehouse, second_warehouse):
    assert_error(warehouse_api.post("warehouses", {"code": "WH-SH", "name": "x"}),
                 409, "duplicate_code")
    assert_error(warehouse_api.patch(f"warehouses/{second_warehouse.pk}", {"code": "WH-SH"}),
                 409, "duplicate_code")
    assert error_fields(warehouse_api.post("warehouses", {"code": "", "name": "x"})) == {"code"}
    assert Warehouse.objects.count() == 2
