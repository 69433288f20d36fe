"""End-to-end flows in a real browser: Chinese by default, English on request."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from wms_sales.catalog.services import create_product
from wms_sales.customers.services import create_customer
from wms_sales.inventory.models import StockLevel
from wms_sales.inventory.services import create_warehouse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Under the test run's output folder (pytest-playwright's --output, gitignored), never tracked.
SCREENSHOTS = Path(os.environ.get("WMS_SCREENSHOT_DIR",
                                  Path(__file__).resolve().parents[2] / "test-results"
                                  / "screenshots"))
CUSTOMER = "杭州西湖贸易有限公司"


def test_create_customer_with_address_and_find_it(login, live_server):
    create_customer(actor=None, code="C-OTHER", name="北京朝阳物流有限公司")
    page = login("sales")
    page.get_by_role("link", name="客户", exact=True).click()
    page.get_by_role("button", name="新建客户").click()

    page.fill("#id_name", CUSTOMER)
    page.fill("#id_phone", "0571-88886666")
    page.fill("#id_contact_person", "王经理")
    page.fill("#id_payment_terms_days", "45")
    page.select_option("#id_payment_method", "alipay")
    page.fill("#id_address-recipient", "李四")
    page.fill("#id_address-province", "浙江省")
    page.fill("#id_address-city", "杭州市")
    page.fill("#id_address-district", "西湖区")
    page.fill("#id_address-line", "文三路 100 号")
    page.get_by_role("button", name="创建客户").click()

    expect(page.locator(".messages")).to_contain_text(f"{CUSTOMER} 已创建")
    expect(page.locator("h1")).to_contain_text(CUSTOMER)
    expect(page.locator("table.addresses")).to_contain_text("浙江省 杭州市 西湖区 文三路 100 号")
    expect(page.locator("table.addresses")).to_contain_text("默认")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "customer-detail.png"), full_page=True)

    # Live search: typing refreshes the table through htmx, without a page load.
    page.get_by_role("link", name="客户", exact=True).click()
    results = page.locator("#results")
    expect(results).to_contain_text("北京朝阳物流有限公司")
    page.evaluate("window.notReloaded = true")
    page.get_by_placeholder("编码、名称或电话").press_sequentially("西湖", delay=50)
    expect(results).not_to_contain_text("北京朝阳物流有限公司")
    expect(results).to_contain_text(CUSTOMER)
    expect(results).to_contain_text("45 天")
    assert page.evaluate("window.notReloaded") is True
    expect(page).to_have_url(re.compile(r"q=%E8%A5%BF%E6%B9%96"))
    page.screenshot(path=str(SCREENSHOTS / "customer-search.png"), full_page=True)


def test_switch_language_to_english_and_back(login):
    page = login("sales")
    nav = page.get_by_role("navigation", name="主菜单")
    expect(nav).to_contain_text("库存流水")
    page.get_by_role("link", name="客户", exact=True).click()

    page.get_by_role("button", name="English").click()
    nav = page.get_by_role("navigation", name="Main menu")
    for label in ("Home", "Customers", "Products", "Warehouses", "Stock", "Stock ledger",
                  "Import & export"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers")  # stayed on the page
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("客户")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def test_receive_stock_then_see_level_and_ledger(login):
    product = create_product(actor=None, sku="SKU-UI-1", name="不锈钢螺丝 M4", unit="盒")
    warehouse = create_warehouse(actor=None, code="WH-HZ", name="杭州仓")
    page = login("warehouse")
    page.get_by_role("link", name="库存", exact=True).click()
    page.get_by_role("button", name="入库 / 调整").click()

    page.select_option("#id_product", str(product.pk))
    page.select_option("#id_warehouse", str(warehouse.pk))
    page.select_option("#id_reason", "receipt")
    page.fill("#id_quantity", "25")
    page.fill("#id_source_ref", "DN-2026-001")
    page.get_by_role("button", name="过账").click()

    expect(page.locator(".messages")).to_contain_text("当前在库 25")
    row = page.locator("#results tbody tr", has_text="SKU-UI-1")
    expect(row).to_contain_text("杭州仓")
    expect(row.locator("td.num").nth(0)).to_have_text("25")  # on hand
    expect(row.locator("td.num").nth(1)).to_have_text("0")  # reserved
    expect(row.locator("td.num").nth(2)).to_have_text("25")  # available
    assert StockLevel.objects.get(product=product, warehouse=warehouse).on_hand == Decimal(25)

    row.get_by_role("link", name="流水").click()
    line = page.locator("#results tbody tr").first
    expect(line).to_contain_text("入库")
    expect(line).to_contain_text("+25")
    expect(line).to_contain_text("DN-2026-001")
    expect(line).to_contain_text("warehouse-ui")


def test_sales_role_gets_403_page_on_product_create(login, live_server):
    page = login("sales")
    page.goto(f"{live_server.url}/products/")
    expect(page.get_by_role("button", name="新建商品")).to_have_count(0)
    response = page.goto(f"{live_server.url}/products/new/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("无权访问")
    expect(page.get_by_role("navigation", name="主菜单")).to_be_visible()


def test_login_rejects_a_wrong_password(page: Page, live_server, transactional_db):
    page.goto(f"{live_server.url}/customers/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/customers/"))
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "wrong-password")
    page.locator("form[action='/login/'] button[type=submit]").click()
    expect(page.locator(".form-errors, .errorlist").first).to_be_visible()
    expect(page.get_by_role("navigation", name="主菜单")).to_have_count(0)
