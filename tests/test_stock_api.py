"""Stock API: receipts, adjustments, stocktakes, levels and the ledger."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import assert_error, error_fields, receive
from wms_sales.inventory.models import StockLevel, StockMove


@pytest.fixture
def post_move(warehouse_api, product, warehouse):
    def post_move(quantity, **fields):
        return warehouse_api.post("stock/moves", {
            "product_id": product.pk, "warehouse_id": warehouse.pk, "quantity": quantity,
            **fields})

    return post_move


def level_of(product, warehouse) -> tuple[Decimal, Decimal]:
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    return level.on_hand, level.reserved


def test_receipt_raises_level_and_writes_move(post_move, warehouse_api, product, warehouse):
    first = post_move("10", source_ref="PO-1")
    assert first.status_code == 201, first.content
    second = post_move(5).json_body
    assert (Decimal(second["quantity"]), Decimal(second["balance_after"]), second["reason"],
            second["actor"]) == (5, 15, "receipt", "warehouse-user")
    assert first.json_body["source_ref"] == "PO-1"
    assert level_of(product, warehouse) == (15, 0)
    level = warehouse_api.get("stock", product_id=product.pk).json_body["items"][0]
    assert {k: Decimal(level[k]) for k in ("on_hand", "reserved", "available")} \
        == {"on_hand": 15, "reserved": 0, "available": 15}
    assert isinstance(level["on_hand"], str)


@pytest.mark.parametrize(("fields", "bad"), [
    ({"quantity": "-3", "reason": "adjustment"}, "note"),
    ({"quantity": "-3", "reason": "adjustment", "note": "  "}, "note"),
    ({"quantity": "3", "reason": "write_off", "note": "broken"}, "quantity"),
    ({"quantity": "-3"}, "quantity"),  # a receipt is positive
    ({"quantity": "0", "reason": "adjustment", "note": "x"}, "quantity"),
    ({"quantity": "1.5"}, "quantity"),  # the product counts whole units
    ({"quantity": "abc"}, "quantity"),
    ({"quantity": "1", "reason": "sale_issue"}, "reason"),
    ({"quantity": "1", "reason": "stolen"}, "reason"),
    ({"quantity": "1", "product_id": 999999}, "product_id"),
    ({"quantity": "1", "warehouse_id": 999999}, "warehouse_id"),
])
def test_invalid_stock_change_is_422_and_writes_nothing(post_move, fields, bad):
    assert error_fields(post_move(**fields)) == {bad}
    assert not StockMove.objects.exists()


def test_quantity_precision_follows_the_product(warehouse_api, precise_product, warehouse):
    def post(quantity):
        return warehouse_api.post("stock/moves", {"product_id": precise_product.pk,
                                                  "warehouse_id": warehouse.pk,
                                                  "quantity": quantity})

    assert post("1.25").status_code == 201
    assert error_fields(post("1.255")) == {"quantity"}
    assert level_of(precise_product, warehouse) == (Decimal("1.25"), 0)


def test_inactive_warehouse_takes_no_stock(post_move, warehouse_api, warehouse, second_warehouse):
    warehouse_api.patch(f"warehouses/{second_warehouse.pk}", {"active": False})
    assert error_fields(post_move(1, warehouse_id=second_warehouse.pk)) == {"warehouse_id"}


@pytest.mark.parametrize(("on_hand", "reserved", "change"), [
    (0, 0, "-1"),
    (10, 0, "-11"),
    (10, 4, "-7"),
])
def test_stock_never_goes_below_reserved(post_move, product, warehouse, on_hand, reserved,
                                         change):
    if on_hand:
        receive(product, warehouse, on_hand)
        StockLevel.objects.filter(product=product).update(reserved=reserved)
    moves_before = StockMove.objects.count()
    error = assert_error(post_move(change, reason="write_off", note="damaged"),
                         409, "insufficient_stock")
    assert error["details"]["requested_change"] == change
    assert StockMove.objects.count() == moves_before
    assert list(StockLevel.objects.values_list("on_hand", "reserved")) \
        == ([(on_hand, reserved)] if on_hand else [])


def test_stocktake_posts_the_difference(warehouse_api, product, warehouse):
    receive(product, warehouse, 10)

    def count(counted, note="盘点"):
        return warehouse_api.post("stock/counts", {"product_id": product.pk,
                                                   "warehouse_id": warehouse.pk,
                                                   "counted": counted, "note": note})

    move = count(7).json_body
    assert (Decimal(move["quantity"]), Decimal(move["balance_after"]), move["reason"],
            move["source_type"]) == (-3, 7, "adjustment", "stocktake")
    unchanged = count("7")
    assert (unchanged.status_code, unchanged.json_body) == (200, None)
    assert error_fields(count(5, note="")) == {"note"}
    assert error_fields(count(-1)) == {"counted"}
    StockLevel.objects.filter(product=product).update(reserved=6)
    assert_error(count(5), 409, "insufficient_stock")
    assert Decimal(count(12).json_body["quantity"]) == 5
    assert level_of(product, warehouse) == (12, 6)
    assert StockMove.objects.count() == 3


def test_level_list_filters(reviewer_api, product, precise_product, warehouse, second_warehouse):
    for prod, wh in [(product, warehouse), (product, second_warehouse),
                     (precise_product, warehouse)]:
        receive(prod, wh, 3)

    def pairs(**params):
        body = reviewer_api.get("stock", **params).json_body
        assert body["count"] == len(body["items"])
        return [(lv["sku"], lv["warehouse_code"]) for lv in body["items"]]

    assert pairs() == [("CABLE-M", "WH-SH"), ("SKU-001", "WH-BJ"), ("SKU-001", "WH-SH")]
    assert pairs(product_id=product.pk) == [("SKU-001", "WH-BJ"), ("SKU-001", "WH-SH")]
    assert pairs(warehouse_id=second_warehouse.pk) == [("SKU-001", "WH-BJ")]
    assert pairs(q="cable") == [("CABLE-M", "WH-SH")]
    assert pairs(q="螺丝刀", warehouse_id=warehouse.pk) == [("SKU-001", "WH-SH")]


def test_ledger_filters(reviewer_api, product, precise_product, warehouse, second_warehouse):
    early = receive(product, warehouse, 1)
    time.sleep(0.01)
    middle = timezone.now()
    time.sleep(0.01)
    late = [receive(product, second_warehouse, 2),
            receive(precise_product, warehouse, 3),
            receive(product, warehouse, -1, reason="adjustment", note="broken")]

    def ids(**params):
        body = reviewer_api.get("stock/moves", **params).json_body
        assert body["count"] == len(body["items"])
        return [m["id"] for m in body["items"]]

    newest_first = [m.pk for m in reversed([early, *late])]
    assert ids() == newest_first
    assert ids(product_id=product.pk) == [late[2].pk, late[0].pk, early.pk]
    assert ids(warehouse_id=second_warehouse.pk) == [late[0].pk]
    assert ids(since=middle.isoformat()) == newest_first[:3]
    assert ids(until=middle.isoformat()) == [early.pk]
    assert ids(product_id=product.pk, warehouse_id=warehouse.pk, since=middle.isoformat(),
               reason="adjustment") == [late[2].pk]
    assert error_fields(reviewer_api.get("stock/moves", since="yesterday")) == {"since"}
