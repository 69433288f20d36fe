"""The statistics dashboard in a real browser: Chart.js draws every chart from the page's
figures, and the range picker and the filters redraw them through htmx."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from browser.ui_helpers import shoot
from conftest import receive
from wms_sales.catalog.services import create_product
from wms_sales.customers.services import create_customer
from wms_sales.inventory.services import create_warehouse
from wms_sales.orders.services import approve_order, create_order
from wms_sales.outbound.services import create_outbound, post_outbound
from wms_sales.returns.services import approve_return, create_return, receive_return

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ("sales", "return-rate", "status", "top-products", "top-customers", "returns")


@pytest.fixture
def history(transactional_db) -> dict[str, Any]:
    """Two customers' orders shipped over the last 60 days (back-dated postings), one of them
    partly returned today. Today's order ships now, not an hour ago: in the first hour of a
    local day an hour ago is yesterday, and today's return rate would have no sales to
    divide by."""
    warehouse = create_warehouse(actor=None, code="WH-SH", name="上海仓", is_default=True)
    products = [create_product(actor=None, sku=f"SKU-{n}", name=name, unit="件",
                               list_price=Decimal(price))
                for n, (name, price) in enumerate([("扳手 Wrench", "35.00"),
                                                   ("螺丝刀 Screwdriver", "12.50")])]
    for product in products:
        receive(product, warehouse, 10_000)
    customers = [create_customer(actor=None, code="C-HZ", name="杭州西湖贸易"),
                 create_customer(actor=None, code="C-BJ", name="北京朝阳物流")]
    now = timezone.now()
    for days_ago in range(0, 60, 3):
        customer = customers[days_ago % 2]
        order = create_order(actor=None, customer_id=customer.pk, lines=[
            {"product_id": product.pk, "quantity": str(1 + days_ago % 5 + n)}
            for n, product in enumerate(products)])
        approve_order(actor=None, order_id=order.pk)
        outbound = create_outbound(actor=None, order_id=order.pk, warehouse_id=warehouse.pk)
        post_outbound(actor=None, outbound_id=outbound.pk,
                      shipped_at=now - timedelta(days=days_ago))
    line = order.lines.first()
    sales_return = create_return(actor=None, order_id=order.pk, lines=[
        {"order_line_id": line.pk, "quantity": "1", "reason": "quality"}])
    approve_return(actor=None, return_id=sales_return.pk)
    receive_return(actor=None, return_id=sales_return.pk)
    return {"customers": customers, "products": products}


@pytest.fixture(autouse=True)
def still(page: Page) -> None:
    """No chart animations (prefers-reduced-motion): screenshots show the figures drawn."""
    page.emulate_media(reduced_motion="reduce")


def charts(page: Page) -> dict[str, dict[str, Any]]:
    """What Chart.js holds for each canvas: labels and every dataset's data."""
    return page.evaluate("""() => Object.fromEntries(
        Array.from(document.querySelectorAll('canvas[data-chart]')).map(canvas => {
            const chart = Chart.getChart(canvas);
            return [canvas.id.replace('chart-', ''), chart ? {
                labels: chart.data.labels,
                datasets: chart.data.datasets.map(set => ({label: set.label, data: set.data})),
            } : null];
        }))""")


def total(chart: dict[str, Any]) -> float:
    return sum(value or 0 for dataset in chart["datasets"] for value in dataset["data"])


def redrawn(page: Page, condition: str) -> dict[str, dict[str, Any]]:
    """Wait until htmx has swapped the dashboard and ``condition`` holds of the sales chart
    (``labels``: its labels), then read the charts."""
    page.wait_for_function(f"""() => {{
        const canvas = document.getElementById('chart-sales');
        const chart = canvas && window.Chart && Chart.getChart(canvas);
        if (!chart || document.querySelector('form.report-filters.htmx-request')) return false;
        const labels = chart.data.labels;
        return {condition};
    }}""")
    return charts(page)


