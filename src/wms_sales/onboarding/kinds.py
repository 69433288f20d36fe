"""What can be imported and exported: one ``Kind`` per list (customers, products, stock).

A kind names its columns, checks a parsed row against the same model rules the services use
(``full_clean``, uniqueness, the product's quantity precision), hands the checked rows in
batches to the owning app's bulk service (customers, catalog, inventory) inside the caller's
transaction, and lists the rows an export holds. It writes no table itself."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wms_sales.catalog.models import Product
from wms_sales.catalog.selectors import product_list
from wms_sales.catalog.services import import_products
from wms_sales.common.actors import Actor
from wms_sales.common.errors import ValidationFailed
from wms_sales.common.validation import full_clean_or_422
from wms_sales.customers.models import (
    Customer,
    CustomerAddress,
    CustomerStatus,
    PaymentMethod,
)
from wms_sales.customers.selectors import customer_list
from wms_sales.customers.services import import_customers
from wms_sales.inventory.selectors import pairs_with_moves, stock_levels, warehouse_list
from wms_sales.inventory.services import (
    OpeningStock,
    opening_stock_problems,
    parse_quantity,
    receive_opening_stock,
)

from .columns import OMIT, CellError, Column, boolean, choice, decimal, normalize, whole_number
from .files import Table

if TYPE_CHECKING:  # only inventory's services and selectors touch its tables
    from wms_sales.inventory.models import Warehouse

T = TypeVar("T")
BATCH = 1000  # rows per INSERT batch and per look-up query
LOOKUP_CHUNK = 500  # values per ``IN (…)`` list, well under every backend's parameter limit


class Progress(Protocol):
    """Wraps an iterable to show how far it got (tqdm in the CLI, nothing on the web)."""

    def __call__(self, items: Iterable[T], *, total: int, desc: str) -> Iterable[T]: ...


def no_progress(items: Iterable[T], *, total: int, desc: str) -> Iterable[T]:
    return items


@dataclass(frozen=True, order=True)
class RowError:
    row: int  # as the user sees it: the header is row 1
    field: str  # the column's header as written in the file
    message: str


@dataclass
class Checked:
    items: list[Any] = field(default_factory=list)  # what ``write`` takes, one per good row
    errors: list[RowError] = field(default_factory=list)


Problems = list[tuple[str, str]]  # (column key, message)


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``itertools.batched`` of Python 3.12."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def model_problems(instance: models.Model, *, exclude: list[str] | None = None,
                   columns: dict[str, str] | None = None) -> Problems:
    """The model's own validation (what the services run), by column."""
    try:
        full_clean_or_422(instance, exclude=exclude)
    except ValidationFailed as exc:
        columns = columns or {}
        return [(columns.get(name, name), str(message))
                for name, messages in exc.details["fields"].items() for message in messages]
    return []


def existing_values(queryset: models.QuerySet, field_name: str,
                    values: Iterable[str]) -> Iterator[Any]:
    """Rows of ``queryset`` whose ``field_name`` is one of ``values``, in chunked queries."""
    for chunk in batched(sorted(set(values)), LOOKUP_CHUNK):
        yield from queryset.filter(**{f"{field_name}__in": chunk})


