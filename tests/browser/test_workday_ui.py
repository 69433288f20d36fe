"""A clerk's working day in a real browser, in both languages (issue #13): keyboard-only order
entry, the statistics range, errors where they happen, payments allocated later, the queues."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from browser.ui_helpers import LANGUAGES, shoot, text, use_language
from conftest import receive
from web_documents_data import master_data
from wms_sales.catalog.services import create_product
from wms_sales.orders.models import SalesOrder

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
    expect(page.locator("#order-totals .grand-total")).to_have_text(f"{total:,.2f}")
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
