"""``common.compiled.CompiledRead`` returns what the queryset it was built from returns, for
every value it is run with, converted the same way (decimals, times, sums of subqueries)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from wms_sales.catalog.models import Product
from wms_sales.catalog.services import create_product
from wms_sales.common.compiled import CompiledRead, load_related, row_by_pk
from wms_sales.finance.selectors import _total
from wms_sales.inventory.models import StockMove
from wms_sales.inventory.services import record_stock_change
from wms_sales.orders.models import SalesOrder, SalesOrderLine
from wms_sales.orders.services import create_order

pytestmark = pytest.mark.django_db
pytest_plugins = ["orders_fixtures"]


def moves_of(product_id: int, warehouse_id: int):
    return (StockMove.objects.filter(product_id=product_id, warehouse_id=warehouse_id)
            .order_by("id").values_list("quantity", "balance_after", "created_at", "reason"))


def sums_of(product_id: int):  # scalar subqueries of the product's row, as the credit check's
    return Product.objects.filter(pk=product_id).annotate(
        moved=_total(StockMove.objects.filter(quantity__gt=0).annotate(
            customer_id=F("product_id")), "quantity"),
    ).values_list("sku", "moved", "list_price")


@pytest.fixture
def products(warehouse):
    made = [create_product(actor=None, sku=f"CR-{n}", name=f"品 {n}",
                           list_price=Decimal("3.10") * (n + 1), quantity_precision=2)
            for n in range(3)]
    for n, product in enumerate(made):
        for quantity in ("1.5", "2.25", "-0.75")[: n + 1]:
            if Decimal(quantity) > 0 or n:
                record_stock_change(actor=None, product_id=product.pk,
                                    warehouse_id=warehouse.pk, quantity=quantity,
                                    reason="receipt" if quantity[0] != "-" else "adjustment",
                                    note="counted")
    return made


def test_rows_equal_the_querysets_rows_for_every_value(products, warehouse):
    moves, sums = CompiledRead(moves_of, arity=2), CompiledRead(sums_of, arity=1)
    for product in [*products, Product(pk=987_654)]:  # the last one matches nothing
        assert moves.rows(product.pk, warehouse.pk) == list(moves_of(product.pk, warehouse.pk))
        assert sums.rows(product.pk) == list(sums_of(product.pk))
    assert sums.rows(products[2].pk)[0][1] == Decimal("3.75")
    assert all(type(row[0]) is Decimal for row in moves.rows(products[1].pk, warehouse.pk))


def test_compiles_once_and_runs_one_statement_per_call(products, warehouse,
                                                       django_assert_num_queries):
    built = []

    def build(product_id: int, warehouse_id: int):
        built.append((product_id, warehouse_id))
        return moves_of(product_id, warehouse_id)

    read = CompiledRead(build, arity=2)
    for product in products:
        with django_assert_num_queries(1):
            read.rows(product.pk, warehouse.pk)
    assert len(built) == 1 and built[0][0] < 0  # built once, with stand-ins


def test_a_value_the_sql_does_not_carry_is_refused(warehouse):
    ignoring = CompiledRead(lambda product_id: moves_of(1, warehouse.pk), arity=1)
    with pytest.raises(ValueError, match="must appear"):
        ignoring.rows(5)
    with pytest.raises(TypeError):
        CompiledRead(moves_of, arity=2).rows(1)


def test_the_sql_is_parameterised_not_formatted(products, warehouse):
    from django.db import connection

    read = CompiledRead(moves_of, arity=2)
    with CaptureQueriesContext(connection) as captured:
        read.rows(products[0].pk, warehouse.pk)
    assert str(-7_340_032_000_001) not in captured[0]["sql"]


def lines_of(order_id: int):
    return (SalesOrderLine.objects.filter(order_id=order_id).select_related("product", "warehouse")
            .defer("product__list_price", "warehouse__address").order_by("pk"))


@pytest.fixture
def orders(customer, products, warehouse):
    return [create_order(actor=None, customer_id=customer.pk,
                         lines=[{"product_id": product.pk, "quantity": "2"}
                                for product in products[:count]]) for count in (3, 1)]


def test_objects_equal_the_querysets_objects_with_related_rows(orders):
    read = CompiledRead(lines_of, arity=1)
    for order in orders:
        compiled, queried = read.objects(order.pk), list(lines_of(order.pk))
        assert [vars_of(line) for line in compiled] == [vars_of(line) for line in queried]
        assert [(line.product.sku, line.warehouse.code) for line in compiled] == [
            (line.product.sku, line.warehouse.code) for line in queried]
        assert all(line.product.get_deferred_fields() == {"list_price"} for line in compiled)
    assert read.objects(987_654) == []


def vars_of(obj) -> dict:
    return {name: value for name, value in vars(obj).items() if name != "_state"}


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a caller could be
def test_a_locking_read_needs_a_transaction(orders):
    from django.db import connection, transaction
    from django.db.transaction import TransactionManagementError

    order = orders[0]
    read = CompiledRead(lambda pk: SalesOrder.objects.select_for_update().filter(pk=pk), arity=1)
    with transaction.atomic():
        assert [found.pk for found in read.objects(order.pk)] == [order.pk]
    if connection.features.has_select_for_update:
        with pytest.raises(TransactionManagementError):
            read.objects(order.pk)


def test_a_row_by_its_key_and_a_related_row_as_the_orm_gives_them(customer, product,
                                                                   warehouse,
                                                                   django_assert_num_queries):
    order = create_order(actor=None, customer_id=customer.pk, lines=[
        {"product_id": product.pk, "quantity": "2"}])
    stored = SalesOrder.objects.get(pk=order.pk)
    found = row_by_pk(SalesOrder, order.pk)
    assert found is not None and found.pk == order.pk
    assert {f.attname: getattr(found, f.attname) for f in SalesOrder._meta.concrete_fields} \
        == {f.attname: getattr(stored, f.attname) for f in SalesOrder._meta.concrete_fields}
    assert row_by_pk(SalesOrder, order.pk + 1000) is None
    with django_assert_num_queries(1):
        assert load_related(found, "customer") == customer
        assert load_related(found, "customer") is found.customer  # kept: no second read
    assert load_related(found, "created_by") is None  # no actor: no read, None kept
    with pytest.raises(TypeError):
        load_related(found, "number")


def moves_of_products(warehouse_id: int, product_ids: list[int]):
    return (StockMove.objects.filter(warehouse_id=warehouse_id, product_id__any_of=product_ids)
            .order_by("id").values_list("product_id", "quantity"))


def test_a_list_of_ids_gives_what_any_of_gives_for_every_length(products, warehouse,
                                                                 django_assert_num_queries):
    read = CompiledRead(moves_of_products, arity=2, lists={1})
    ids = [product.pk for product in products]
    for wanted in ([ids[0]], ids, [ids[2], 987_654, ids[0], ids[2]], [987_654]):
        with django_assert_num_queries(1):
            rows = read.rows(warehouse.pk, wanted)
        assert rows == list(moves_of_products(warehouse.pk, wanted))
    assert read.rows(warehouse.pk, [ids[2], ids[2]]) == read.rows(warehouse.pk, [ids[2]])


def test_a_list_is_refused_empty_or_in_place_of_an_int(products, warehouse):
    read = CompiledRead(moves_of_products, arity=2, lists={1})
    with pytest.raises(ValueError, match="empty"):
        read.rows(warehouse.pk, [])
    with pytest.raises(TypeError):
        read.rows(warehouse.pk, products[0].pk)
    with pytest.raises(TypeError):
        read.rows([warehouse.pk], [products[0].pk])


def test_a_list_and_the_ints_around_it_keep_their_places(products, warehouse):
    """The other values' placeholders come before and after the widened list."""
    def build(warehouse_id: int, product_ids: list[int], after: int):
        return moves_of_products(warehouse_id, product_ids).filter(id__gt=after)

    read = CompiledRead(build, arity=3, lists={1})
    ids = [product.pk for product in products]
    first = StockMove.objects.order_by("id").values_list("id", flat=True)[0]
    for wanted, after in ((ids, first), (ids[1:], first + 2), (ids, 0)):
        assert read.rows(warehouse.pk, wanted, after) == list(build(warehouse.pk, wanted, after))


def test_a_document_lock_reads_joined_rows_without_locking_them(orders):
    """``Lifecycle.lock(joined=…)``: the related rows come with the locked document where the
    lock can be limited to the document row (``FOR UPDATE OF``) or there are no row locks;
    on MariaDB they are read when first used, as without the join."""
    from django.db import connection, transaction

    from wms_sales.orders.states import ORDER_LIFE

    features = connection.features
    joins = features.has_select_for_update_of or not features.has_select_for_update
    for order in orders:
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            locked = ORDER_LIFE.lock(order.pk, joined=("customer",))
            assert locked.customer.name == order.customer.name
        assert vars_of(locked) == vars_of(ORDER_LIFE.lock(order.pk))
        assert len(captured) == (1 if joins else 2)
        if features.has_select_for_update_of:
            assert captured[0]["sql"].endswith('FOR UPDATE OF "orders_salesorder"')
