"""A clerk's working day in a real browser, in both languages (issue #13): keyboard-only order
entry, the statistics range, errors where they happen, payments allocated later, the queues."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Locator, Page, expect

from browser.ui_helpers import LANGUAGES, shoot, text, use_language
from conftest import receive
from web_documents_data import (
    CUSTOMER_NAME,
    approved_order,
    master_data,
    order_of,
    received_return,
    shipped_order,
)
from wms_sales.catalog.services import create_product
from wms_sales.finance.models import Invoice, Payment
from wms_sales.finance.services import record_payment
from wms_sales.orders.models import SalesOrder
from wms_sales.returns.models import SalesReturn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINES = 30


def keyboard_products(data: dict) -> list:
    """Ten more products in stock in Shanghai, "KB-01" … "KB-10", named 键盘零件 N."""
    products = []
    for n in range(1, 11):
        product = create_product(actor=None, sku=f"KB-{n:02d}", name=f"键盘零件 {n}",
                                 unit="个", list_price=Decimal(n))
        receive(product, data["shanghai"], "1000")
        products.append(product)
    return products


@pytest.mark.parametrize("language", LANGUAGES)
def test_thirty_order_lines_by_keyboard_alone(login, live_server, language):
    data = master_data()
    products = keyboard_products(data)
    page = use_language(login("sales"), language)
    page.goto(f"{live_server.url}/orders/new/")
    page.select_option("#id_customer", str(data["customer"].pk))
    expect(page.locator("#id_delivery_address")).to_have_value(
        str(data["customer"].default_address.pk))

    page.locator("tr.order-line input.product-search").first.focus()
    expected = []
    for i in range(LINES):
        product = products[i % len(products)]
        row = page.locator("tr.order-line").nth(i)
        search = row.locator("input.product-search")
        expect(search).to_be_focused()
        # Every third line by (part of) its name, the others by SKU; Enter picks at once,
        # even before the list has arrived.
        typed = product.name if i % 3 == 0 else product.sku.lower()
        page.keyboard.type(typed)
        page.keyboard.press("Enter")
        quantity = row.locator("input[name$='-quantity']")
        expect(quantity).to_be_focused()
        expect(row.locator("input[data-product]")).to_have_value(str(product.pk))
        expect(row.locator(".available")).to_contain_text(
            text(language, "可用：1000 个", "Available: 1000 个"))
        page.keyboard.type(str(i + 1))
        page.keyboard.press("Enter")  # on to the next line, a new one at the end
        expected.append((product.pk, Decimal(i + 1)))
    expect(page.locator("tr.order-line")).to_have_count(LINES + 1)
    total = sum(Decimal(i + 1) * products[i % 10].list_price for i in range(LINES))
    expect(page.locator("#order-totals .grand-total")).to_have_text(f"¥{total:,.2f}")
    shoot(page, f"order-entry-30-lines-{language}")

    page.keyboard.press("Control+Enter")  # saves from the line, the blank last row skipped
    expect(page.locator(".messages")).to_contain_text(text(language, "已创建", "created"))
    order = SalesOrder.objects.get()
    assert [(line.product_id, line.quantity) for line in order.lines.order_by("line_no")] \
        == expected
    assert order.total_amount == total


@pytest.mark.parametrize("language", LANGUAGES)
def test_enter_in_a_product_search_never_submits_the_order(login, live_server, language):
    master_data()
    page = use_language(login("sales"), language)
    page.goto(f"{live_server.url}/orders/new/")
    search = page.locator("tr.order-line input.product-search").first
    search.fill("no such thing")
    search.press("Enter")
    listbox = page.locator("tr.order-line [role=listbox]").first
    expect(listbox).to_contain_text(text(language, "没有", "No active product"))
    expect(search).to_have_value("no such thing")  # kept, nothing submitted
    assert not SalesOrder.objects.exists()
    # The arrows choose among several hits; Enter picks the highlighted one.
    search.fill("")
    search.press_sequentially("-")
    expect(listbox.locator("[role=option]")).to_have_count(2)
    search.press("ArrowDown")
    search.press("Enter")
    row = page.locator("tr.order-line").first
    expect(row.locator("input[name$='-quantity']")).to_be_focused()
    expect(search).to_have_value("SKU-001 · 螺丝刀")  # CABLE-M, then SKU-001
    expect(row.locator("input[data-price]")).to_have_value("12.50")


@pytest.mark.parametrize("language", LANGUAGES)
def test_enter_in_the_statistics_dates_applies_the_typed_range(login, live_server, language):
    master_data()
    page = use_language(login("reviewer"), language)
    page.goto(f"{live_server.url}/statistics/")
    page.evaluate("window.notReloaded = true")
    page.fill("#id_date_from", "2026-10-03")
    date_to = page.locator("#id_date_to")
    date_to.fill("2026-10-20")
    date_to.press("Enter")
    expect(page).to_have_url(re.compile(r"date_from=2026-10-03&date_to=2026-10-20"))
    expect(page.locator(".report-range")).to_contain_text(
        text(language, "2026年10月3日", "Oct. 3, 2026"))
    expect(page.locator("#id_date_from")).to_have_value("2026-10-03")
    expect(page.locator("#id_date_to")).to_have_value("2026-10-20")
    expect(page.locator(".quick-ranges [aria-pressed=true]")).to_have_count(0)
    assert "range=" not in page.url
    assert page.evaluate("window.notReloaded") is True  # swapped in place by htmx


def below(page: Page, error: Locator, field: Locator) -> None:
    """The error sits under its field, not over it."""
    expect(error).to_be_visible()
    error_box, field_box = error.bounding_box(), field.bounding_box()
    assert error_box and field_box
    assert error_box["y"] >= field_box["y"] + field_box["height"] - 1, (error_box, field_box)


@pytest.mark.parametrize("language", LANGUAGES)
def test_errors_sit_next_to_their_field_and_keep_what_was_typed(login, live_server, language):
    data = master_data()
    page = use_language(login("sales"), language)
    page.goto(f"{live_server.url}/orders/new/")
    page.select_option("#id_customer", str(data["customer"].pk))
    row = page.locator("tr.order-line").first
    row.locator("input.product-search").fill("SKU-001")
    row.locator("input.product-search").press("Enter")
    # The pick is done (price filled, focus moved on) before anything else is typed: under load
    # a late pick would otherwise land on fields typed meanwhile.
    expect(row.locator("input[name$='-quantity']")).to_be_focused()
    expect(row.locator("input[data-price]")).to_have_value("12.50")
    row.locator("input[name$='-quantity']").fill("4")
    expect(page.locator("#lines-0-amount")).to_have_text("¥50.00")
    discount = row.locator("input[name$='-discount_percent']")
    discount.fill("150")
    # The live totals refuse to price the line rather than show a negative amount.
    expect(page.locator("#lines-0-amount")).to_have_text("—")
    expect(page.locator("#order-totals .grand-total")).to_have_text("¥0.00")
    page.get_by_role("button", name=text(language, "保存订单", "Save order")).click()

    discount = page.locator("tr.order-line").first.locator("input[name$='-discount_percent']")
    expect(discount).to_have_value("150")  # kept
    expect(discount).to_have_attribute("aria-invalid", "true")
    expect(discount).to_be_focused()
    expect(discount).to_be_in_viewport()
    error = discount.locator("xpath=..").locator("small.error")
    expect(error).to_contain_text(text(language, "100", "100"))
    below(page, error, discount)
    row = page.locator("tr.order-line").first
    expect(row.locator("input.product-search")).to_have_value("SKU-001 · 螺丝刀")
    expect(row.locator("input[name$='-quantity']")).to_have_value("4")
    shoot(page, f"order-entry-error-{language}")
    assert not SalesOrder.objects.exists()

    # Rejecting without a reason: the error by the reason, in view, at the order's URL.
    order = order_of(data, ("screwdriver", "1"))
    page = use_language(login("reviewer"), language)
    order_url = f"{live_server.url}/orders/{order.pk}/"
    page.goto(order_url)
    page.locator("form[action$='/reject/'] button[type=submit]").click()
    reason = page.locator("#id_reject-reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_be_focused()
    expect(reason).to_be_in_viewport()
    expect(page).to_have_url(order_url)
    reason.fill("价格有误")
    page.locator("form[action$='/reject/'] button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        text(language, "已驳回", "Rejected"))

    # A negative payment: marked on the amount, which keeps the typed value.
    page = use_language(login("finance"), language)
    page.goto(f"{live_server.url}/payments/new/")
    page.select_option("#id_customer", str(data["customer"].pk))
    page.fill("#id_amount", "-5")
    page.get_by_role("button", name=text(language, "登记收款", "Record payment")).click()
    amount = page.locator("#id_amount")
    expect(amount).to_have_value("-5")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_be_focused()
    below(page, amount.locator("xpath=..").locator("small.error"), amount)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_payment_saved_without_allocation_is_allocated_later(login, live_server, language):
    data = master_data()
    shipped_order(data, ("screwdriver", "4"))  # an invoice of 50.00
    invoice = Invoice.objects.get()
    page = use_language(login("finance"), language)
    page.goto(f"{live_server.url}/payments/new/?customer={data['customer'].pk}")
    page.fill("#id_amount", "1080")
    page.get_by_role("button", name=text(language, "登记收款", "Record payment")).click()
    payment = Payment.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(payment.number)
    expect(page.locator("dd.unallocated")).to_have_text("¥1,080.00")

    # The customer's balance and the open invoices agree, line by line.
    page.goto(f"{live_server.url}/customers/{data['customer'].pk}/")
    reconcile = page.locator("dl.reconcile")
    expect(reconcile.locator("dd").first).to_have_text("¥50.00")
    expect(reconcile.locator("dd.unallocated")).to_have_text("−¥1,080.00")
    expect(reconcile.locator("dd.balance")).to_have_text("-¥1,030.00")

    # From the list, by its number, to the payment; allocate the invoice there.
    page.goto(f"{live_server.url}/payments/")
    page.get_by_role("link", name=payment.number).click()
    page.fill(f"#id_invoice-{invoice.pk}-amount", "50")
    page.get_by_role("button", name=text(language, "核销", "Allocate"), exact=True).click()
    expect(page.locator(".messages")).to_contain_text(
        text(language, "收款已核销", "Payment allocated"))
    expect(page.locator("dd.unallocated")).to_have_text("¥1,030.00")
    allocations = page.locator("article.payment-allocations")
    expect(allocations).to_contain_text(invoice.number)
    shoot(page, f"payment-{language}")
    invoice.refresh_from_db()
    assert invoice.status == "paid"

    page.goto(f"{live_server.url}/customers/{data['customer'].pk}/")
    expect(reconcile.locator("dd").first).to_have_text("¥0.00")
    expect(reconcile.locator("dd.unallocated")).to_have_text("−¥1,030.00")
    expect(reconcile.locator("dd.balance")).to_have_text("-¥1,030.00")

    # Taken back: the invoice is open again.
    page.goto(f"{live_server.url}/payments/{payment.pk}/")
    page.get_by_role("button", name=text(language, "撤销核销", "Take back")).click()
    expect(page.locator(".messages")).to_contain_text(
        text(language, "核销已撤销", "Allocation taken back"))
    expect(page.locator("dd.unallocated")).to_have_text("¥1,080.00")
    invoice.refresh_from_db()
    assert invoice.status == "open"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_line_shows_available_stock_and_takes_the_default_tax_rate(login, live_server,
                                                                     language):
    data = master_data()
    lamp = create_product(actor=None, sku="LED-9W", name="LED 灯泡 9W", unit="个",
                          list_price=Decimal("8.80"), tax_rate_percent=Decimal(13))
    receive(lamp, data["beijing"], "40")
    page = use_language(login("sales"), language)
    page.goto(f"{live_server.url}/orders/new/")
    page.select_option("#id_customer", str(data["customer"].pk))
    row = page.locator("tr.order-line").first
    search = row.locator("input.product-search")
    search.fill("led")
    expect(row.locator("[role=option]")).to_contain_text(
        text(language, "此仓库无库存", "Not stocked in this warehouse"))  # Shanghai
    row.locator("select[name$='-warehouse']").select_option(str(data["beijing"].pk))
    search.focus()
    search.press("Enter")
    available = row.locator(".available")
    expect(available).to_have_text(text(language, "可用：40 个", "Available: 40 个"))
    expect(row.locator("input[name$='-tax_rate_percent']")).to_have_value("13")
    expect(row.locator("input[data-price]")).to_have_value("8.80")
    page.keyboard.type("2")
    # 2 × 8.80 = 17.60, 13 % tax 2.29.
    expect(page.locator("#lines-0-amount")).to_have_text("¥19.89")
    row.locator("select[name$='-warehouse']").select_option("")  # back to Shanghai
    expect(available).to_have_text(
        text(language, "此仓库无库存", "Not stocked in this warehouse"))
    expect(available).to_have_class(re.compile("short"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_return_form_starts_at_zero_and_asks_reasons_only_where_returned(
        login, live_server, language):
    data = master_data()
    order = shipped_order(data, ("screwdriver", "5"), ("cable", "2.5"))
    screwdriver, cable = order.lines.order_by("line_no")
    page = use_language(login("sales"), language)
    page.goto(f"{live_server.url}/orders/{order.pk}/return/")
    first = page.locator(f"#id_line-{screwdriver.pk}-quantity")
    second = page.locator(f"#id_line-{cable.pk}-quantity")
    expect(first).to_have_value("0")
    expect(second).to_have_value("0.00")
    page.get_by_role("button", name=text(language, "全部退货", "Return all")).click()
    expect(first).to_have_value("5")
    expect(second).to_have_value("2.50")
    second.fill("0")  # the cable stays with the customer: no reason asked for it
    first.fill("2")
    page.select_option(f"#id_line-{screwdriver.pk}-reason", "quality")
    shoot(page, f"return-form-{language}")
    page.get_by_role("button", name=text(language, "提交退货申请", "Request return")).click()
    sales_return = SalesReturn.objects.get()
    expect(page.locator(".messages")).to_contain_text(sales_return.number)
    assert [(line.order_line_id, line.quantity) for line in sales_return.lines.all()] == [
        (screwdriver.pk, Decimal(2))]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_role_lands_on_its_queue_with_counts(login, live_server, language):
    data = master_data()
    pending = order_of(data, ("screwdriver", "1"))
    approved_order(data, ("cable", "2"))
    shipped_order(data, ("screwdriver", "2"))  # an invoice, due in 30 days
    Invoice.objects.update(due_date=date(2020, 1, 31))  # long overdue
    record_payment(actor=None, customer_id=data["customer"].pk, amount=Decimal(7),
                   method="cash")

    page = use_language(login("reviewer"), language)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        text(language, "我的待办", "My work"))
    expect(page.locator("[data-count=review-orders]")).to_have_text("1")
    expect(page.locator("#review-orders")).to_contain_text(pending.number)
    shoot(page, f"queue-reviewer-{language}")
    page.locator("#review-orders").get_by_role("link", name=pending.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(pending.number)

    page = use_language(login("warehouse"), language)
    page.goto(f"{live_server.url}/")
    expect(page.locator("[data-count=to-ship]")).to_have_text("1")
    page.locator("[data-count=to-ship]").click()
    queue = page.locator("table.queue tbody tr")
    expect(queue).to_have_count(1)
    search = page.get_by_role("searchbox")
    search.fill("no such order")
    expect(queue).to_have_count(0)
    search.fill(CUSTOMER_NAME[:4])
    expect(queue).to_have_count(1)

    page = use_language(login("finance"), language)
    page.goto(f"{live_server.url}/")
    expect(page.locator("[data-count=overdue]")).to_have_text("1")
    expect(page.locator("[data-count=unallocated]")).to_have_text("1")
    expect(page.locator("table.company-aging td").nth(4)).to_have_text("¥25.00")  # over 90
    shoot(page, f"queue-finance-{language}")

    page = use_language(login("sales"), language)
    page.goto(f"{live_server.url}/")  # no queue of its own: the statistics
    expect(page.get_by_role("heading", level=1)).to_have_text(
        text(language, "销售统计", "Sales statistics"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_printable_order_confirmation_and_invoice(login, live_server, language, settings):
    settings.WMS_COMPANY_NAME = "杭州示例仓储有限公司"
    data = master_data()
    order = shipped_order(data, ("screwdriver", "4"))
    invoice = Invoice.objects.get()
    page = use_language(login("admin"), language)
    for url, link, heading in (
            (f"/orders/{order.pk}/", text(language, "订单确认书", "Order confirmation"),
             text(language, "订单确认书", "Order confirmation")),
            (f"/invoices/{invoice.pk}/", text(language, "打印", "Print"),
             text(language, "发票", "Invoice"))):
        page.goto(f"{live_server.url}{url}")
        with page.context.expect_page() as opened:
            page.get_by_role("button", name=link, exact=True).click()
        sheet = opened.value
        expect(sheet.locator("h1")).to_have_text(heading)
        expect(sheet.locator(".company")).to_have_text("杭州示例仓储有限公司")
        expect(sheet.locator("tbody tr")).to_have_count(1)
        expect(sheet.locator("tbody")).to_contain_text("螺丝刀")
        expect(sheet.locator("tfoot")).to_contain_text("50.00")
        shoot(sheet, f"print-{heading}-{language}")
        sheet.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_money_format_in_both_languages(login, live_server, language):
    data = master_data()
    shipped_order(data, ("screwdriver", "4"))  # 50.00 invoiced
    record_payment(actor=None, customer_id=data["customer"].pk, amount=Decimal("2180376.53"),
                   method="bank_transfer")
    page = use_language(login("finance"), language)
    page.goto(f"{live_server.url}/payments/")
    expect(page.locator("#results tbody td.num").first).to_have_text("¥2,180,376.53")
    page.goto(f"{live_server.url}/invoices/")
    expect(page.locator("#results tbody td.num").first).to_have_text("¥50.00")
    # A document's summary (and the payment's) in the same format.
    page.locator("#results tbody a[href^='/invoices/']").first.click()
    expect(page.locator("dl.figures dd").first).to_have_text("¥50.00")
    expect(page.locator("dl.figures dd").last).to_have_text("¥50.00")  # still open
    page.goto(f"{live_server.url}/payments/{Payment.objects.get().pk}/")
    expect(page.locator("dd.unallocated")).to_have_text("¥2,180,376.53")
    page.goto(f"{live_server.url}/customers/{data['customer'].pk}/")
    cards = page.locator("article.account .stat-value")
    expect(cards.nth(0)).to_have_text("¥50.00")
    expect(cards.nth(2)).to_have_text("¥2,180,376.53")
    expect(cards.nth(3)).to_have_text("-¥2,180,326.53")
    # The charts: money axes and tooltips in the same format, rates stay percentages.
    page = use_language(login("admin"), language)
    page.goto(f"{live_server.url}/statistics/")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-sales')")
    ticks, tooltip, rate = page.evaluate("""() => {
        const sales = Chart.getChart('chart-sales'), rate = Chart.getChart('chart-return-rate');
        const label = sales.options.plugins.tooltip.callbacks.label;
        return [sales.options.scales.y.ticks.callback(2180376.53),
                label({dataset: {label: 'x'}, parsed: {y: -1234.5}}),
                rate.options.scales.y.ticks.callback(1.5)];
    }""")
    assert (ticks, tooltip, rate) == ("¥2,180,376.53", "x: -¥1,234.5", "1.5%")
    # The order form's live totals too: a line of 1,000 × 12.50.
    page = use_language(login("sales"), language)
    page.goto(f"{live_server.url}/orders/new/")
    page.select_option("#id_customer", str(data["customer"].pk))
    page.select_option("#id_warehouse", str(data["shanghai"].pk))
    row = page.locator("tr.order-line").first
    row.locator("input.product-search").fill("SKU-001")
    row.locator("input.product-search").press("Enter")
    row.locator("input[name$='-quantity']").fill("1000")
    row.locator("input[name$='-quantity']").dispatch_event("change")
    expect(page.locator("#lines-0-amount")).to_have_text("¥12,500.00")
    expect(page.locator("#order-totals .grand-total")).to_have_text("¥12,500.00")


@pytest.mark.parametrize("language", LANGUAGES)
def test_lists_sort_by_column_and_jump_to_a_page(login, live_server, language):
    data = master_data()
    for n in range(1, 56):  # 3 pages of 25
        order_of(data, ("screwdriver", str(n)))
    page = use_language(login("sales"), language)
    page.goto(f"{live_server.url}/orders/")
    pager = page.locator("nav.pagination")
    expect(pager.locator("[aria-current=page]")).to_have_text("1")
    pager.get_by_role("link", name="3", exact=True).click()
    expect(pager.locator("[aria-current=page]")).to_have_text("3")
    expect(page.locator("#results tbody tr")).to_have_count(5)
    pager.locator("input[name=page]").fill("2")
    pager.locator("input[name=page]").press("Enter")
    expect(pager.locator("[aria-current=page]")).to_have_text("2")

    # Sorting by the total, both ways; the page starts again at 1.
    header = page.get_by_role("link", name=text(language, "合计", "Total"))
    header.click()
    expect(page).to_have_url(re.compile(r"sort=total"))
    expect(pager.locator("[aria-current=page]")).to_have_text("1")
    expect(page.locator("#results tbody tr").first.locator("td.num").last).to_have_text("¥12.50")
    page.get_by_role("link", name=text(language, "合计", "Total")).click()
    expect(page).to_have_url(re.compile(r"sort=-total"))
    expect(page.locator("#results tbody tr").first.locator("td.num").last).to_have_text("¥687.50")

    # The other lists sort the same way, e.g. the products by list price.
    page.goto(f"{live_server.url}/products/")
    first_sku = page.locator("#results tbody tr").first.locator("td").first
    page.get_by_role("link", name=text(language, "标价", "List price")).click()
    expect(page).to_have_url(re.compile(r"sort=price"))
    expect(first_sku).to_have_text("CABLE-M")
    page.get_by_role("link", name=text(language, "标价", "List price")).click()
    expect(page).to_have_url(re.compile(r"sort=-price"))
    expect(first_sku).to_have_text("SKU-001")


@pytest.mark.parametrize("language", LANGUAGES)
def test_document_lists_search_number_or_customer_in_one_box(login, live_server, language):
    data = master_data()
    order = shipped_order(data, ("screwdriver", "4"))
    received_return(order)  # a credit note for the customer
    page = use_language(login("admin"), language)
    for path in ("/credit-notes/", "/invoices/", "/payments/", "/returns/", "/outbound/all/"):
        if path == "/payments/":
            record_payment(actor=None, customer_id=data["customer"].pk, amount=Decimal(1),
                           method="bank_transfer")
        page.goto(f"{live_server.url}{path}")
        rows = page.locator("#results tbody tr")
        expect(rows).to_have_count(1)
        search = page.get_by_role("searchbox")
        search.fill("no such customer")
        expect(page.locator("#results")).not_to_contain_text(CUSTOMER_NAME)
        search.fill(CUSTOMER_NAME[2:6])  # part of the name, live
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(CUSTOMER_NAME)
        shoot(page, f"search-{path.strip('/').replace('/', '-')}-{language}")
