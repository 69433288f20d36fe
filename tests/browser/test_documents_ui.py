"""The document flows in a real browser, in Chinese: entering and approving an order, shipping
part of it from the work queue with its delivery note, and the whole return path."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pypdf
import pytest
from playwright.sync_api import expect

from browser.ui_helpers import shoot
from web_documents_data import approved_order, master_data, shipped_order
from wms_sales.finance.models import CreditNote
from wms_sales.inventory.models import StockLevel
from wms_sales.orders.models import SalesOrder
from wms_sales.returns.models import SalesReturn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pick_product(row, search: str, product_pk: int) -> None:
    """Type into a line's product control, then pick the one product it lists."""
    row.locator("input.product-search").press_sequentially(search, delay=40)
    options = row.locator("[role=option]")
    expect(options).to_have_count(1)
    options.first.click()
    expect(row.locator("input[data-product]")).to_have_value(str(product_pk))


def test_enter_an_order_with_live_totals_and_approve_it(login, live_server):
    data = master_data()
    page = login("sales")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="销售订单").click()
    page.get_by_role("button", name="新建订单").click()

    page.select_option("#id_customer", str(data["customer"].pk))
    # The customer's addresses arrive over htmx, the default one chosen.
    expect(page.locator("#id_delivery_address")).to_have_value(
        str(data["customer"].default_address.pk))
    page.fill("#id_requested_delivery_date", "2030-03-01")

    first = page.locator("tr.order-line").nth(0)
    pick_product(first, "螺丝", data["screwdriver"].pk)
    expect(first.locator("input[data-price]")).to_have_value("12.50")  # the list price
    first.locator("input[name$='-quantity']").fill("4")
    expect(page.locator("#lines-0-amount")).to_have_text("¥50.00")

    page.get_by_role("button", name="添加行").click()
    second = page.locator("tr.order-line").nth(1)
    expect(second.locator("input.product-search")).to_be_focused()
    pick_product(second, "电缆", data["cable"].pk)
    second.locator("input[name$='-quantity']").fill("2.5")
    second.locator("input[name$='-discount_percent']").fill("10")
    second.locator("input[name$='-tax_rate_percent']").fill("13")
    # 2.5 × 3.20 − 10 % = 7.20 net, 13 % tax 0.94: priced by the server, not in the browser.
    expect(page.locator("#lines-1-amount")).to_have_text("¥8.14")
    totals = page.locator("#order-totals")
    expect(totals.locator(".grand-total")).to_have_text("¥58.14")
    expect(totals).to_contain_text("¥57.20")
    shoot(page, "order-entry")

    page.get_by_role("button", name="保存订单").click()
    order = SalesOrder.objects.get()
    expect(page.locator(".messages")).to_contain_text(f"订单 {order.number} 已创建")
    expect(page.get_by_role("heading", level=1)).to_contain_text("待审核")
    order_url = page.url

    page = login("reviewer")
    page.goto(order_url)
    page.locator("form[action$='/approve/'] button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("订单已审核，库存已预留")
    expect(page.get_by_role("heading", level=1)).to_contain_text("已审核")
    expect(page.locator("td.reserved")).to_have_text(["4", "2.50"])
    history = page.locator("table.history tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(1)).to_contain_text("reviewer-ui")
    expect(history.nth(1)).to_contain_text("已审核")
    level = StockLevel.objects.get(product=data["cable"], warehouse=data["shanghai"])
    assert level.reserved == Decimal("2.5")
    shoot(page, "order-page")


def test_ship_part_of_an_order_and_print_the_delivery_note(login, live_server):
    data = master_data()
    order = approved_order(data, ("screwdriver", "10"), ("cable", "5"))
    screwdriver = order.lines.get(product=data["screwdriver"])
    page = login("warehouse")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="出库").click()
    row = page.locator("table.queue tbody tr", has_text=order.number)
    expect(row).to_contain_text("WH-SH")
    expect(row).to_contain_text("15")
    shoot(page, "work-queue")
    row.get_by_role("button", name="创建出库单").click()

    quantity = page.locator(f"#id_line-{screwdriver.pk}-quantity")
    expect(quantity).to_have_value("10")  # everything open by default
    quantity.fill("4")  # part of it
    page.fill("#id_carrier", "顺丰速运")
    page.fill("#id_tracking_number", "SF1234567890")
    page.get_by_role("button", name="创建出库单").click()
    expect(page.locator(".messages")).to_contain_text("已创建")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="确认出库").click()
    expect(page.locator(".messages")).to_contain_text("已确认出库")
    expect(page.get_by_role("heading", level=1)).to_contain_text("已过账")

    with page.context.expect_page() as opened:
        page.get_by_role("button", name="送货单").click()
    note = opened.value
    expect(note.locator("h1")).to_have_text("送货单")
    expect(note.locator("body")).to_contain_text(order.number)
    expect(note.locator("tbody")).to_contain_text("螺丝刀")
    shoot(note, "delivery-note")
    note.close()

    with page.expect_download() as download:
        page.get_by_role("button", name="下载 PDF").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert order.number in text and "螺丝刀" in text

    page.get_by_role("link", name=order.number).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("出库中")
    shipped = page.locator("table.lines tbody tr").first.locator("td.num")
    expect(shipped.nth(2)).to_have_text("4")  # shipped
    expect(shipped.nth(5)).to_have_text("6")  # still to ship
    expect(shipped.nth(6)).to_have_text("6")  # still reserved


