"""Authentication and role permissions of the JSON API."""

from __future__ import annotations

import re

import pytest

from conftest import ApiClient, assert_error, make_api
from wms_sales.accounts.services import create_user, issue_token, revoke_token
from wms_sales.api import api

DOCS = {"openapi-json", "openapi-view", "api-root"}
ROUTES = sorted({str(p.pattern) for p in api.urls[0] if p.name not in DOCS})


@pytest.mark.parametrize("route", ROUTES)
def test_every_route_requires_auth(anonymous_api, route):
    """Every method of every route: 401 (or 405 where the method does not exist), never data."""
    path = "/api/v1/" + re.sub(r"<[^>]+>", "1", route)
    statuses = {}
    for method in ("get", "post", "patch", "delete"):
        response = anonymous_api.request(method, path, {} if method in ("post", "patch") else None)
        statuses[method] = response.status_code
        if response.status_code == 401:
            assert_error(response, 401, "not_authenticated")
    assert set(statuses.values()) <= {401, 405} and 401 in statuses.values(), statuses


def test_routes_cover_the_api():
    assert {"customers", "products", "warehouses", "stock", "stock/moves",
            "stock/counts"} <= set(ROUTES)


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_docs_are_public(anonymous_api, path):
    assert anonymous_api.get(path).status_code == 200


def test_openapi_lists_the_routes(anonymous_api):
    paths = anonymous_api.get("/api/v1/openapi.json").json_body["paths"]
    assert {"/api/v1/customers", "/api/v1/stock/moves", "/api/v1/warehouses/{warehouse_id}"} \
        <= set(paths)


@pytest.fixture
def sales_user(db):
    return create_user(username="li", role="sales")


@pytest.mark.parametrize("spoil", [
    lambda user, token: token[:-1],
    lambda user, token: revoke_token(raw=token),
    lambda user, token: type(user).objects.filter(pk=user.pk).update(is_active=False),
], ids=["wrong", "revoked", "inactive-user"])
@pytest.mark.parametrize(("method", "path"), [("get", "customers"), ("post", "stock/moves")])
def test_bad_token_is_401(sales_user, spoil, method, path):
    token = issue_token(user=sales_user)
    assert ApiClient(token).get("customers").status_code == 200
    spoiled = spoil(sales_user, token)
    client = ApiClient(spoiled if isinstance(spoiled, str) else token)
    assert_error(client.request(method, path, {} if method == "post" else None),
                 401, "not_authenticated")


def test_malformed_authorization_header_is_401(db):
    client = ApiClient(None)
    for header in ("Bearer", "Token abc", "Basic dXNlcjpwdw=="):
        assert_error(client.get("customers", headers={"Authorization": header}),
                     401, "not_authenticated")


@pytest.mark.parametrize(("role", "method", "path", "body"), [
    ("reviewer", "post", "products", {"sku": "X", "name": "x"}),
    ("sales", "post", "stock/moves", {"product_id": 1, "warehouse_id": 1, "quantity": 1}),
    ("sales", "post", "stock/counts", {"product_id": 1, "warehouse_id": 1, "counted": 1,
                                       "note": "n"}),
    ("sales", "post", "warehouses", {"code": "W", "name": "w"}),
    ("reviewer", "post", "customers", {"name": "x"}),
    ("warehouse", "post", "customers", {"name": "x"}),
    ("finance", "post", "products", {"sku": "X", "name": "x"}),
])
def test_role_without_permission_is_403(db, role, method, path, body):
    error = assert_error(make_api(role).request(method, path, body), 403, "permission_denied")
    assert error["details"]["missing_permissions"]


@pytest.mark.parametrize("role", ["admin", "sales", "reviewer", "warehouse", "finance"])
def test_every_role_reads_master_data(db, role):
    client = make_api(role)
    for path in ("customers", "products", "warehouses", "stock", "stock/moves"):
        assert client.get(path).status_code == 200, (role, path)


def test_web_session_works_with_csrf_on_writes(db):
    client = ApiClient(None)
    client.client.force_login(create_user(username="web", role="warehouse"))
    assert client.get("products").status_code == 200
    body = {"sku": "S-1", "name": "n"}
    assert_error(client.post("products", body), 403, "permission_denied")  # CSRF
    client.client.cookies["csrftoken"] = secret = "a" * 32
    assert client.post("products", body, headers={"X-CSRFToken": secret}).status_code == 201


def test_a_token_is_stamped_when_used_at_most_once_a_minute(sales_user):
    from datetime import timedelta

    from django.utils import timezone

    from wms_sales.accounts.models import ApiToken
    from wms_sales.accounts.services import STAMP_EVERY, user_for_token

    token = issue_token(user=sales_user)
    row = ApiToken.objects.get(user=sales_user)
    assert row.last_used_at is None
    user = user_for_token(token)
    assert (user.pk, user.username, user.is_active, user.is_superuser) \
        == (sales_user.pk, "li", True, False)
    assert user.date_joined == sales_user.date_joined  # a real datetime, as the ORM reads it
    assert not hasattr(user, "token_id") and not hasattr(user, "token_stale")
    assert user.has_perm("orders.add_salesorder")
    row.refresh_from_db()
    first = row.last_used_at
    assert first is not None
    user_for_token(token)
    row.refresh_from_db()
    assert row.last_used_at == first  # within the minute: no write
    ApiToken.objects.filter(pk=row.pk).update(
        last_used_at=timezone.now() - timedelta(seconds=STAMP_EVERY + 5))
    user_for_token(token)
    row.refresh_from_db()
    assert row.last_used_at > first


def test_a_tokens_read_carries_the_users_permissions_as_the_backend_reads_them(
        sales_user, django_assert_num_queries):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    from wms_sales.accounts.services import user_for_token

    # Their role's permissions plus one of their own, which the role does not give.
    extra = Permission.objects.get(codename="delete_apitoken")
    sales_user.user_permissions.add(extra)
    token = issue_token(user=sales_user)
    user_for_token(token)  # the first use stamps the token: one more statement
    with django_assert_num_queries(1):
        user = user_for_token(token)
        assert user.has_perm("orders.add_salesorder") and user.has_perm(
            "accounts.delete_apitoken")
        assert not user.has_perm("finance.add_payment")
    fresh = get_user_model().objects.get(pk=sales_user.pk)
    assert user.get_all_permissions() == fresh.get_all_permissions()
    assert "accounts.delete_apitoken" in fresh.get_all_permissions()
    # A user with no permission at all, and a superuser (whose checks need no set).
    bare = create_user(username="bare", role="sales")
    bare.groups.clear()
    assert user_for_token(issue_token(user=bare)).get_all_permissions() == set()
    admin = user_for_token(issue_token(user=create_user(username="root", role="admin")))
    assert admin.is_superuser and admin.has_perm("finance.add_payment")