class Kind:
    name: str
    label: Promise
    columns: tuple[Column, ...]
    unique: tuple[str, ...]  # column keys whose values may occur once per file
    add_perm: str
    view_perm: str

    # --- import ---------------------------------------------------------------------------

    def validate(self, table: Table, progress: Progress = no_progress) -> Checked:
        positions, shown, checked = self._map_headers(table.headers)
        if checked.errors:
            return checked  # rows cannot be read without knowing their columns
        unnamed = [i for i, header in enumerate(table.headers) if not header]
        records = [(number, cells, {key: cells[i] if i < len(cells) else ""
                                    for key, i in positions.items()})
                   for number, cells in table.rows]
        context = self.load([raw for _number, _cells, raw in records])
        columns = {column.key: column for column in self.columns}
        first_seen: dict[tuple[str, ...], int] = {}
        for number, cells, raw in progress(records, total=len(records), desc=_("Validating")):
            problems: Problems = []
            if any(cells[i] for i in unnamed if i < len(cells)) or any(
                    cells[len(table.headers):]):
                problems.append(("", _("A value stands in a column without a header.")))
            problems += self._duplicate(raw, number, first_seen)
            values: dict[str, Any] = {}
            for key, text in raw.items():
                try:
                    value = columns[key].value(text)
                except CellError as exc:
                    problems.append((key, str(exc)))
                    continue
                if value is not OMIT:
                    values[key] = value
            # The row's other rules run too, so one pass reports all its problems; a column
            # that did not parse keeps only its own message.
            item, more = self.check(values, context)
            failed = {key for key, _message in problems}
            problems += [(key, message) for key, message in more if key not in failed]
            if problems:
                problems.sort(key=lambda p: positions.get(p[0], -1))
                checked.errors += [RowError(number, shown.get(key, key), message)
                                   for key, message in problems]
            else:
                checked.items.append(item)
        return checked

    def _map_headers(self, headers: list[str]) -> tuple[dict[str, int], dict[str, str], Checked]:
        by_name = {name: column for column in self.columns for name in column.names()}
        positions: dict[str, int] = {}
        shown: dict[str, str] = {}
        checked = Checked()
        for index, header in enumerate(headers):
            if not header:
                continue
            column = by_name.get(normalize(header))
            if column is None:
                expected = ", ".join(f"{c.key} / {c.zh}" for c in self.columns)
                checked.errors.append(RowError(1, header, _(
                    "Unknown column; the columns are: %(columns)s.") % {"columns": expected}))
            elif column.key in positions:
                checked.errors.append(RowError(1, header, _("The column appears twice.")))
            else:
                positions[column.key] = index
                shown[column.key] = header
        checked.errors += [RowError(1, f"{c.key} / {c.zh}", _("This column is missing."))
                           for c in self.columns if c.required and c.key not in positions]
        return positions, shown, checked

    def _duplicate(self, raw: dict[str, str], number: int,
                   first_seen: dict[tuple[str, ...], int]) -> Problems:
        # Compared loosely (case, full-width) because MariaDB's collation would call such
        # keys equal and refuse the second one at insert time.
        key = tuple(normalize(raw.get(k, "")) for k in self.unique)
        if not all(key):
            return []
        if key in first_seen:
            return [(self.unique[0], _("Duplicate of row %(row)s.") % {"row": first_seen[key]})]
        first_seen[key] = number
        return []

    def load(self, raws: list[dict[str, str]]) -> Any:
        """Look up, in a few queries, what ``check`` needs to know about the database."""
        raise NotImplementedError

    def check(self, values: dict[str, Any], context: Any) -> tuple[Any, Problems]:
        """Validate one parsed row; return what ``write`` needs and the problems found."""
        raise NotImplementedError

    def write(self, items: list[Any], *, actor: Actor, source: str, progress: Progress) -> int:
        """Write checked rows inside the caller's transaction; return how many."""
        raise NotImplementedError

    # --- export ---------------------------------------------------------------------------

    @property
    def export_label(self) -> Promise:
        return self.label

    def headers(self, language: str) -> list[str]:
        return [column.header(language) for column in self.columns]

    def export_rows(self, language: str = "en") -> Iterator[list[Any]]:
        for values in self.export_values():
            yield [column.shown(values[column.key], language) for column in self.columns]

    def export_values(self) -> Iterator[dict[str, Any]]:
        raise NotImplementedError


def _in_batches(items: list[T], progress: Progress) -> Iterator[list[T]]:
    return batched(progress(items, total=len(items), desc=_("Importing")), BATCH)


# --- customers ------------------------------------------------------------------------------

CUSTOMER_COLUMNS = ("code", "name", "phone", "email", "contact_person", "credit_limit",
                    "payment_terms_days", "payment_method", "status", "notes")


