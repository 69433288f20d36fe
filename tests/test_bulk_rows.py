"""The bulk row helpers of ``common.db`` write exactly what the ORM would write, and fail the
way the ORM fails (a Django error, which the retry and the error mapping understand)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, NotSupportedError, connection, transaction
from django.utils import timezone

from wms_sales.accounts.services import create_user
from wms_sales.catalog.models import Product
from wms_sales.catalog.services import create_product
from wms_sales.common.db import (
    COPY_FROM_ROWS,
    bulk_insert,
    bulk_update,
    insert_object,
    insert_object_unless_taken,
    insert_rows,
    insert_values,
    update_object,
    value_preparer,
)
from wms_sales.common.errors import ValidationFailed
from wms_sales.common.models import IdempotencyKey
from wms_sales.events.models import OutboxEvent
from wms_sales.inventory.models import StockMove
from wms_sales.lifecycle.models import DocumentTransition
from wms_sales.reports.models import SalesFactDelta

TEXTS = ["plain", "螺丝刀 把", "tab\there", "new\nline", "back\\slash", "quote'\"", "", "\\N"]
# Row counts on either side of COPY_FROM_ROWS: PostgreSQL writes the first with an INSERT,
# the second with COPY.
BATCHES = pytest.mark.parametrize("copies", [1, COPY_FROM_ROWS // len(TEXTS) + 1],
                                  ids=["insert", "copy"])


@pytest.mark.django_db
@BATCHES
def test_bulk_insert_writes_what_the_orm_reads_back(product, warehouse, copies):
    before = timezone.now()
    texts = TEXTS * copies
    moves = [StockMove(product=product, warehouse=warehouse, quantity=Decimal(n + 1),
                       balance_after=Decimal("1.5") * n, reason="receipt",
                       source_type="test", source_id=None if n % 2 else n,
                       source_ref=text[:40], note=text) for n, text in enumerate(texts)]
    bulk_insert(moves)
    stored = list(StockMove.objects.filter(source_type="test").order_by("id"))
    assert [(m.quantity, m.balance_after, m.source_id, m.source_ref, m.note) for m in stored] \
        == [(Decimal(n + 1), Decimal("1.5") * n, None if n % 2 else n, text[:40], text)
            for n, text in enumerate(texts)]
    assert all(m.created_at >= before for m in stored)  # auto_now_add filled in


@pytest.mark.django_db
def test_bulk_update_writes_every_row_its_own_values():
    products = [create_product(actor=None, sku=f"BULK-{n}", name="x", list_price=Decimal(1))
                for n in range(len(TEXTS))]
    for n, (product, text) in enumerate(zip(products, TEXTS, strict=True)):
        product.name, product.list_price = f"{text}.", Decimal("0.25") * n
    bulk_update(products, ["name", "list_price"])
    assert [(p.name, p.list_price) for p in Product.objects.filter(sku__startswith="BULK-")
            .order_by("id")] == [(f"{text}.", Decimal("0.25") * n) for n, text in enumerate(TEXTS)]
    for product in products:  # one value for every row: a column written from one parameter
        product.list_price = Decimal("7.5")
    bulk_update(products, ["name", "list_price"])
    assert [(p.name, p.list_price) for p in Product.objects.filter(sku__startswith="BULK-")
            .order_by("id")] == [(f"{text}.", Decimal("7.50")) for text in TEXTS]


@pytest.mark.django_db(transaction=True)
@BATCHES
def test_a_refused_row_is_a_django_integrity_error_and_nothing_is_written(copies):
    columns = ["day", "dimension", "key"]
    good = [date(2026, 12, 3), "all", 0]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(SalesFactDelta._meta.db_table, columns,
                    [good] * (len(TEXTS) * copies) + [[None, "all", 0]])
    assert not SalesFactDelta.objects.exists()


VALUES = [None, 0, 7, -3, 2**40, True, False, "", "文本", "12.50", Decimal("12.5"), Decimal("1E+2"),
          Decimal("-0.001"), date(2026, 12, 3), datetime(2026, 12, 3, 8, 0, tzinfo=UTC)]


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime")
def test_the_fast_preparation_gives_what_django_gives():
    """For every column of the models that go through these helpers and every value that
    Django accepts for it, the same prepared value (ints may differ in type only: PostgreSQL's
    backend wraps them in a sized int subclass)."""
    for model in (StockMove, SalesFactDelta, Product):
        for field in model._meta.concrete_fields:
            prepare = value_preparer(field)
            for value in VALUES:
                try:
                    expected = field.get_db_prep_save(value, connection)
                except Exception as exc:  # refused by Django: refused the same way
                    with pytest.raises(type(exc)):
                        prepare(value)
                    continue
                assert prepare(value) == expected, (field, value)
                assert type(prepare(value)) is type(expected) or isinstance(expected, int), \
                    (field, value)


@pytest.mark.django_db
def test_insert_values_fills_left_out_columns_as_an_object_would(product, warehouse):
    before = timezone.now()
    insert_values(StockMove, [
        {"product_id": product.pk, "warehouse_id": warehouse.pk, "quantity": Decimal(2),
         "balance_after": Decimal(2), "reason": "receipt", "source_type": "test"},
        {"product_id": product.pk, "warehouse_id": warehouse.pk, "quantity": Decimal("-0.5"),
         "balance_after": Decimal("1.5"), "reason": "sale_issue", "source_type": "test",
         "note": "出库 1"}])
    stored = list(StockMove.objects.filter(source_type="test").order_by("id"))
    assert [(m.quantity, m.balance_after, m.reason, m.note, m.source_id, m.actor_id)
            for m in stored] == [(Decimal(2), Decimal(2), "receipt", "", None, None),
                                 (Decimal("-0.5"), Decimal("1.5"), "sale_issue", "出库 1", None,
                                  None)]
    assert all(m.created_at >= before for m in stored)


def _columns(row: object) -> dict[str, object]:
    return {field.attname: getattr(row, field.attname) for field in type(row)._meta.fields}


@pytest.mark.django_db
def test_insert_object_writes_the_row_save_writes(product, warehouse):
    user = create_user(username="inserter", role="sales")
    before = timezone.now()
    saved = StockMove(product=product, warehouse=warehouse, quantity=Decimal("2.5"),
                      balance_after=Decimal(7), reason="receipt", source_type="test",
                      source_ref="螺丝刀", note="quote'\"", actor=user)
    inserted = StockMove(product=product, warehouse=warehouse, quantity=Decimal("2.5"),
                         balance_after=Decimal(7), reason="receipt", source_type="test",
                         source_ref="螺丝刀", note="quote'\"", actor=user)
    saved.save(force_insert=True)
    assert insert_object(inserted) is inserted
    assert inserted.pk is not None and inserted.pk != saved.pk  # the id read back
    assert not inserted._state.adding and inserted._state.db == connection.alias
    assert inserted.created_at >= before  # auto_now_add filled in, on the object too
    stored = {row.pk: row for row in StockMove.objects.filter(source_type="test")}
    assert _columns(stored[inserted.pk]) == {**_columns(stored[saved.pk]), "id": inserted.pk,
                                             "created_at": inserted.created_at}
    # A JSON payload and a nullable time, as the outbox and the history rows hold them.
    event = insert_object(OutboxEvent(event_type="test.inserted", aggregate_type="test",
                                      aggregate_id=1, payload={"amount": "1.50", "名": [1, 2]}))
    assert OutboxEvent.objects.values_list("payload", "published_at").get(pk=event.pk) \
        == ({"amount": "1.50", "名": [1, 2]}, None)
    entry = insert_object(DocumentTransition(document_type="test", document_id=1, event="e",
                                             from_status="", to_status="a", actor=user,
                                             at=before))
    assert DocumentTransition.objects.get(pk=entry.pk).at == before


@pytest.mark.django_db
def test_insert_object_runs_the_save_checks_and_refuses_what_it_cannot_write(product,
                                                                             warehouse):
    too_long = StockMove(product=product, warehouse=warehouse, quantity=Decimal(1),
                         balance_after=Decimal(1), reason="receipt", source_type="x" * 41)
    with pytest.raises(ValidationFailed):  # the pre_save check every save runs
        insert_object(too_long)
    assert too_long.pk is None and not StockMove.objects.filter(source_type__startswith="x")
    with pytest.raises(TypeError, match="database default"):  # its measures default in SQL
        insert_object(SalesFactDelta())


@pytest.mark.django_db
def test_insert_object_unless_taken_skips_a_row_whose_unique_values_are_taken():
    user = create_user(username="claimer", role="sales")

    def claim(key: str) -> IdempotencyKey:
        return IdempotencyKey(user=user, key=key, endpoint="POST /x", request_hash="h" * 64,
                              status_code=0, response_body=None)

    if connection.vendor not in ("postgresql", "sqlite"):
        with pytest.raises(NotSupportedError):
            insert_object_unless_taken(claim("k1"), ("user", "key"))
        return
    first, again, other = claim("k1"), claim("k1"), claim("k2")
    assert insert_object_unless_taken(first, ("user", "key")) is True
    assert first.pk is not None and not first._state.adding
    assert insert_object_unless_taken(again, ("user", "key")) is False
    assert again.pk is None and again._state.adding  # nothing written, nothing read back
    assert insert_object_unless_taken(other, ("user", "key")) is True
    assert sorted(IdempotencyKey.objects.filter(user=user).values_list("pk", "key")) == [
        (first.pk, "k1"), (other.pk, "k2")]


@pytest.mark.django_db
def test_update_object_writes_only_its_fields_as_save_does():
    product = create_product(actor=None, sku="UPD-1", name="扳手", list_price=Decimal(1))
    stale = Product.objects.get(pk=product.pk)
    stamped = product.updated_at
    product.name, product.list_price, product.unit = "螺丝刀 'x'", Decimal("2.5"), "箱"
    update_object(product, ["name", "list_price", "updated_at"])
    assert product.updated_at > stamped  # auto_now stamped, on the object too
    stored = Product.objects.get(pk=product.pk)
    assert _columns(stored) == {**_columns(stale), "name": "螺丝刀 'x'",
                                "list_price": Decimal("2.50"),
                                "updated_at": product.updated_at}  # unit left alone
    product.name = "x" * 500
    with pytest.raises(ValidationFailed):  # the pre_save check every save runs
        update_object(product, ["name"])
    assert Product.objects.get(pk=product.pk).name == "螺丝刀 'x'"
    product.name = "gone"
    Product.objects.filter(pk=product.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        update_object(product, ["name"])


@pytest.mark.django_db
def test_any_of_finds_what_in_finds():
    products = [create_product(actor=None, sku=f"ANY-{n}", name="x", list_price=Decimal(1))
                for n in range(5)]
    ids = [p.pk for p in products]
    for wanted in ([ids[0], ids[2]], [ids[1], ids[1], None], [], [None], ids, [10**12]):
        assert list(Product.objects.filter(pk__any_of=wanted).order_by("pk")) \
            == list(Product.objects.filter(pk__in=wanted).order_by("pk")), wanted
    subquery = Product.objects.filter(sku__in=["ANY-1", "ANY-3"]).values("pk")
    assert list(Product.objects.filter(pk__any_of=subquery).order_by("pk")) \
        == [products[1], products[3]]
    assert sorted(Product.objects.filter(sku__any_of=["ANY-4", "ANY-0"])
                  .values_list("sku", flat=True)) == ["ANY-0", "ANY-4"]


@pytest.mark.django_db
def test_any_of_on_a_foreign_key_column(product, warehouse):
    insert_values(StockMove, [{"product_id": product.pk, "warehouse_id": warehouse.pk,
                               "quantity": Decimal(1), "balance_after": Decimal(1),
                               "reason": "receipt", "source_type": "test"}])
    assert StockMove.objects.filter(product_id__any_of=[product.pk, product.pk + 1]).count() == 1
    assert StockMove.objects.filter(product__any_of=[product.pk + 1]).count() == 0


@pytest.mark.django_db
def test_a_documents_rows_updated_together_stay_on_their_pages(product, warehouse):
    """On PostgreSQL the tables whose rows are updated after their document's insert leave
    room on each page (fill factor 50), so the update of all of them is HOT: no index entry
    is written per row."""
    if connection.vendor != "postgresql":
        pytest.skip(f"fill factors are PostgreSQL's; this run uses {connection.vendor}")
    from wms_sales.inventory.models import Reservation

    tables = ("orders_salesorderline", "inventory_reservation", "returns_returnline")
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)",
                       [list(tables)])
        assert dict(cursor.fetchall()) == {table: ["fillfactor=50"] for table in tables}
    insert_values(Reservation, [
        {"product_id": product.pk, "warehouse_id": warehouse.pk, "source_type": "hot",
         "source_id": n, "source_ref": "HOT", "quantity": Decimal(n + 1)} for n in range(300)])
    held = list(Reservation.objects.filter(source_type="hot"))
    for reservation in held:
        reservation.quantity = Decimal(0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
                       ["inventory_reservation"])
        before = cursor.fetchone()[0]
        bulk_update(held, ["quantity"])
        cursor.execute("SELECT pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
                       ["inventory_reservation"])
        assert cursor.fetchone()[0] - before == len(held)


@pytest.mark.django_db
@BATCHES
def test_bulk_insert_with_ids_gives_each_object_its_stored_row(product, warehouse, copies):
    texts = TEXTS * copies
    first = [StockMove(product=product, warehouse=warehouse, quantity=Decimal(n + 1),
                       balance_after=Decimal(n), reason="receipt", source_type="ids",
                       source_ref=text[:40], note=text) for n, text in enumerate(texts)]
    second = [StockMove(product=product, warehouse=warehouse, quantity=Decimal(9),
                        balance_after=Decimal(9), reason="receipt", source_type="ids")]
    bulk_insert(first, with_ids=True)
    bulk_insert(second, with_ids=True)
    ids = [move.pk for move in first + second]
    assert None not in ids and ids == sorted(set(ids))  # new, distinct, in the objects' order
    assert all(not move._state.adding and move._state.db == connection.alias
               for move in first + second)
    stored = StockMove.objects.in_bulk(ids)
    assert [(stored[m.pk].quantity, stored[m.pk].note) for m in first] \
        == [(Decimal(n + 1), text) for n, text in enumerate(texts)]
    # The sequence moved past the drawn ids: a row saved afterwards takes a new one.
    later = StockMove(product=product, warehouse=warehouse, quantity=Decimal(1),
                      balance_after=Decimal(1), reason="receipt", source_type="ids")
    later.save()
    assert later.pk > max(ids)


@pytest.mark.django_db
def test_rows_read_without_init_equal_rows_built_by_django(product, warehouse):
    """Project models build read rows straight into their ``__dict__``; the objects equal
    what Django's ``Model.from_db`` (through ``__init__``) builds, deferred fields included."""
    from django.db.models import Model

    receive_at = StockMove(product=product, warehouse=warehouse, quantity=Decimal("2.5"),
                           balance_after=Decimal(7), reason="receipt", source_type="read")
    receive_at.save()
    assert StockMove.from_db.__func__ is not Model.from_db.__func__  # type: ignore[attr-defined]
    for queryset in (StockMove.objects.filter(pk=receive_at.pk),
                     StockMove.objects.filter(pk=receive_at.pk).only("quantity"),
                     StockMove.objects.filter(pk=receive_at.pk).select_related("product")):
        fast = queryset.get()
        names = [f.attname for f in StockMove._meta.concrete_fields
                 if f.attname in fast.__dict__]
        django_built = Model.from_db.__func__(StockMove, fast._state.db, names,  # type: ignore[attr-defined]
                                              [fast.__dict__[name] for name in names])
        assert not fast._state.adding and fast._state.db == django_built._state.db
        assert fast.get_deferred_fields() == django_built.get_deferred_fields()
        assert {n: (v, str(v)) for n, v in fast.__dict__.items() if n in names} \
            == {n: (v, str(v)) for n, v in django_built.__dict__.items() if n in names}
    assert StockMove.objects.select_related("product").get(pk=receive_at.pk).product.sku \
        == product.sku
    deferred = StockMove.objects.only("quantity").get(pk=receive_at.pk)
    assert deferred.note == receive_at.note  # a deferred field still loads on access
