"""A realistic sales history at any scale, written with bulk inserts (COPY on PostgreSQL).

Orders over the past months with weekly and yearly seasonality (Spring Festival dip, 618 and
Double 11 peaks), reviews, partial shipments with invoices, payments, returns with credit
notes — and everything the invariants tie to them: stock moves with running balances
(replenishment receipts keep stock non-negative), reservations of the orders still open,
order history, document numbers and the report aggregates (through the same functions the
event handlers use). ``wms-sales check`` passes afterwards.

Documents carry their real (past) timestamps; no outbox events are written for them: they
happened before this system announced anything."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from tqdm import tqdm

from wms_sales.accounts.roles import REVIEWER, SALES
from wms_sales.accounts.services import create_user
from wms_sales.catalog.models import Product
from wms_sales.common import numbering
from wms_sales.common.db import column_field, insert_rows
from wms_sales.common.money import line_amounts
from wms_sales.customers.models import Customer, CustomerAddress
from wms_sales.finance.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
)
from wms_sales.inventory.models import MoveReason, Reservation, StockLevel, StockMove, Warehouse
from wms_sales.lifecycle.models import DocumentTransition
from wms_sales.orders.models import OrderStatus, SalesOrder, SalesOrderLine
from wms_sales.orders.states import ORDER_LIFE
from wms_sales.outbound.models import Outbound, OutboundLine
from wms_sales.reports import aggregates
from wms_sales.reports.handlers import add_order_change, order_rows
from wms_sales.reports.models import Dimension
from wms_sales.returns.models import ReturnLine, ReturnReason, SalesReturn

from .master import DEMO_PASSWORD

FLUSH_ROWS = 50_000
TAX = Decimal(13)
MONTH_FACTOR = {1: 0.9, 2: 0.6, 3: 0.95, 4: 1.0, 5: 1.05, 6: 1.2, 7: 0.95, 8: 0.95,
                9: 1.0, 10: 1.05, 11: 1.45, 12: 1.2}
WEEKDAY_FACTOR = (1.1, 1.1, 1.05, 1.05, 1.0, 0.55, 0.4)
RESERVATION_SOURCE = "sales_order_line"


def _local_day(moment: datetime) -> date:
    # Every moment here is built from local midnight, so its own date is the local day.
    return moment.date()


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


class Writer:
    """Buffers rows per model with explicit ids and writes them in large batches."""

    def __init__(self) -> None:
        self.buffers: dict[type[models.Model], list[tuple]] = defaultdict(list)
        self.columns: dict[type[models.Model], list[str]] = {}
        self.next_ids: dict[type[models.Model], int] = {}
        self.counts: dict[str, int] = defaultdict(int)

    def new_id(self, model: type[models.Model]) -> int:
        if model not in self.next_ids:
            self.next_ids[model] = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.next_ids[model] += 1
        return self.next_ids[model] - 1

    def add(self, model: type[models.Model], **values: Any) -> int:
        if "id" not in values:
            values["id"] = self.new_id(model)
        if model not in self.columns:
            self.columns[model] = list(values)
        self.buffers[model].append(tuple(values[c] for c in self.columns[model]))
        if len(self.buffers[model]) >= FLUSH_ROWS:
            self.flush(model)
        return values["id"]

    def flush(self, model: type[models.Model] | None = None) -> None:
        for target in [model] if model else list(self.buffers):
            rows = self.buffers.pop(target, [])
            if rows:
                _insert(target, self.columns[target], rows)
                self.counts[target._meta.db_table] += len(rows)

    def finish(self) -> None:
        self.flush()
        models_written = list(self.columns)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models_written):
                cursor.execute(sql)


def _insert(model: type[models.Model], names: list[str], rows: list[tuple]) -> None:
    fields = [column_field(model, name) for name in names]
    if connection.vendor != "postgresql":  # COPY and psycopg take the Python values as they are
        rows = [tuple(f.get_db_prep_value(v, connection) if v is not None else None
                      for f, v in zip(fields, row, strict=True)) for row in rows]
    insert_rows(model._meta.db_table, [f.column for f in fields], rows)


@dataclass
class Stock:
    """Running on-hand per level, so every move carries its balance and none goes below 0."""

    writer: Writer
    actor_id: int
    rng: random.Random
    balance: dict[tuple[int, int], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    reserved: dict[tuple[int, int], Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def move(self, product: int, warehouse: int, quantity: Decimal, reason: str, at: datetime,
             source: tuple[str, int | None, str], actor_id: int) -> None:
        key = (product, warehouse)
        if self.balance[key] + quantity < 0:  # the buyers replenish before we run dry
            receipt = (-quantity - self.balance[key]) + Decimal(self.rng.randrange(200, 2000, 50))
            self._write(key, receipt, MoveReason.RECEIPT, at - timedelta(hours=2),
                        ("purchase", None, ""), self.actor_id)
        self._write(key, quantity, reason, at, source, actor_id)

    def _write(self, key, quantity, reason, at, source, actor_id) -> None:
        self.balance[key] += quantity
        self.writer.add(StockMove, product_id=key[0], warehouse_id=key[1], quantity=quantity,
                        balance_after=self.balance[key], reason=reason, source_type=source[0],
                        source_id=source[1], source_ref=source[2], note="", actor_id=actor_id,
                        created_at=at)


class Numbers:
    """Document numbers for the history, continuing the database's series; the series are
    moved past what the history used when it is saved."""

    def __init__(self) -> None:
        self.last = {prefix: numbering.last_value(prefix) for prefix in numbering.SERIES}

    def next(self, prefix: str, day: date) -> str:
        self.last[prefix] += 1
        return numbering.format_document_number(prefix, day, self.last[prefix])

    def save(self) -> None:
        for prefix, value in self.last.items():
            numbering.skip_past(prefix, value)


@dataclass
class Line:
    id: int
    product: Product
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    shipped: Decimal = Decimal(0)
    returned: Decimal = Decimal(0)
    closed: Decimal = Decimal(0)


class History:
    def __init__(self, *, orders: int, months: int, seed: int, progress: bool) -> None:
        self.rng = random.Random(seed)
        self.total_orders = orders
        self.now = timezone.localtime()
        self.end = self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.start = self.end - timedelta(days=round(months * 30.4))
        self.progress = progress
        self.writer = Writer()
        self.numbers = Numbers()
        self.deltas = aggregates.new_deltas()
        self.reasons: list[tuple] = []

    # --- master data at scale ---------------------------------------------------------

    def _master(self) -> None:
        User = get_user_model()
        self.sellers = [User.objects.filter(username=f"sales{n}").first()
                        or create_user(username=f"sales{n}", role=SALES, password=DEMO_PASSWORD)
                        for n in range(1, 6)]
        # Staff approve and ship; never a seller, who may not approve their own orders.
        self.staff = User.objects.filter(username__in=["admin", "reviewer", "warehouse",
                                                       "finance"]).first() or create_user(
            username="reviewer", role=REVIEWER, password=DEMO_PASSWORD)
        self.warehouses = list(Warehouse.objects.filter(active=True).order_by("id"))
        wanted_customers = min(5000, max(60, self.total_orders // 400))
        wanted_products = min(800, max(40, self.total_orders // 2000))
        self._more_customers(wanted_customers - Customer.objects.count())
        self._more_products(wanted_products - Product.objects.count())
        self.customers = list(Customer.objects.filter(status="active").order_by("id"))
        self.addresses = {a.customer_id: a for a in CustomerAddress.objects.filter(
            is_default=True)}
        self.products = list(Product.objects.filter(active=True).order_by("id"))
        # Popularity: a long tail, so rankings look like a real business's.
        self.product_weights = list(accumulate(1 / (rank + 3)
                                               for rank in range(len(self.products))))
        self.customer_weights = list(accumulate(1 / (rank + 5) ** 0.8
                                                for rank in range(len(self.customers))))

    def _more_customers(self, count: int) -> None:
        cities = ["上海市", "杭州市", "苏州市", "南京市", "宁波市", "合肥市", "无锡市", "广州市",
                  "深圳市", "北京市", "天津市", "成都市", "武汉市", "西安市", "青岛市"]
        trades = ["五金", "建材", "机电", "装饰", "电气", "工具", "管业", "物业", "家居"]
        customers = [Customer(code=f"CUSH{n:06d}", name=f"{self.rng.choice(cities)[:-1]}"
                              f"{self.rng.choice(trades)}客户{n:05d}有限公司",
                              phone=f"1{self.rng.randrange(30, 99)}{self.rng.randrange(10**8):08d}",
                              payment_terms_days=self.rng.choice([0, 15, 30, 30, 45, 60]))
                     for n in range(Customer.objects.count() + 1,
                                    Customer.objects.count() + 1 + max(count, 0))]
        created = Customer.objects.bulk_create(customers, batch_size=2000)
        if created and created[0].pk is None:  # MariaDB does not return ids
            created = list(Customer.objects.filter(code__in=[c.code for c in customers]))
        CustomerAddress.objects.bulk_create(
            [CustomerAddress(customer=c, line=f"{self.rng.choice(cities)}工业路 {c.pk % 900 + 1}号",
                             is_default=True, label="收货地址") for c in created],
            batch_size=2000)

    def _more_products(self, count: int) -> None:
        kinds = [("螺栓", "盒"), ("电缆", "米"), ("开关", "个"), ("灯具", "套"), ("管件", "个"),
                 ("工具", "把"), ("涂料", "桶"), ("胶粘剂", "支"), ("防护用品", "副"),
                 ("阀门", "个")]
        start = Product.objects.count() + 1
        Product.objects.bulk_create(
            [Product(sku=f"GEN-{n:05d}", name=f"{kind}型号{n:05d}", unit=unit,
                     list_price=Decimal(self.rng.randrange(300, 90000)) / 100)
             for n in range(start, start + max(count, 0))
             for kind, unit in [self.rng.choice(kinds)]], batch_size=2000)

    # --- documents ----------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        self._master()
        self.stock = Stock(self.writer, actor_id=self.staff.pk, rng=self.rng)
        self.levels = {(lv.product_id, lv.warehouse_id): lv for lv in StockLevel.objects.all()}
        for key, level in self.levels.items():  # moves continue the existing balances
            self.stock.balance[key] = level.on_hand
            self.stock.reserved[key] = level.reserved
        days = (self.end.date() - self.start.date()).days
        weights = [MONTH_FACTOR[d.month] * WEEKDAY_FACTOR[d.weekday()]
                   for d in (self.start.date() + timedelta(days=i) for i in range(days))]
        scale = self.total_orders / sum(weights)
        per_day = [int(w * scale) for w in weights]
        for i in sorted(range(days), key=lambda i: -(weights[i] * scale - per_day[i])):
            if sum(per_day) >= self.total_orders:
                break
            per_day[i] += 1  # largest remainders: exactly the number asked for
        with tqdm(total=self.total_orders, desc="orders", unit="order",
                  disable=not self.progress or None) as bar:
            for offset, count in enumerate(per_day):
                day = self.start + timedelta(days=offset)
                for _ in range(count):
                    self._order(day)
                bar.update(count)
        self._finish_stock()
        self.writer.finish()
        self.numbers.save()
        aggregates.apply(self.deltas)
        aggregates.apply_reasons(self.reasons)
        return dict(self.writer.counts)

    def _at(self, moment: datetime) -> bool:
        return moment < self.now

    def _order(self, day: datetime) -> None:
        rng = self.rng
        created = day + timedelta(hours=8) + _hours(rng, 0, 11)
        customer = rng.choices(self.customers, cum_weights=self.customer_weights)[0]
        seller = rng.choice(self.sellers)
        warehouse = rng.choice(self.warehouses)
        picked = {p.pk: p for p in rng.choices(self.products, cum_weights=self.product_weights,
                                               k=rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 8]))}
        lines = []
        for product in picked.values():
            quantity = Decimal(rng.choice([1, 2, 3, 5, 6, 10, 12, 20, 24, 50]))
            lines.append(Line(id=self.writer.new_id(SalesOrderLine), product=product,
                              quantity=quantity, unit_price=product.list_price,
                              discount=Decimal(rng.choice([0, 0, 0, 5, 10]))))
        priced = [line_amounts(line.quantity, line.unit_price, line.discount, TAX)
                  for line in lines]
        net = sum((a.net for a in priced), Decimal(0))
        tax = sum((a.tax for a in priced), Decimal(0))
        order_id = self.writer.new_id(SalesOrder)
        number = self.numbers.next("SO", created.date())
        history = [("", OrderStatus.PENDING, created, seller.pk, "")]
        status, reviewed_at, reason = OrderStatus.PENDING, None, ""
        fate = rng.random()
        approved_at = created + _hours(rng, 0.2, 20)
        if not self._at(approved_at):
            pass  # still waiting for review
        elif fate < 0.02:
            status, reviewed_at, reason = OrderStatus.REJECTED, approved_at, "信用审核未通过"
            history.append((OrderStatus.PENDING, status, approved_at, self.staff.pk, reason))
        elif fate < 0.04:
            status, reason = OrderStatus.CANCELLED, "客户取消"
            history.append((OrderStatus.PENDING, status, approved_at, seller.pk, reason))
        else:
            status, reviewed_at = OrderStatus.APPROVED, approved_at
            history.append((OrderStatus.PENDING, status, approved_at, self.staff.pk, ""))
            status = self._fulfil(order_id, number, customer, seller, warehouse, lines, priced,
                                  approved_at, history, cancel=fate < 0.05)
            if status == OrderStatus.CANCELLED:
                reason = "客户取消"
        line_totals = [(line.product.pk, warehouse.pk, amounts.total)
                       for line, amounts in zip(lines, priced, strict=True)]
        rows = order_rows(order_id, customer.pk, seller.pk, net + tax, line_totals)
        approved_day = None
        for from_status, to_status, at, actor, why in history:
            self.writer.add(DocumentTransition, document_type=ORDER_LIFE.document_type,
                            document_id=order_id, event=to_status if from_status else "created",
                            from_status=from_status, to_status=to_status, actor_id=actor,
                            reason=why, at=at)
            if to_status == OrderStatus.APPROVED:
                approved_day = _local_day(at)
            add_order_change(self.deltas, rows, entry_day=created.date(),
                             from_status=from_status, to_status=to_status,
                             day=_local_day(at), approved_day=approved_day)
        address = self.addresses.get(customer.pk)
        self.writer.add(
            SalesOrder, id=order_id, number=number, customer_id=customer.pk, status=status,
            return_status=self._return_status(lines), order_date=created.date(),
            requested_delivery_date=created.date() + timedelta(days=rng.randrange(2, 10)),
            warehouse_id=warehouse.pk, delivery_recipient=customer.contact_person,
            delivery_phone=customer.phone,
            delivery_address=address.full_text if address else "", note="",
            net_amount=net, tax_amount=tax, total_amount=net + tax, line_count=len(lines),
            created_by_id=seller.pk, created_at=created, updated_at=history[-1][2],
            reviewed_by_id=self.staff.pk if reviewed_at else None, reviewed_at=reviewed_at,
            credit_override_reason="", status_reason=reason)
        for n, (line, amounts) in enumerate(zip(lines, priced, strict=True), start=1):
            self.writer.add(
                SalesOrderLine, id=line.id, order_id=order_id, line_no=n,
                product_id=line.product.pk, warehouse_id=warehouse.pk, quantity=line.quantity,
                unit_price=line.unit_price, discount_percent=line.discount,
                tax_rate_percent=TAX, net_amount=amounts.net, tax_amount=amounts.tax,
                total_amount=amounts.total, shipped_quantity=line.shipped,
                returned_quantity=line.returned, closed_quantity=line.closed)

    @staticmethod
    def _return_status(lines: Sequence[Line]) -> str:
        returned = sum(line.returned for line in lines)
        if not returned:
            return "none"
        return "full" if returned >= sum(line.shipped for line in lines) else "partial"

    def _fulfil(self, order_id, number, customer, seller, warehouse, lines, priced,
                approved_at, history, cancel: bool) -> OrderStatus:
        """Approval onwards: shipments (some partial, some closed short), returns."""
        rng = self.rng
        if cancel:
            history.append((OrderStatus.APPROVED, OrderStatus.CANCELLED,
                            approved_at + _hours(rng, 1, 30), seller.pk, "客户取消"))
            return OrderStatus.CANCELLED
        status = OrderStatus.APPROVED
        first = approved_at + _hours(rng, 2, 60)
        partial = rng.random() < 0.15
        # (when, what): quantities per line id, "rest", or None (the rest closed short)
        shipments: list[tuple[datetime, dict[int, Decimal] | str | None]] = [
            (first, {line.id: (line.quantity * Decimal("0.6")).to_integral_value()
                     if partial else line.quantity for line in lines})]
        if partial:
            close_short = rng.random() < 0.1
            second = first + _hours(rng, 40, 150)
            shipments.append((second, None if close_short else "rest"))
        last_shipped = None
        for at, plan in shipments:
            if not self._at(at):
                break
            if plan is None:  # the customer takes what came: the rest is closed short
                for line in lines:
                    line.closed = line.quantity - line.shipped
                history.append((status, OrderStatus.COMPLETED, at, seller.pk, "余量关闭"))
                status = OrderStatus.COMPLETED
                break
            quantities = ({line.id: line.quantity - line.shipped for line in lines}
                          if plan == "rest" else plan)
            if not self._ship(order_id, number, customer, seller, warehouse, lines, quantities,
                              at):
                continue
            last_shipped = at
            target = (OrderStatus.COMPLETED if all(line.shipped + line.closed >= line.quantity
                                                   for line in lines) else OrderStatus.SHIPPING)
            if target != status:
                history.append((status, target, at, self.staff.pk, ""))
                status = target
        for line in lines:  # what is approved and not shipped or closed stays reserved
            open_quantity = line.quantity - line.shipped - line.closed
            if status in (OrderStatus.APPROVED, OrderStatus.SHIPPING) and open_quantity > 0:
                self.stock.reserved[(line.product.pk, warehouse.pk)] += open_quantity
                self.writer.add(Reservation, product_id=line.product.pk,
                                warehouse_id=warehouse.pk, source_type=RESERVATION_SOURCE,
                                source_id=line.id, source_ref=number, quantity=open_quantity,
                                created_at=approved_at, updated_at=approved_at)
        if last_shipped and rng.random() < 0.05:
            self._return(order_id, number, customer, seller, warehouse, lines, last_shipped)
        return status

    def _ship(self, order_id, number, customer, seller, warehouse, lines, quantities,
              at: datetime) -> bool:
        """Post an outbound of ``quantities`` and its invoice; False when nothing is left to
        ship (a partial first shipment rounded up to everything), so nothing is written."""
        if not any(quantities.get(line.id, 0) > 0 for line in lines):
            return False
        outbound_id = self.writer.new_id(Outbound)
        invoice_id = self.writer.new_id(Invoice)
        ob_number = self.numbers.next("OB", at.date())
        inv_number = self.numbers.next("INV", at.date())
        net = tax = Decimal(0)
        line_no = 0
        for line in lines:
            quantity = quantities.get(line.id, Decimal(0))
            if quantity <= 0:
                continue
            line_no += 1
            amounts = line_amounts(quantity, line.unit_price, line.discount, TAX)
            net, tax = net + amounts.net, tax + amounts.tax
            line.shipped += quantity
            self.writer.add(OutboundLine, outbound_id=outbound_id, order_line_id=line.id,
                            quantity=quantity, net_amount=amounts.net, tax_amount=amounts.tax,
                            total_amount=amounts.total)
            self.writer.add(InvoiceLine, invoice_id=invoice_id, line_no=line_no,
                            sku=line.product.sku, description=line.product.name,
                            unit=line.product.unit, quantity=quantity,
                            unit_price=line.unit_price, discount_percent=line.discount,
                            tax_rate_percent=TAX, net_amount=amounts.net,
                            tax_amount=amounts.tax, total_amount=amounts.total)
            self.stock.move(line.product.pk, warehouse.pk, -quantity, MoveReason.SALE_ISSUE, at,
                            ("outbound", outbound_id, ob_number), self.staff.pk)
            aggregates.spread(self.deltas, _local_day(at),
                              {Dimension.CUSTOMER: customer.pk, Dimension.SALESPERSON: seller.pk,
                               Dimension.PRODUCT: line.product.pk,
                               Dimension.WAREHOUSE: warehouse.pk},
                              {"shipped_quantity": quantity, "shipped_net": amounts.net,
                               "shipped_gross": amounts.total})
        total = net + tax
        issue_date = _local_day(at)
        due = issue_date + timedelta(days=customer.payment_terms_days)
        paid_on = due + timedelta(days=self.rng.randrange(-10, 20))
        paid = total if (self.rng.random() < 0.93 and paid_on < self.end.date()) else Decimal(0)
        self.writer.add(Invoice, id=invoice_id, number=inv_number, customer_id=customer.pk,
                        source_type="outbound", source_id=outbound_id, source_ref=ob_number,
                        order_ref=number, issue_date=issue_date, due_date=due, net_amount=net,
                        tax_amount=tax, total_amount=total, paid_amount=paid,
                        credited_amount=Decimal(0), status="paid" if paid else "open",
                        created_by_id=self.staff.pk, created_at=at)
        self.writer.add(Outbound, id=outbound_id, number=ob_number, order_id=order_id,
                        warehouse_id=warehouse.pk, status="posted",
                        planned_ship_date=issue_date, shipped_at=at, carrier="顺丰速运",
                        tracking_number=f"SF{self.rng.randrange(10**11, 10**12)}", note="",
                        cancel_reason="", invoice_id=invoice_id, created_by_id=self.staff.pk,
                        created_at=at - timedelta(hours=1), posted_by_id=self.staff.pk)
        if paid:
            self._pay(customer, invoice_id, total, paid_on)
        return True

    def _pay(self, customer, invoice_id: int, amount: Decimal, paid_on: date) -> None:
        payment_id = self.writer.add(
            Payment, number=self.numbers.next("PAY", paid_on), customer_id=customer.pk,
            amount=amount, method=customer.payment_method, received_on=paid_on,
            reference="", note="", credit_note_id=None, created_by_id=self.staff.pk,
            created_at=timezone.make_aware(datetime.combine(paid_on, time(10))))
        self.writer.add(PaymentAllocation, payment_id=payment_id, invoice_id=invoice_id,
                        amount=amount)
        aggregates.spread(self.deltas, paid_on, {Dimension.CUSTOMER: customer.pk},
                          {"paid_amount": amount})

    def _return(self, order_id, number, customer, seller, warehouse, lines,
                shipped_at: datetime) -> None:
        rng = self.rng
        requested = shipped_at + _hours(rng, 24, 120)
        received = requested + _hours(rng, 48, 200)
        if not self._at(received):
            return
        line = rng.choice([line for line in lines if line.shipped > 0])
        quantity = Decimal(rng.randrange(1, int(line.shipped) + 1))
        damaged = Decimal(1) if rng.random() < 0.3 else Decimal(0)
        good = quantity - damaged
        line.returned += quantity
        amounts = line_amounts(quantity, line.unit_price, line.discount, TAX)
        return_id = self.writer.new_id(SalesReturn)
        note_id = self.writer.new_id(CreditNote)
        rt_number = self.numbers.next("RT", requested.date())
        cn_number = self.numbers.next("CN", received.date())
        reason = rng.choice(ReturnReason.values)
        self.writer.add(ReturnLine, sales_return_id=return_id, order_line_id=line.id,
                        quantity=quantity, expected_condition="damaged" if damaged else "good",
                        reason=reason, reason_text="", received_good=good,
                        received_damaged=damaged, net_amount=amounts.net,
                        tax_amount=amounts.tax, total_amount=amounts.total)
        self.writer.add(CreditNote, id=note_id, number=cn_number, customer_id=customer.pk,
                        source_type="return", source_id=return_id, source_ref=rt_number,
                        order_ref=number, issue_date=_local_day(received),
                        net_amount=amounts.net, tax_amount=amounts.tax,
                        total_amount=amounts.total, applied_amount=Decimal(0),
                        refunded_amount=Decimal(0), status="open",
                        created_by_id=self.staff.pk, created_at=received)
        self.writer.add(CreditNoteLine, credit_note_id=note_id, line_no=1, sku=line.product.sku,
                        description=line.product.name, unit=line.product.unit,
                        quantity=quantity, unit_price=line.unit_price,
                        discount_percent=line.discount, tax_rate_percent=TAX,
                        net_amount=amounts.net, tax_amount=amounts.tax,
                        total_amount=amounts.total)
        self.writer.add(SalesReturn, id=return_id, number=rt_number, order_id=order_id,
                        status="received", note="", status_reason="", warehouse_id=None,
                        credit_note_id=note_id, requested_by_id=seller.pk,
                        requested_at=requested, reviewed_by_id=self.staff.pk,
                        reviewed_at=requested + timedelta(hours=3),
                        received_by_id=self.staff.pk, received_at=received)
        source = ("return", return_id, rt_number)
        if good:
            self.stock.move(line.product.pk, warehouse.pk, good, MoveReason.RETURN_RESTOCK,
                            received, source, self.staff.pk)
        if damaged:
            self.stock.move(line.product.pk, warehouse.pk, damaged, MoveReason.RETURN_DAMAGED,
                            received, source, self.staff.pk)
            self.stock.move(line.product.pk, warehouse.pk, -damaged, MoveReason.WRITE_OFF,
                            received, source, self.staff.pk)
        day = _local_day(received)
        aggregates.spread(self.deltas, day, {Dimension.CUSTOMER: customer.pk,
                                             Dimension.SALESPERSON: seller.pk,
                                             Dimension.PRODUCT: line.product.pk,
                                             Dimension.WAREHOUSE: warehouse.pk},
                          {"returned_quantity": quantity, "returned_net": amounts.net,
                           "returned_gross": amounts.total})
        self.reasons.append((day, line.product.pk, reason, quantity, amounts.total))

    def _finish_stock(self) -> None:
        """Reserved stock must be on hand: top up where open orders hold more, then write
        the levels the ledger adds up to."""
        for key, reserved in self.stock.reserved.items():
            if self.stock.balance[key] < reserved:
                self.stock.move(*key, reserved - self.stock.balance[key] + 100,
                                MoveReason.RECEIPT, timezone.now() - timedelta(hours=1),
                                ("purchase", None, ""), self.staff.pk)
        self.writer.flush(StockMove)
        changed, created = [], []
        for key, quantity in self.stock.balance.items():
            level = self.levels.get(key)
            if level is None:
                created.append(StockLevel(product_id=key[0], warehouse_id=key[1],
                                          on_hand=quantity, reserved=self.stock.reserved[key]))
            else:
                level.on_hand, level.reserved = quantity, self.stock.reserved[key]
                changed.append(level)
        StockLevel.objects.bulk_create(created, batch_size=2000)
        StockLevel.objects.bulk_update(changed, ["on_hand", "reserved"], batch_size=2000)


def generate_history(*, orders: int, months: int = 18, seed: int = 2026,
                     progress: bool = True) -> dict[str, int]:
    """Write ``orders`` orders of history (needs the master data of ``load_master_data``)."""
    if not Warehouse.objects.filter(active=True).exists():
        raise ValueError("Load the master data first (wms-sales demo).")
    with transaction.atomic():
        if connection.vendor == "mysql":  # rows arrive in batches, not parents first
            with connection.cursor() as cursor:
                cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        try:
            return History(orders=orders, months=months, seed=seed, progress=progress).run()
        finally:
            if connection.vendor == "mysql":
                with connection.cursor() as cursor:
                    cursor.execute("SET FOREIGN_KEY_CHECKS = 1")