class CustomerKind(Kind):
    name = "customers"
    label = gettext_lazy("Customers")
    columns = (
        Column("code", "客户编码", required=True, en="Customer code",
               aliases=("客户代码",)),
        Column("name", "名称", required=True),
        Column("phone", "电话"),
        Column("email", "邮箱"),
        Column("contact_person", "联系人", aliases=("contact person",)),
        Column("credit_limit", "信用额度", decimal, empty=None,
               aliases=("信用额度(元)", "credit limit")),  # empty: no limit
        Column("payment_terms_days", "账期(天)", whole_number, en="Payment terms (days)",
               aliases=("账期", "payment terms", "付款期限")),
        Column("payment_method", "付款方式", choice(PaymentMethod), aliases=("payment method",)),
        Column("status", "状态", choice(CustomerStatus)),
        Column("notes", "备注"),
        # The default delivery address, in one line.
        Column("address", "送货地址", en="Delivery address"),
    )
    unique = ("code",)
    add_perm = "customers.add_customer"
    view_perm = "customers.view_customer"

    def load(self, raws: list[dict[str, str]]) -> set[str]:
        # The database says which codes match (exactly on PostgreSQL, ignoring case on
        # MariaDB); normalize() only pairs its answers with the file's spelling.
        codes = (raw["code"] for raw in raws if raw.get("code"))
        return {normalize(c.code) for c in existing_values(Customer.objects.only("code"),
                                                           "code", codes)}

    def check(self, values: dict[str, Any],
              taken: set[str]) -> tuple[tuple[Customer, CustomerAddress | None], Problems]:
        line = values.pop("address", "")
        customer = Customer(**values)
        problems = model_problems(customer)
        if normalize(customer.code) in taken:
            problems.append(("code", _("Customer code %(code)s already exists.")
                             % {"code": customer.code}))
        address = CustomerAddress(line=line, is_default=True) if line else None
        if address is not None:
            problems += model_problems(address, exclude=["customer"],
                                       columns={"line": "address"})
        return (customer, address), problems

    def write(self, items: list[tuple[Customer, CustomerAddress | None]], *, actor: Actor,
              source: str, progress: Progress) -> int:
        for batch in _in_batches(items, progress):
            import_customers(batch, actor=actor)
        return len(items)

    def export_values(self) -> Iterator[dict[str, Any]]:
        for customer in customer_list().iterator(chunk_size=BATCH):
            address = customer.default_address
            yield {**{name: getattr(customer, name) for name in CUSTOMER_COLUMNS},
                   "address": address.full_text if address else ""}


# --- products -------------------------------------------------------------------------------

class ProductKind(Kind):
    name = "products"
    label = gettext_lazy("Products")
    columns = (
        Column("sku", "商品编码", required=True, en="SKU"),
        Column("name", "名称", required=True),
        Column("unit", "单位"),
        Column("list_price", "标价", decimal, aliases=("单价", "价格", "list price")),
        Column("quantity_precision", "数量精度", whole_number,
               aliases=("quantity precision",)),
        Column("active", "启用", boolean, aliases=("是否启用",)),
    )
    unique = ("sku",)
    add_perm = "catalog.add_product"
    view_perm = "catalog.view_product"

    def load(self, raws: list[dict[str, str]]) -> set[str]:
        skus = (raw["sku"] for raw in raws if raw.get("sku"))
        return {normalize(p.sku) for p in existing_values(Product.objects.only("sku"),
                                                          "sku", skus)}

    def check(self, values: dict[str, Any], taken: set[str]) -> tuple[Product, Problems]:
        product = Product(**values)
        problems = model_problems(product)
        if normalize(product.sku) in taken:
            problems.append(("sku", _("SKU %(sku)s already exists.") % {"sku": product.sku}))
        return product, problems

    def write(self, items: list[Product], *, actor: Actor, source: str,
              progress: Progress) -> int:
        for batch in _in_batches(items, progress):
            import_products(batch, actor=actor)
        return len(items)

    def export_values(self) -> Iterator[dict[str, Any]]:
        for product in product_list().iterator(chunk_size=BATCH):
            yield {column.key: getattr(product, column.key) for column in self.columns}


# --- opening stock --------------------------------------------------------------------------

@dataclass(frozen=True)
class StockContext:
    products: dict[str, Product]
    warehouses: dict[str, Warehouse]
    with_history: set[tuple[int, int]]  # (product, warehouse) pairs that already have moves


