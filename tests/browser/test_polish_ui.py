"""The rest of issue #13 in a real browser, in both languages: errors inside table rows, the
stock level's time after an issue, document numbers as links in the ledger, the delivery
note's company and line numbers, the Chinese words of the ledger and the return, the import
page, a very long note, and removing an order line without a script error."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from browser.ui_helpers import LANGUAGES, shoot, text, use_language
from web_documents_data import approved_order, master_data, shipped_order
from wms_sales.catalog.services import create_product
from wms_sales.finance.models import Invoice
from wms_sales.finance.services import record_payment
from wms_sales.inventory.models import StockLevel
from wms_sales.outbound.models import Outbound
from wms_sales.outbound.services import create_outbound, post_outbound
from wms_sales.returns.services import approve_return, create_return, receive_return

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def error_under(field: Locator) -> None:
    """The field is marked, keeps its value, and its error sits below it, not over it (nor
    over the next row's input)."""
    expect(field).to_have_attribute("aria-invalid", "true")
    error = field.locator("xpath=ancestor::td[1]").locator("small.error")
    expect(error).to_be_visible()
    error_box, field_box = error.bounding_box(), field.bounding_box()
    assert error_box and field_box
    assert error_box["y"] >= field_box["y"] + field_box["height"] - 1, (error_box, field_box)
    # Inside its own cell: nothing of the error hangs over a neighbour.
    cell = field.locator("xpath=ancestor::td[1]").bounding_box()
    assert cell and error_box["x"] >= cell["x"] - 1
    assert error_box["x"] + error_box["width"] <= cell["x"] + cell["width"] + 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_errors_inside_table_rows_sit_under_their_inputs(login, live_server, language):
    data = master_data()
    order = approved_order(data, ("screwdriver", "10"), ("cable", "5"))
    screwdriver = order.lines.get(product=data["screwdriver"])

    # Outbound: more than is open on a line.
    page = use_language(login("warehouse"), language)
    page.goto(f"{live_server.url}/orders/{order.pk}/ship/{data['shanghai'].pk}/")
    quantity = page.locator(f"#id_line-{screwdriver.pk}-quantity")
    quantity.fill("11")
    page.get_by_role("button", name=text(language, "创建出库单", "Create outbound")).click()
    quantity = page.locator(f"#id_line-{screwdriver.pk}-quantity")
    expect(quantity).to_have_value("11")
    error_under(quantity)
    shoot(page, f"outbound-row-error-{language}")

    # Return: more than was shipped.
    shipped = shipped_order(data, ("screwdriver", "3"))
    line = shipped.lines.get()
    page = use_language(login("sales"), language)
    page.goto(f"{live_server.url}/orders/{shipped.pk}/return/")
    returned = page.locator(f"#id_line-{line.pk}-quantity")
    returned.fill("4")
    page.select_option(f"#id_line-{line.pk}-reason", "quality")
    page.get_by_role("button", name=text(language, "提交退货申请", "Request return")).click()
    returned = page.locator(f"#id_line-{line.pk}-quantity")
    expect(returned).to_have_value("4")
    error_under(returned)
    shoot(page, f"return-row-error-{language}")

    # Allocation: more than the invoice has open.
    invoice = Invoice.objects.get()
    payment = record_payment(actor=None, customer_id=data["customer"].pk,
                             amount=Decimal(500), method="bank_transfer")
    page = use_language(login("finance"), language)
    page.goto(f"{live_server.url}/payments/{payment.pk}/")
    amount = page.locator(f"#id_invoice-{invoice.pk}-amount")
    amount.fill("400")
    page.get_by_role("button", name=text(language, "核销", "Allocate"), exact=True).click()
    amount = page.locator(f"#id_invoice-{invoice.pk}-amount")
    expect(amount).to_have_value("400")
    error_under(amount)
    shoot(page, f"allocation-row-error-{language}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_issue_updates_the_stock_time_and_the_ledger_links_its_document(login, live_server,
                                                                         language):
    data = master_data()
    order = approved_order(data, ("screwdriver", "2"))
    levels = StockLevel.objects.filter(product=data["screwdriver"], warehouse=data["shanghai"])
    long_ago = timezone.now() - timedelta(days=3)
    levels.update(updated_at=long_ago)
    outbound = create_outbound(actor=None, order_id=order.pk, warehouse_id=data["shanghai"].pk)
    post_outbound(actor=None, outbound_id=outbound.pk)  # issues the stock
    updated = timezone.localtime(levels.get().updated_at)
    assert updated > long_ago

    page = use_language(login("warehouse"), language)
    page.goto(f"{live_server.url}/stock/?q=SKU-001")
    row = page.locator("#results tbody tr", has_text=data["shanghai"].name)
    expect(row).to_contain_text(updated.strftime("%Y-%m-%d %H:%M"))
    expect(row).not_to_contain_text(timezone.localtime(long_ago).strftime("%Y-%m-%d"))
    row.get_by_role("link", name=text(language, "流水", "Ledger")).click()
    # The issue's line names its outbound, as a link to it.
    outbound.refresh_from_db()
    page.locator("#results").get_by_role("link", name=outbound.number).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(outbound.number)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_delivery_note_names_the_company_and_the_order_lines(login, live_server,
                                                                  language, settings):
    settings.WMS_COMPANY_NAME = "杭州示例仓储有限公司"
    data = master_data()
    order = approved_order(data, ("screwdriver", "4"), ("cable", "2"))
    cable = order.lines.get(line_no=2)
    outbound = create_outbound(actor=None, order_id=order.pk, warehouse_id=data["shanghai"].pk,
                               lines=[{"order_line_id": cable.pk, "quantity": Decimal(1)}])
    page = use_language(login("warehouse"), language)
    page.goto(f"{live_server.url}/outbound/{outbound.pk}/delivery-note/")
    expect(page.locator(".company")).to_have_text("杭州示例仓储有限公司")
    expect(page.locator("body")).not_to_contain_text("wms-sales")
    only = page.locator("tbody tr")
    expect(only).to_have_count(1)
    expect(only.locator("td").first).to_have_text("2")  # the order's line 2, shipped alone
    shoot(page, f"delivery-note-company-{language}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_ledger_and_return_speak_the_page_language(login, live_server, language):
    data = master_data()
    order = shipped_order(data, ("screwdriver", "4"))
    sales_return = create_return(actor=None, order_id=order.pk, lines=[
        {"order_line_id": order.lines.get().pk, "quantity": Decimal(1), "reason": "quality"}])
    approve_return(actor=None, return_id=sales_return.pk)
    receive_return(actor=None, return_id=sales_return.pk, lines=[
        {"return_line_id": sales_return.lines.get().pk, "good_quantity": Decimal(0),
         "damaged_quantity": Decimal(1)}])
    page = use_language(login("admin"), language)
    page.goto(f"{live_server.url}/stock/ledger/")
    results = page.locator("#results")
    if language == "zh-hans":
        expect(results).to_contain_text("退货残损报废")
        expect(results).not_to_contain_text("damaged return")
    else:
        expect(results).to_contain_text("damaged return", ignore_case=True)
    page.goto(f"{live_server.url}/returns/{sales_return.pk}/")
    expect(page.locator("main")).to_contain_text(text(language, "贷项金额", "Credit"))
    if language == "zh-hans":
        expect(page.locator("main")).not_to_contain_text("信用")
    shoot(page, f"return-received-{language}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_import_page_and_the_admin_read_right(login, live_server, language, page: Page):
    page = use_language(login("admin"), language)
    page.goto(f"{live_server.url}/onboarding/")
    form = page.locator("main form[enctype='multipart/form-data']")
    if language == "zh-hans":
        labels = form.locator("label").all_inner_texts()
        assert not [label for label in labels if label.rstrip().endswith(":")], labels
    # The dry-run box sits on the line of its label; the button keeps its distance from the
    # fields above and from "Columns" below.
    box = form.locator("input[type=checkbox]")
    box_at = box.bounding_box()
    label_at = form.locator("label[for=id_dry_run]").bounding_box()
    assert box_at and label_at and box_at["height"] >= label_at["height"] / 3
    assert abs((box_at["y"] + box_at["height"] / 2) - (label_at["y"] + label_at["height"] / 2)) \
        < label_at["height"] / 2, (box_at, label_at)
    button = form.locator("button[type=submit]").bounding_box()
    columns = page.locator("main details summary").first.bounding_box()
    assert button and columns
    assert button["y"] - (label_at["y"] + label_at["height"]) >= 4, (button, label_at)
    assert columns["y"] - (button["y"] + button["height"]) >= 4, (button, columns)
    shoot(page, f"onboarding-{language}")

    # The admin names apps and models in the page's language ("API tokens", not "Api tokens").
    get_user_model().objects.filter(username="admin-ui").update(is_staff=True,
                                                                is_superuser=True)
    page.goto(f"{live_server.url}/admin/")
    content = page.locator("#content")
    expect(content).to_contain_text(text(language, "API 令牌", "API tokens"))
    expect(content).not_to_contain_text("Api tokens")
    if language == "zh-hans":
        expect(content).not_to_contain_text("Accounts", ignore_case=True)
    shoot(page, f"admin-{language}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_long_note_is_bounded_and_removing_a_line_is_clean(login, live_server, language):
    data = master_data()
    page = use_language(login("sales"), language)
    page.goto(f"{live_server.url}/orders/new/")
    page.select_option("#id_customer", str(data["customer"].pk))
    note = page.locator("#id_note")
    limit = int(note.get_attribute("maxlength") or 0)
    assert 0 < limit <= 4000
    note.fill("长" * 10_000)
    assert len(note.input_value()) == limit  # the browser keeps to the limit
    # A long product name shows whole in the line's list (wrapped, not cut off).
    long_name = "不锈钢内六角圆柱头螺钉 M12×120 全牙 A2-70 材质 工业级 每盒 50 支 长名称测试"
    create_product(actor=None, sku="LONG-1", name=long_name, unit="盒")
    search = page.locator("tr.order-line").first.locator("input.product-search")
    search.fill("LONG-1")
    option = page.locator("tr.order-line").first.locator("[role=option]").first
    expect(option).to_contain_text(long_name)
    clipped = option.evaluate("o => [...o.querySelectorAll('*'), o].some("
                              "e => e.scrollWidth > e.clientWidth + 1)")
    box = option.bounding_box()
    assert not clipped and box and box["x"] + box["width"] <= 1366
    search.fill("")
    search.press("Escape")
    for search in ("SKU-001", "CABLE-M"):
        row = page.locator("tr.order-line").last
        row.locator("input.product-search").fill(search)
        row.locator("input.product-search").press("Enter")
        row.locator("input[name$='-quantity']").fill("2")
        row.locator("input[name$='-quantity']").press("Enter")  # on to a new line
    # Remove the first line while its re-pricing is on the way (the answer still carries its
    # amount): no htmx:oobErrorNoTarget, no htmx:sendAbort.
    expect(page.locator("#order-totals .grand-total")).to_have_text("¥31.40")  # all priced
    page.wait_for_load_state("networkidle")  # nothing on the way before the listener is set
    page.evaluate("""() => document.body.addEventListener("htmx:beforeSend", () =>
        document.querySelector("tr.order-line [data-remove-line]").click(), {once: true})""")
    first_quantity = page.locator("tr.order-line").first.locator("input[name$='-quantity']")
    first_quantity.fill("5")
    first_quantity.dispatch_event("change")
    expect(page.locator("tr.order-line")).to_have_count(2)  # CABLE-M and the blank line
    expect(page.locator("#order-totals .grand-total")).to_have_text("¥6.40")  # 2 × 3.20
    page.get_by_role("button", name=text(language, "保存订单", "Save order")).click()
    expect(page.locator(".messages")).to_contain_text(text(language, "已创建", "created"))
    # The order's page stays a page: the note wraps within the window.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 3000, height
    shoot(page, f"long-note-{language}")
    # (The autouse fixture fails the test on any htmx console error, e.g. oobErrorNoTarget.)
    assert Outbound.objects.count() == 0
