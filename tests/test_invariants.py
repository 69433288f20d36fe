"""Stock invariants held by the database and by the services (DESIGN §2, Stock)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import receive
from wms_sales.common.errors import Conflict, ValidationFailed
from wms_sales.inventory.checks import stock_violations
from wms_sales.inventory.models import StockLevel, StockMove
from wms_sales.inventory.selectors import ledger_totals
from wms_sales.inventory.services import count_stock, lock_levels, post_move


@pytest.fixture
def level(product, warehouse) -> StockLevel:
    receive(product, warehouse, 10)
    return StockLevel.objects.get(product=product, warehouse=warehouse)


def ledger_sum(product, warehouse) -> Decimal:
    return ledger_totals().get((product.pk, warehouse.pk), Decimal(0))


@pytest.mark.parametrize("change", [
    {"on_hand": -1},
    {"reserved": -1},
    {"reserved": 11},
    {"on_hand": 3, "reserved": 4},
])
def test_constraints_hold_against_bulk_updates(level, change):
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=level.pk).update(**change)
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (10, 0)


def test_trigger_refuses_raw_update_of_the_ledger(level):
    move = StockMove.objects.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("UPDATE inventory_stockmove SET quantity = 99 WHERE id = %s", [move.pk])
    assert StockMove.objects.get().quantity == 10


@pytest.mark.parametrize("tamper", [
    lambda move: StockMove.objects.filter(pk=move.pk).update(quantity=99),
    lambda move: StockMove.objects.filter(pk=move.pk).delete(),
    lambda move: StockMove.objects.all().delete(),
    lambda move: move.save(),
    lambda move: move.delete(),
], ids=["qs-update", "qs-delete", "all-delete", "save", "delete"])
def test_orm_refuses_to_change_the_ledger(level, tamper):
    with pytest.raises(TypeError, match="append-only"):
        tamper(StockMove.objects.get())
    assert list(StockMove.objects.values_list("quantity", flat=True)) == [10]


def test_move_and_level_roll_back_together(level, product, warehouse):
    with pytest.raises(RuntimeError), transaction.atomic():
        locked = lock_levels([(product.pk, warehouse.pk)])[(product.pk, warehouse.pk)]
        post_move(level=locked, quantity=Decimal(5), reason="receipt", actor=None)
        assert ledger_sum(product, warehouse) == locked.on_hand == 15
        raise RuntimeError("the document failed after the stock was posted")
    level.refresh_from_db()
    assert level.on_hand == ledger_sum(product, warehouse) == 10


def test_failed_ledger_write_leaves_the_level_alone(level, product, warehouse):
    """The move's INSERT fails after the level was written and the caller swallows the error:
    the enclosing block must still not commit a level change the ledger does not have."""
    with transaction.atomic():
        locked = lock_levels([(product.pk, warehouse.pk)])[(product.pk, warehouse.pk)]
        with pytest.raises((DatabaseError, OverflowError)):
            post_move(level=locked, quantity=Decimal(5), reason="receipt", actor=None,
                      source_id=2**70)  # too big for any BIGINT
    level.refresh_from_db()
    assert level.on_hand == ledger_sum(product, warehouse) == 10


OPERATIONS = st.lists(st.tuples(
    st.sampled_from(["receipt", "adjustment", "write_off", "count"]),
    st.integers(min_value=0, max_value=1),  # which warehouse
    st.decimals(min_value=-60, max_value=60, places=2),
), max_size=12)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
@example(operations=[("receipt", 1, Decimal("2.01")), ("count", 1, Decimal("0.01"))])
def test_levels_always_equal_the_ledger(precise_product, warehouse, second_warehouse,
                                        operations):
    """Random receipts, adjustments, write-offs and counts: a change is refused exactly when it
    would take stock below zero, and on_hand == sum(moves) >= 0 after every step."""
    warehouses = (warehouse, second_warehouse)
    expected = {wh.pk: Decimal(0) for wh in warehouses}
    with transaction.atomic():
        for reason, index, quantity in operations:
            wh = warehouses[index]
            if reason == "count":
                count_stock(actor=None, product_id=precise_product.pk, warehouse_id=wh.pk,
                            counted=abs(quantity), note="盘点")
                expected[wh.pk] = abs(quantity)
            else:
                change = {"receipt": abs(quantity), "write_off": -abs(quantity)}.get(reason,
                                                                                    quantity)
                refusal = (ValidationFailed if change == 0
                           else Conflict if expected[wh.pk] + change < 0 else None)
                if refusal:
                    with pytest.raises(refusal):
                        receive(precise_product, wh, change, reason=reason, note="n")
                else:
                    receive(precise_product, wh, change, reason=reason, note="n")
                    expected[wh.pk] += change
            assert ledger_sum(precise_product, wh) == expected[wh.pk] >= 0
        for lv in StockLevel.objects.all():
            assert lv.on_hand == expected[lv.warehouse_id]
        assert list(stock_violations()) == []
        transaction.set_rollback(True)


@pytest.mark.parametrize("in_two_warehouses", [False, True])
def test_lock_levels_gives_exactly_the_pairs_asked_for_creating_missing_ones(
        product, precise_product, warehouse, second_warehouse, in_two_warehouses):
    receive(product, warehouse, 10)
    receive(precise_product, second_warehouse, 3)
    pairs = [(precise_product.pk, warehouse.pk), (product.pk, warehouse.pk),
             (product.pk, warehouse.pk)]
    if in_two_warehouses:
        pairs += [(precise_product.pk, second_warehouse.pk), (product.pk, second_warehouse.pk)]
    with transaction.atomic():
        locked = lock_levels(pairs)
    assert sorted(locked) == sorted(set(pairs))
    assert {pair: (level.on_hand, level.reserved) for pair, level in locked.items()} == {
        pair: tuple(StockLevel.objects.filter(product_id=pair[0], warehouse_id=pair[1])
                    .values_list("on_hand", "reserved").get()) for pair in set(pairs)}
    assert locked[(product.pk, warehouse.pk)].on_hand == 10
    assert StockLevel.objects.count() == len(set(pairs)) + (not in_two_warehouses)