class StockKind(Kind):
    name = "stock"
    label = gettext_lazy("Opening stock")
    columns = (
        Column("sku", "商品编码", required=True, en="SKU"),
        Column("warehouse", "仓库编码", required=True, en="Warehouse code"),
        Column("quantity", "数量", decimal, required=True),
        Column("note", "备注"),
    )
    unique = ("sku", "warehouse")
    add_perm = "inventory.add_stockmove"
    view_perm = "inventory.view_stocklevel"
    export_label = gettext_lazy("Stock on hand")  # what an export holds: today's levels

    def load(self, raws: list[dict[str, str]]) -> StockContext:
        products = {p.sku: p for p in existing_values(
            Product.objects.only("sku", "quantity_precision"), "sku",
            (raw["sku"] for raw in raws if raw.get("sku")))}
        history: set[tuple[int, int]] = set()
        for chunk in batched(sorted(p.pk for p in products.values()), LOOKUP_CHUNK):
            history |= pairs_with_moves(chunk)
        return StockContext(products=products,
                            warehouses={w.code: w for w in warehouse_list()},
                            with_history=history)

    def check(self, values: dict[str, Any],
              context: StockContext) -> tuple[OpeningStock | None, Problems]:
        # Cells that did not parse are missing from ``values``; their messages are out already.
        sku, code = values.get("sku", ""), values.get("warehouse", "")
        quantity: Decimal | None = values.get("quantity")
        note = values.get("note", "")
        product = context.products.get(sku)
        warehouse = context.warehouses.get(code)
        problems: Problems = []
        if product is None:
            problems.append(("sku", _("Unknown SKU %(sku)s.") % {"sku": sku}))
        elif quantity is not None:
            problems += self._quantity_problems(quantity, product)
        if warehouse is None:
            problems.append(("warehouse", _("Unknown warehouse %(code)s.") % {"code": code}))
        elif not warehouse.active:
            problems.append(("warehouse", _("Warehouse %(code)s is inactive.") % {"code": code}))
        if product and warehouse and (product.pk, warehouse.pk) in context.with_history:
            # Opening stock is the first balance; a second import would double it.
            problems.append(("sku", _("%(sku)s already has stock movements in %(warehouse)s; "
                                      "post an adjustment instead.")
                             % {"sku": sku, "warehouse": code}))
        problems += [(name, message) for name, messages
                     in opening_stock_problems(quantity, note).items() for message in messages]
        if problems or product is None or warehouse is None or quantity is None:
            return None, problems
        return OpeningStock(product.pk, warehouse.pk, quantity, note), []

    @staticmethod
    def _quantity_problems(quantity: Decimal, product: Product) -> Problems:
        if quantity <= 0:
            return [("quantity", _("Opening stock must be greater than zero."))]
        try:
            parse_quantity(quantity, product)  # the product's precision, as the services check
        except ValidationFailed as exc:
            return [("quantity", m) for m in exc.details["fields"]["quantity"]]
        return []

    def write(self, items: list[OpeningStock], *, actor: Actor, source: str,
              progress: Progress) -> int:
        # Sorted so that batch after batch takes its row locks in the one global order
        # (product, warehouse) every other stock writer uses.
        items = sorted(items, key=lambda item: (item.product_id, item.warehouse_id))
        for batch in _in_batches(items, progress):
            receive_opening_stock(batch, actor=actor, source_ref=source)
        return len(items)

    def export_values(self) -> Iterator[dict[str, Any]]:
        for level in stock_levels(only_in_stock=True).iterator(chunk_size=BATCH):
            # 12.0000 as 12 for a product counted in whole units, but never rounded.
            shown = level.on_hand.quantize(Decimal(1).scaleb(-level.product.quantity_precision))
            yield {"sku": level.product.sku, "warehouse": level.warehouse.code,
                   "quantity": shown if shown == level.on_hand else level.on_hand, "note": ""}


KINDS: dict[str, Kind] = {kind.name: kind for kind in (CustomerKind(), ProductKind(),
                                                       StockKind())}