def test_return_path_to_credit_note(login, live_server):
    data = master_data()
    order = shipped_order(data, ("screwdriver", "5"))
    line = order.lines.get()
    order_url = f"{live_server.url}/orders/{order.pk}/"

    page = login("sales")
    page.goto(order_url)
    page.get_by_role("button", name="退货", exact=True).click()
    quantity = page.locator(f"#id_line-{line.pk}-quantity")
    expect(quantity).to_have_value("0")  # nothing is returned until the clerk says so
    quantity.fill("2")
    page.select_option(f"#id_line-{line.pk}-reason", "quality")
    page.fill(f"#id_line-{line.pk}-reason_text", "刀头松动")
    page.get_by_role("button", name="提交退货申请").click()
    sales_return = SalesReturn.objects.get()
    expect(page.locator(".messages")).to_contain_text(f"退货单 {sales_return.number} 已提交")
    return_url = page.url

    page = login("reviewer")
    page.goto(return_url)
    page.get_by_role("button", name="审核", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("退货单已审核")

    page = login("warehouse")
    page.goto(return_url)
    return_line = sales_return.lines.get()
    expect(page.locator(f"#id_line-{return_line.pk}-good_quantity")).to_have_value("2")
    page.fill(f"#id_line-{return_line.pk}-good_quantity", "1")
    page.fill(f"#id_line-{return_line.pk}-damaged_quantity", "1")
    page.get_by_role("button", name="入库", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("退货已入库")
    expect(page.get_by_role("heading", level=1)).to_contain_text("已收货")
    note = CreditNote.objects.get()
    assert note.total_amount == Decimal("25.00")

    page = login("finance")
    page.goto(f"{live_server.url}/customers/{data['customer'].pk}/")
    credit_notes = page.locator("article", has=page.get_by_role("heading", name="贷项通知单"))
    expect(credit_notes).to_contain_text(note.number)
    expect(credit_notes).to_contain_text("25.00")
    receivables = page.locator("article.account")
    expect(receivables).to_contain_text("62.50")  # invoiced 5 × 12.50
    expect(receivables).to_contain_text("37.50")  # balance after the credit note
    shoot(page, "customer-page")

    page.goto(order_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("部分退货")
    returns = page.locator("article", has=page.get_by_role("heading", name=re.compile("退货")))
    expect(returns.last).to_contain_text(sales_return.number)
    expect(page.locator("table.lines tbody tr").first.locator("td.num").nth(3)).to_have_text("2")
