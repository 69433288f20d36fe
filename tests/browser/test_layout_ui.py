"""Layout of every page at common desktop widths, in both languages (issue #13): nothing
wider than the window, no table wider than its box, the main menu on one row, no badge,
number link or date broken over two lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page

from browser.ui_helpers import LANGUAGES, shoot, use_language
from web_documents_data import master_data, received_return, shipped_order
from wms_sales.finance.models import CreditNote, Invoice
from wms_sales.finance.services import record_payment
from wms_sales.outbound.models import Outbound

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1366, 1920)

# What overflows: the page itself, a table beyond its (scrolling) box, a menu on two rows.
MEASURE = r"""() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) {
    problems.push(`page ${root.scrollWidth}px wide in a ${window.innerWidth}px window`);
  }
  document.querySelectorAll(".overflow-auto").forEach((box) => {
    if (box.scrollWidth > box.clientWidth + 1) {
      const head = box.closest("article, section, main")?.querySelector("h1, h2")?.textContent;
      problems.push(`table ${box.scrollWidth - box.clientWidth}px too wide (${head || "?"})`);
    }
  });
  const items = [...document.querySelectorAll(".mainnav li")];
  if (new Set(items.map((item) => item.offsetTop)).size > 1) {
    problems.push("the main menu wraps");
  }
  document.querySelectorAll(".kpi-value, .stat-value").forEach((value) => {
    if (value.scrollWidth > value.clientWidth + 1) {
      problems.push(`figure spills: ${value.textContent.trim()}`);
    }
  });
  document.querySelectorAll("td .badge, td:first-child a").forEach((cell) => {
    if (cell.getClientRects().length > 1) problems.push(`wrapped: ${cell.textContent.trim()}`);
  });
  // A date (or date and time) in a table cell stays on one line.
  document.querySelectorAll("td").forEach((cell) => {
    if (!/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?$/.test(cell.textContent.trim())) return;
    const range = document.createRange();
    range.selectNodeContents(cell);
    const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
    if (lines.size > 1) problems.push(`date wrapped: ${cell.textContent.trim()}`);
  });
  return problems;
}"""


def pages(data: dict) -> list[str]:
    order = shipped_order(data, ("screwdriver", "4"), ("cable", "2.5"))
    sales_return = received_return(order, "1")
    payment = record_payment(actor=None, customer_id=data["customer"].pk,
                             amount=Decimal("2180376.53"), method="bank_transfer")
    return [
        "/", "/overview/", "/statistics/", "/customers/", f"/customers/{data['customer'].pk}/",
        "/customers/new/", "/orders/", "/orders/new/", f"/orders/{order.pk}/", "/outbound/",
        "/outbound/all/", f"/outbound/{Outbound.objects.get().pk}/", "/returns/",
        f"/returns/{sales_return.pk}/", "/invoices/", f"/invoices/{Invoice.objects.get().pk}/",
        "/payments/", f"/payments/{payment.pk}/", "/payments/new/", "/credit-notes/",
        f"/credit-notes/{CreditNote.objects.get().pk}/", "/products/", "/warehouses/",
        "/stock/", "/stock/ledger/", "/onboarding/"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_overflows_at_1366_or_1920(login, live_server, language, page: Page):
    urls = pages(master_data())
    use_language(login("admin"), language)
    problems = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for url in urls:
            page.goto(f"{live_server.url}{url}")
            page.wait_for_load_state("networkidle")
            found = page.evaluate(MEASURE)
            if found:
                problems[f"{url} @{width}"] = found
            if width == 1366:
                shoot(page, f"layout-{language}-{url.strip('/').replace('/', '-') or 'home'}")
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