def test_dashboard_draws_its_charts_and_the_range_picker_redraws_them(login, history,
                                                                      live_server):
    page = login("sales")  # lands on the statistics from / (no queue of its own)
    expect(page.get_by_role("heading", level=1)).to_have_text("销售统计")
    drawn = redrawn(page, "labels.length === 30")  # the last 30 days, day by day
    assert set(drawn) == set(CHARTS)
    for name, chart in drawn.items():
        assert chart and chart["datasets"], name
        assert total(chart) > 0, name
    assert drawn["sales"]["datasets"][0]["label"] == "销售额（含税）"
    assert "已完成" in drawn["status"]["labels"]
    assert drawn["returns"]["datasets"][0]["label"] == "质量问题"
    shoot(page, "dashboard-zh")

    # A quick range: htmx swaps the dashboard in place, the inputs and the URL follow.
    page.evaluate("window.notReloaded = true")
    sales_before = page.locator("[data-kpi=sales_gross] .kpi-value").inner_text()
    page.get_by_role("button", name="最近 7 天").click()
    week = redrawn(page, "labels.length === 7")
    assert 0 < total(week["sales"]) < total(drawn["sales"])
    expect(page).to_have_url(re.compile(r"date_from=.*date_to="))
    expect(page.get_by_role("button", name="最近 7 天")).to_have_attribute("aria-pressed",
                                                                         "true")
    expect(page.locator("[data-kpi=sales_gross] .kpi-value")).not_to_have_text(sales_before)

    # By week over 90 days: fewer, bigger points.
    page.get_by_role("button", name="最近 90 天").click()
    redrawn(page, "labels.length === 90")
    page.select_option("#id_granularity", "week")
    by_week = redrawn(page, "labels.length < 20")
    assert 13 <= len(by_week["sales"]["labels"]) <= 14
    assert all(label.endswith("当周") for label in by_week["sales"]["labels"])
    expect(page).to_have_url(re.compile(r"granularity=week"))

    # A filter (applied on choosing it): one customer left in the ranking.
    page.select_option("#id_customer", label=str(history["customers"][1]))
    filtered = redrawn(page, "document.querySelectorAll('.ranking')[1]"
                             ".querySelectorAll('tbody tr').length === 1")
    assert len(filtered["top-customers"]["labels"]) == 1
    assert total(filtered["sales"]) < total(by_week["sales"])
    expect(page).to_have_url(re.compile(rf"customer={history['customers'][1].pk}"))
    assert page.evaluate("window.notReloaded") is True

    # Typed dates wait for "应用" (apply); a range too long is refused on its field.
    page.fill("#id_date_from", "2000-01-01")
    page.get_by_role("button", name="应用").click()
    expect(page.locator(".filter-date_from .error")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True


def test_dashboard_in_english_with_downloads(login, history, live_server):
    page = login("sales", "sales-en")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sales statistics")
    drawn = charts(page)
    assert drawn["sales"]["datasets"][0]["label"] == "Sales amount (gross)"
    assert "Completed" in drawn["status"]["labels"]
    page.get_by_role("button", name="Last 90 days").click()
    expect(page.get_by_role("button", name="Last 90 days")).to_have_attribute("aria-pressed",
                                                                            "true")
    link = page.locator("article", has_text="Top customers").get_by_role("link", name="Excel")
    assert "date_from=" in link.get_attribute("href")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "top-customer.xlsx"
    # The file speaks the page's language: headers in words, rates formatted as percentages.
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = [list(row) for row in sheet.iter_rows()]
    assert rows[0][0].value == "Top customers"
    header_at = next(i for i, row in enumerate(rows) if row[0].value == "ID")
    headers = [cell.value for cell in rows[header_at]]
    assert "Sales amount (gross)" in headers and "sales_gross" not in headers
    first = dict(zip(headers, rows[header_at + 1], strict=True))
    assert first["Return rate (value)"].number_format == "0.00%"
    assert first["Sales amount (gross)"].number_format == "#,##0.00"
    shoot(page, "dashboard-en")
