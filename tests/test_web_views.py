"""The web UI through Django's test client: pages render, forms show the services' errors on
the right fields and write nothing, permissions give the 403 page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from conftest import receive
from wms_sales.accounts.services import create_user
from wms_sales.catalog.models import Product
from wms_sales.customers.models import Customer, CustomerAddress
from wms_sales.customers.services import create_customer
from wms_sales.inventory.models import StockLevel, StockMove, Warehouse

CUSTOMER_FORM = {
    "code": "", "name": "杭州西湖贸易有限公司", "phone": "0571-88886666", "email": "",
    "contact_person": "王经理", "credit_limit": "", "payment_terms_days": "30",
    "payment_method": "bank_transfer", "status": "active", "notes": "",
    "address-line": "文三路 100 号", "address-city": "杭州市", "address-province": "浙江省",
}


def login(role: str, username: str | None = None) -> Client:
    user = create_user(username=username or f"{role}-web", role=role, password="pw-12345678")
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def sales(db) -> Client:
    return login("sales")


@pytest.fixture
def admin(db) -> Client:
    return login("admin")


@pytest.fixture
def warehouse_user(db) -> Client:
    return login("warehouse")


@pytest.fixture
def customer(db) -> Customer:
    return create_customer(actor=None, code="C-001", name="上海浦东商贸",
                           credit_limit=Decimal("500"),
                           addresses=[{"line": "世纪大道 1 号"}, {"line": "陆家嘴环路 2 号"}])


def form_errors(response, form: str = "form") -> dict[str, list[str]]:
    return dict(response.context[form].errors)


# --- pages -------------------------------------------------------------------------------

def test_pages_need_login(client, db):
    response = client.get(reverse("web:customer_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


@pytest.mark.parametrize("name", ["home", "customer_list", "customer_create", "product_list",
                                  "product_create", "warehouse_list", "warehouse_create",
                                  "stock_levels", "stock_change", "stock_count", "ledger"])
def test_admin_sees_every_page(admin, name, customer, product, warehouse):
    assert admin.get(reverse(f"web:{name}")).status_code == 200


def test_home_shows_real_figures(admin, customer, product, warehouse):
    create_customer(actor=None, name="停用客户", status="inactive")
    receive(product, warehouse, "3")
    response = admin.get(reverse("web:overview"))  # "/" shows managers the statistics
    dashboard = response.context["dashboard"]
    assert (dashboard.active_customers, dashboard.active_products,
            dashboard.active_warehouses, dashboard.low_stock_count) == (1, 1, 1, 1)
    assert product.sku in response.content.decode()


def test_sales_gets_403_page_for_product_create(sales):
    response = sales.get(reverse("web:product_create"))
    assert response.status_code == 403
    assert "Access denied" in response.content.decode()
    assert sales.post(reverse("web:product_create"), {"sku": "X", "name": "X"}).status_code == 403
    assert not Product.objects.exists()


def test_buttons_follow_permissions(sales, warehouse_user):
    page = sales.get(reverse("web:product_list")).content.decode()
    assert reverse("web:product_create") not in page
    page = warehouse_user.get(reverse("web:product_list")).content.decode()
    assert reverse("web:product_create") in page
    assert reverse("web:customer_create") not in warehouse_user.get(
        reverse("web:customer_list")).content.decode()


def test_htmx_search_returns_only_the_table(sales, customer):
    create_customer(actor=None, code="C-002", name="北京朝阳物流")
    response = sales.get(reverse("web:customer_list"), {"q": "浦东"},
                         headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "上海浦东商贸" in html and "北京朝阳物流" not in html
    assert "HX-Request" in response["Vary"]


def test_customer_list_paginates_and_filters_by_status(sales):
    for n in range(30):
        create_customer(actor=None, code=f"P{n:03d}", name=f"客户{n}",
                        status="blocked" if n % 3 == 0 else "active")
    first = sales.get(reverse("web:customer_list"))
    assert len(first.context["page"].object_list) == 25
    assert first.context["page"].paginator.count == 30
    blocked = sales.get(reverse("web:customer_list"), {"status": "blocked"})
    assert blocked.context["page"].paginator.count == 10


# --- customer forms: errors come back on the fields, nothing is written -------------------

def test_create_customer_with_first_address(sales):
    response = sales.post(reverse("web:customer_create"), CUSTOMER_FORM)
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:customer_detail", args=[customer.pk])
    assert customer.code.startswith("CUS") and customer.credit_limit is None
    address = CustomerAddress.objects.get()
    assert (address.customer, address.line, address.is_default) == (customer, "文三路 100 号", True)


def test_invalid_email_shows_field_error_and_writes_nothing(sales):
    response = sales.post(reverse("web:customer_create"), {**CUSTOMER_FORM, "email": "not-mail"})
    assert response.status_code == 200
    assert "email" in form_errors(response)
    assert not Customer.objects.exists() and not CustomerAddress.objects.exists()


def test_negative_credit_limit_is_refused_by_the_service_on_the_field(admin):
    response = admin.post(reverse("web:customer_create"), {**CUSTOMER_FORM, "credit_limit": "-1"})
    assert response.status_code == 200
    assert "credit_limit" in form_errors(response)
    assert not Customer.objects.exists() and not CustomerAddress.objects.exists()


def test_sales_cannot_set_credit_terms_through_the_form(sales):
    response = sales.get(reverse("web:customer_create"))
    assert 'name="credit_limit"' in response.content.decode()
    posted = sales.post(reverse("web:customer_create"),
                        {**CUSTOMER_FORM, "credit_limit": "99999", "status": "blocked"})
    assert posted.status_code == 302
    created = Customer.objects.get()
    assert (created.credit_limit, created.status) == (None, "active")


def test_sales_cannot_unblock_through_the_form(sales, customer):
    Customer.objects.filter(pk=customer.pk).update(status="blocked")
    url = reverse("web:customer_detail", args=[customer.pk])
    form = {"code": customer.code, "name": customer.name, "payment_terms_days": "30",
            "payment_method": "bank_transfer", "status": "active"}
    sales.post(url, form)
    customer.refresh_from_db()
    assert customer.status == "blocked"


def test_duplicate_code_shows_error_on_code(sales, customer):
    response = sales.post(reverse("web:customer_create"), {**CUSTOMER_FORM, "code": "C-001"})
    assert response.status_code == 200
    assert form_errors(response)["code"] == ["This code is already taken."]
    assert Customer.objects.count() == 1 and CustomerAddress.objects.count() == 2


def test_address_errors_land_on_the_address_form(sales):
    data = {**CUSTOMER_FORM, "address-line": "", "address-city": "杭州市"}
    response = sales.post(reverse("web:customer_create"), data)
    assert "line" in form_errors(response, "address_form")
    assert not Customer.objects.exists()


def test_edit_customer_duplicate_code_and_blank_name(sales, customer):
    create_customer(actor=None, code="C-002", name="北京朝阳物流")
    url = reverse("web:customer_detail", args=[customer.pk])
    data = {**CUSTOMER_FORM, "code": "C-002", "credit_limit": "500"}
    assert form_errors(sales.post(url, data))["code"] == ["This code is already taken."]
    assert "name" in form_errors(sales.post(url, {**data, "code": "C-001", "name": "  "}))
    customer.refresh_from_db()
    assert (customer.code, customer.name) == ("C-001", "上海浦东商贸")


def test_credit_limit_is_locked_without_permission(sales, customer):
    url = reverse("web:customer_detail", args=[customer.pk])
    assert sales.get(url).context["form"].fields["credit_limit"].disabled
    # A forged value is ignored: a disabled field keeps its initial value.
    response = sales.post(url, {**CUSTOMER_FORM, "code": "C-001", "credit_limit": "99999"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("500") and customer.name == CUSTOMER_FORM["name"]


def test_finance_changes_credit_limit_to_no_limit(db, customer):
    finance = login("finance")
    url = reverse("web:customer_detail", args=[customer.pk])
    response = finance.post(url, {**CUSTOMER_FORM, "code": "C-001", "credit_limit": ""})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.credit_limit is None


def test_reviewer_cannot_edit_customer(db, customer):
    reviewer = login("reviewer")
    url = reverse("web:customer_detail", args=[customer.pk])
    page = reviewer.get(url)
    assert page.status_code == 200 and page.context["form"] is None
    assert reviewer.post(url, {**CUSTOMER_FORM, "code": "C-001"}).status_code == 403
    assert reviewer.post(reverse("web:customer_deactivate", args=[customer.pk])).status_code == 403


def test_deactivate_customer(sales, customer):
    response = sales.post(reverse("web:customer_deactivate", args=[customer.pk]), follow=True)
    customer.refresh_from_db()
    assert customer.status == "inactive"
    assert "The customer was deactivated." in response.content.decode()
    assert sales.get(reverse("web:customer_deactivate", args=[customer.pk])).status_code == 405


def test_address_management(sales, customer):
    first, second = customer.addresses.order_by("id")
    base = reverse("web:customer_detail", args=[customer.pk])
    response = sales.post(reverse("web:customer_address_add", args=[customer.pk]),
                          {"address-line": "张江路 3 号", "address-is_default": "on"})
    assert response["Location"] == base
    third = customer.addresses.get(line="张江路 3 号")
    assert third.is_default
    assert sales.post(reverse("web:customer_address_default",
                              args=[customer.pk, second.pk])).status_code == 302
    assert customer.default_address == second
    sales.post(reverse("web:customer_address_edit", args=[customer.pk, first.pk]),
               {"line": "世纪大道 8 号", "city": "上海市"})
    first.refresh_from_db()
    assert (first.line, first.city) == ("世纪大道 8 号", "上海市")
    sales.post(reverse("web:customer_address_delete", args=[customer.pk, second.pk]))
    assert customer.addresses.count() == 2
    assert customer.addresses.filter(is_default=True).count() == 1


def test_address_add_error_rerenders_detail(sales, customer):
    response = sales.post(reverse("web:customer_address_add", args=[customer.pk]),
                          {"address-line": ""})
    assert response.status_code == 200
    assert "line" in form_errors(response, "address_form")
    assert customer.addresses.count() == 2


def test_address_of_another_customer_is_404(sales, customer):
    other = create_customer(actor=None, name="别家", addresses=[{"line": "某路"}])
    address = other.addresses.get()
    url = reverse("web:customer_address_edit", args=[customer.pk, address.pk])
    assert sales.get(url).status_code == 404
    delete = reverse("web:customer_address_delete", args=[customer.pk, address.pk])
    assert sales.post(delete).status_code == 404
    assert other.addresses.exists()


# --- products, warehouses, stock ---------------------------------------------------------

def test_product_duplicate_sku_and_edit(warehouse_user, product):
    data = {"sku": "SKU-001", "name": "另一个", "unit": "个", "list_price": "1",
            "quantity_precision": "0", "tax_rate_percent": "13", "active": "on"}
    response = warehouse_user.post(reverse("web:product_create"), data)
    assert form_errors(response)["sku"] == ["This SKU is already taken."]
    assert Product.objects.count() == 1
    response = warehouse_user.post(reverse("web:product_edit", args=[product.pk]),
                                   {**data, "name": "螺丝刀（大）", "list_price": "15.00"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.list_price, product.unit, product.tax_rate_percent) == (
        "螺丝刀（大）", Decimal("15.00"), "个", Decimal(13))


def test_warehouse_create_and_keep_default(warehouse_user, warehouse):
    response = warehouse_user.post(reverse("web:warehouse_create"),
                                   {"code": "WH-GZ", "name": "广州仓", "active": "on"})
    assert response.status_code == 302
    assert Warehouse.objects.filter(code="WH-GZ", is_default=False).exists()
    response = warehouse_user.post(reverse("web:warehouse_edit", args=[warehouse.pk]),
                                   {"code": "WH-SH", "name": "上海仓", "active": "on"})
    assert "is_default" in form_errors(response)


def test_receive_and_write_off_need_the_rules_of_the_service(warehouse_user, product, warehouse):
    url = reverse("web:stock_change")
    data = {"product": product.pk, "warehouse": warehouse.pk, "reason": "receipt",
            "quantity": "40", "note": "", "source_ref": "DN-1"}
    response = warehouse_user.post(url, data)
    assert response.status_code == 302
    assert StockLevel.objects.get().on_hand == Decimal("40")
    response = warehouse_user.post(url, {**data, "reason": "adjustment", "quantity": "-5"})
    assert "note" in form_errors(response)
    response = warehouse_user.post(url, {**data, "quantity": "1.5"})
    assert "quantity" in form_errors(response)
    response = warehouse_user.post(url, {**data, "reason": "write_off", "quantity": "-50",
                                         "note": "破损"})
    assert form_errors(response)["__all__"] == ["Not enough unreserved stock for this change."]
    assert StockMove.objects.count() == 1


def test_stocktake_posts_the_difference(warehouse_user, product, warehouse):
    receive(product, warehouse, "10")
    url = reverse("web:stock_count")
    data = {"product": product.pk, "warehouse": warehouse.pk, "counted": "7", "note": "盘点"}
    response = warehouse_user.post(url, data, follow=True)
    assert "Count posted: difference -3." in response.content.decode()
    assert StockLevel.objects.get().on_hand == Decimal("7")
    response = warehouse_user.post(url, data, follow=True)
    assert "nothing was posted" in response.content.decode()


def test_sales_cannot_post_stock(sales, product, warehouse):
    response = sales.post(reverse("web:stock_change"), {
        "product": product.pk, "warehouse": warehouse.pk, "reason": "receipt", "quantity": "1"})
    assert response.status_code == 403
    assert not StockMove.objects.exists()


def test_ledger_filters(sales, product, warehouse, second_warehouse):
    receive(product, warehouse, "5")
    receive(product, second_warehouse, "6", reason="opening")
    ledger = reverse("web:ledger")
    assert sales.get(ledger).context["page"].paginator.count == 2
    by_wh = sales.get(ledger, {"warehouse": second_warehouse.pk})
    assert [m.quantity for m in by_wh.context["page"]] == [Decimal("6")]
    assert sales.get(ledger, {"reason": "receipt"}).context["page"].paginator.count == 1
    assert sales.get(ledger, {"since": "2000-01-01", "until": "2000-01-02"}
                     ).context["page"].paginator.count == 0
    bad = sales.get(ledger, {"since": "2020-01-02", "until": "2020-01-01"})
    assert "until" in bad.context["filter_form"].errors


def test_pages_carry_a_content_security_policy_without_inline_code(sales):
    response = sales.get(reverse("web:order_create"))
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no nonce needed: no inline script here
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    html = response.content.decode()
    assert " onsubmit=" not in html and " onclick=" not in html and " style=" not in html


def test_the_deploy_checks_say_nothing_about_the_policy():
    from django.core.checks import run_checks

    issues = run_checks(include_deployment_checks=True)
    assert not [issue for issue in issues if "csp" in issue.id.lower()
                or "Content-Security" in issue.msg]
