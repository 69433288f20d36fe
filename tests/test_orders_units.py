"""Order arithmetic, the transition table, reservations and `wms-sales check` (DESIGN.md §2–§3)."""

from __future__ import annotations

import math
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from io import StringIO
from itertools import product as pairs

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders_helpers import create, drive, level, order_body, stock_in
from wms_sales.common.errors import Conflict
from wms_sales.common.money import line_amounts
from wms_sales.inventory.models import Reservation
from wms_sales.inventory.reservations import ReservationRequest, release, reserve
from wms_sales.orders.models import OrderStatus, SalesOrderLine
from wms_sales.orders.services import create_order
from wms_sales.orders.states import InvalidTransition, check_transition

pytest_plugins = ["orders_fixtures"]

DB_EXAMPLES = settings(deadline=None, max_examples=30,
                       suppress_health_check=[HealthCheck.function_scoped_fixture])


def half_up_cents(value: Fraction) -> int:
    """The exact value rounded half-up to whole cents (values here are never negative)."""
    return math.floor(value * 100 + Fraction(1, 2))


def expected_amounts(quantity, price, discount, tax) -> tuple[Decimal, Decimal, Decimal]:
    """Net, tax and total by exact fractions: no Decimal context is involved."""
    net = half_up_cents(Fraction(quantity) * Fraction(price) * (100 - Fraction(discount)) / 100)
    tax_cents = half_up_cents(Fraction(net, 100) * Fraction(tax) / 100)
    return tuple(Decimal(f"{cents}E-2") for cents in (net, tax_cents, net + tax_cents))


def decimals(low, high, places):
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=places,
                       allow_nan=False, allow_infinity=False)


PERCENTS = decimals(0, 100, 4)


# --- money ---------------------------------------------------------------------------------

@given(quantity=decimals("0.0001", "99999999999999.9999", 4),
       price=decimals(0, "99999999999999.9999", 4), discount=PERCENTS, tax=PERCENTS)
def test_line_amounts_round_half_up_once(quantity, price, discount, tax):
    """Over the whole range the columns allow: no rounding before the one to cents."""
    amounts = line_amounts(quantity, price, discount, tax)
    assert (amounts.net, amounts.tax, amounts.total) == expected_amounts(
        quantity, price, discount, tax)
    assert all(type(v) is Decimal and v.as_tuple().exponent == -2
               for v in (amounts.net, amounts.tax, amounts.total))
    with pytest.raises(TypeError):  # floats never get in
        line_amounts(float(quantity), price)


@pytest.mark.parametrize("args, net, tax", [
    (("1", "0.125"), "0.13", "0"),  # half-even would give 0.12
    (("1", "0.50", "0", "1"), "0.50", "0.01"),  # tax 0.005
    (("3", "12.50", "10", "13"), "33.75", "4.39"),  # tax from the rounded net: 4.3875
    (("7", "0.0005"), "0.00", "0"),  # 0.0035
])
def test_line_amounts_examples(args, net, tax):
    amounts = line_amounts(*map(Decimal, args))
    assert (amounts.net, amounts.tax, amounts.total) == (
        Decimal(net), Decimal(tax), Decimal(net) + Decimal(tax))


LINES = st.lists(st.tuples(decimals("0.01", 10000, 2), decimals(0, 100000, 4), PERCENTS,
                           st.sampled_from([Decimal(0), Decimal(6), Decimal(9), Decimal(13)])),
                 min_size=1, max_size=8)


@DB_EXAMPLES
@given(lines=LINES)
def test_order_totals_are_sums_of_rounded_lines(customer, cable, warehouse, lines):
    with transaction.atomic():
        order = create_order(actor=None, customer_id=customer.pk, lines=[
            {"product_id": cable.pk, "quantity": q, "unit_price": p, "discount_percent": d,
             "tax_rate_percent": t} for q, p, d, t in lines])
        order.refresh_from_db()
        stored = list(order.lines.order_by("line_no"))
        assert [(line.net_amount, line.tax_amount, line.total_amount) for line in stored] \
            == [expected_amounts(*line) for line in lines]
        assert order.net_amount == sum(line.net_amount for line in stored)
        assert order.tax_amount == sum(line.tax_amount for line in stored)
        assert order.total_amount == sum(line.total_amount for line in stored) \
            == order.net_amount + order.tax_amount
        assert all(type(v) is Decimal for v in (order.net_amount, order.total_amount))
        transaction.set_rollback(True)


# --- the transition table ------------------------------------------------------------------

