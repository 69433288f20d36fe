"""Segregation of duties: whoever entered an order cannot approve it (configurable)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from conftest import ApiClient, assert_error
from orders_helpers import create, order_body
from wms_sales.accounts.services import create_user, issue_token
from wms_sales.orders.models import SalesOrder
from wms_sales.orders.services import create_order

pytest_plugins = ["orders_fixtures"]


def test_the_user_who_entered_an_order_cannot_approve_it(admin_api, reviewer_api, customer,
                                                         product, stock):
    order = create(admin_api, order_body(customer, product))
    error = assert_error(admin_api.post(f"orders/{order['id']}/approve"), 403,
                         "segregation_of_duties")
    assert "segregation of duties" in error["message"]
    assert SalesOrder.objects.get().status == "pending"
    approved = reviewer_api.post(f"orders/{order['id']}/approve")
    assert approved.json_body["status"] == "approved"
    assert approved.json_body["reviewed_by"] != approved.json_body["created_by"]


def test_a_user_who_may_enter_and_review_still_cannot_approve_own_order(customer, product,
                                                                         stock):
    both = create_user(username="both", role="reviewer", password="pw-12345678")
    both.groups.add(Group.objects.get(name="sales"))
    api = ApiClient(issue_token(user=both))
    order = create(api, order_body(customer, product))
    assert_error(api.post(f"orders/{order['id']}/approve"), 403, "segregation_of_duties")


def test_it_can_be_turned_off(settings, admin_api, customer, product, stock):
    settings.WMS_SEGREGATE_DUTIES = False
    order = create(admin_api, order_body(customer, product))
    assert admin_api.post(f"orders/{order['id']}/approve").json_body["status"] == "approved"


def test_the_order_page_offers_no_approve_button_to_its_author(customer, product, stock):
    author = create_user(username="author", role="admin", password="pw-12345678")
    other = create_user(username="other", role="reviewer", password="pw-12345678")
    order = create_order(actor=author, customer_id=customer.pk,
                         lines=[{"product_id": product.pk, "quantity": "1"}])
    approve_url = reverse("web:order_approve", args=[order.pk])
    page_url = reverse("web:order_detail", args=[order.pk])
    as_author, as_other = Client(), Client()
    as_author.force_login(author)
    as_other.force_login(other)
    assert approve_url not in as_author.get(page_url).content.decode()
    assert approve_url in as_other.get(page_url).content.decode()
    as_author.post(approve_url, {"approve-reason": ""})
    assert SalesOrder.objects.get().status == "pending"
    as_other.post(approve_url, {"approve-reason": ""})
    assert SalesOrder.objects.get().status == "approved"


def test_demo_history_never_approves_an_order_by_its_author(db):
    from test_commands import run

    assert run("demo", "--orders", "300", "--no-progress")[0] == 0
    reviewed = SalesOrder.objects.exclude(reviewed_by=None)
    assert reviewed.exists()
    assert not [o.number for o in reviewed if o.reviewed_by_id == o.created_by_id]