ALLOWED = {("pending", "approved"), ("pending", "rejected"), ("pending", "cancelled"),
           ("approved", "shipping"), ("approved", "completed"), ("approved", "cancelled"),
           ("shipping", "completed")}
STATUSES = ["pending", "approved", "shipping", "completed", "rejected", "cancelled"]


def test_the_table_covers_every_status():
    assert sorted(STATUSES) == sorted(OrderStatus.values)


@pytest.mark.parametrize("source, target", pairs(STATUSES, STATUSES))
def test_transition_table(source, target):
    if (source, target) in ALLOWED:
        check_transition(source, target)
        return
    with pytest.raises(InvalidTransition) as raised:
        check_transition(source, target)
    assert (raised.value.status, raised.value.code, raised.value.details) == (
        409, "invalid_transition", {"from": source, "to": target})


# --- reservations --------------------------------------------------------------------------

@DB_EXAMPLES
@given(on_hand=st.tuples(st.integers(0, 40), st.integers(0, 40)),
       held=st.integers(0, 40),
       wanted=st.lists(st.tuples(st.integers(0, 1), st.integers(1, 25)), min_size=1,
                       max_size=6))
def test_reserve_then_release_restores_the_levels(product, warehouse, second_warehouse,
                                                  on_hand, held, wanted):
    """Reserving is all or nothing; releasing it returns every level exactly to before, also
    when another document already holds part of the stock."""
    warehouses = (warehouse, second_warehouse)
    with transaction.atomic():
        for wh, quantity in zip(warehouses, on_hand, strict=True):
            if quantity:
                stock_in(product, wh, quantity)
        held = min(held, on_hand[0])
        if held:
            reserve(source_type="other", source_ref="X", requests=[
                ReservationRequest(1, product.pk, warehouse.pk, Decimal(held))])
        before = [level(product, wh) for wh in warehouses]
        requests = [ReservationRequest(n, product.pk, warehouses[i].pk, Decimal(q))
                    for n, (i, q) in enumerate(wanted)]
        per_warehouse = defaultdict(int)
        for i, quantity in wanted:
            per_warehouse[i] += quantity
        free = (on_hand[0] - held, on_hand[1])
        if all(per_warehouse[i] <= free[i] for i in (0, 1)):
            reserve(source_type="test", source_ref="T", requests=requests)
            assert [level(product, wh) for wh in warehouses] == [
                (on_hand[i], before[i][1] + per_warehouse[i]) for i in (0, 1)]
            assert release(source_type="test", source_ids=range(len(wanted))) \
                == sum(per_warehouse.values())
        else:
            # A savepoint of the test's own: reserve() has none (its callers roll back on
            # failure), and the checks below go on in this transaction.
            with pytest.raises(Conflict) as raised, transaction.atomic():
                reserve(source_type="test", source_ref="T", requests=requests)
            assert raised.value.code == "insufficient_stock"
            assert not Reservation.objects.filter(source_type="test").exists()
        assert [level(product, wh) for wh in warehouses] == before
        transaction.set_rollback(True)


# --- wms-sales check -----------------------------------------------------------------------

def run_check() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("check", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, err.getvalue()
    return 0, err.getvalue()


def test_check_passes_after_real_work_and_names_a_corrupted_order(
        sales_api, admin_api, customer, product, cable, warehouse, second_warehouse):
    stock_in(product, warehouse, 50)
    stock_in(cable, second_warehouse, "20.5")
    orders = {}
    for status in ("pending", "approved", "shipping", "completed", "rejected", "cancelled"):
        orders[status] = create(sales_api, {"customer_id": customer.pk, "lines": [
            {"product_id": product.pk, "quantity": "3", "discount_percent": "5"},
            {"product_id": cable.pk, "quantity": "2.25", "warehouse_id": second_warehouse.pk,
             "tax_rate_percent": "13"}]})
        drive(admin_api, orders[status]["id"], status)
    approved_then_cancelled = create(sales_api, order_body(customer, product))
    drive(admin_api, approved_then_cancelled["id"], "approved")
    assert admin_api.post(f"orders/{approved_then_cancelled['id']}/cancel",
                          {"reason": "不要了"}).status_code == 200
    assert run_check() == (0, ""), run_check()

    victim = SalesOrderLine.objects.get(order_id=orders["approved"]["id"], line_no=2)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Reservation._meta.db_table} SET quantity = quantity - 1 "
                       "WHERE source_type = %s AND source_id = %s",
                       ["sales_order_line", victim.pk])
    code, errors = run_check()
    assert code == 1
    assert f"order {orders['approved']['number']} (approved) line 2" in errors

