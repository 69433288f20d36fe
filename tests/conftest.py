"""Shared fixtures: users per role with API tokens, a JSON API client, master data."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from wms_sales.accounts.services import create_user, issue_token


class ApiClient:
    """Calls /api/v1 with a bearer token and decodes JSON answers."""

    def __init__(self, token: str | None) -> None:
        # CSRF is enforced as for any real client: only a session may need it, never a token.
        self.client = Client(enforce_csrf_checks=True)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, body=None, headers=None, **params):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        kwargs = {"headers": {**self.headers, **(headers or {})}}
        if body is not None:
            kwargs["data"] = body if isinstance(body, str) else json.dumps(body, default=str)
            kwargs["content_type"] = "application/json"
        elif params:
            kwargs["data"] = params
        response = getattr(self.client, method)(url, **kwargs)
        response.json_body = (response.json() if response.get("Content-Type", "").startswith(
            "application/json") and response.content else None)
        return response

    def get(self, path, **params):
        return self.request("get", path, **params)

    def post(self, path, body=None, **kw):
        return self.request("post", path, body if body is not None else {}, **kw)

    def patch(self, path, body, **kw):
        return self.request("patch", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("delete", path, **kw)


def assert_error(response, status: int, code: str) -> dict:
    """Assert the API's error shape and return its ``error`` object."""
    assert response.status_code == status, response.content
    error = response.json_body["error"]
    assert error["code"] == code, error
    assert error["message"]
    return error


def error_fields(response) -> set[str]:
    """The fields a 422 names in ``details.fields``."""
    return set(assert_error(response, 422, "validation_error")["details"]["fields"])


def make_api(role: str, username: str | None = None) -> ApiClient:
    user = create_user(username=username or f"{role}-user", role=role, password="pw-12345678")
    return ApiClient(issue_token(user=user))


@pytest.fixture
def admin_api(db) -> ApiClient:
    return make_api("admin")


@pytest.fixture
def sales_api(db) -> ApiClient:
    return make_api("sales")


@pytest.fixture
def warehouse_api(db) -> ApiClient:
    return make_api("warehouse")


@pytest.fixture
def finance_api(db) -> ApiClient:
    return make_api("finance")


@pytest.fixture
def reviewer_api(db) -> ApiClient:
    return make_api("reviewer")


@pytest.fixture
def anonymous_api(db) -> ApiClient:
    return ApiClient(None)


@pytest.fixture(autouse=True)
def _postgres_only(request):
    if request.node.get_closest_marker("postgres_only") and connection.vendor != "postgresql":
        pytest.skip(f"needs PostgreSQL (real row locks across connections), "
                    f"this run uses {connection.vendor}")


@pytest.fixture
def product(db):
    from wms_sales.catalog.services import create_product

    return create_product(actor=None, sku="SKU-001", name="螺丝刀 Screwdriver", unit="把",
                          list_price=Decimal("12.50"))


@pytest.fixture
def warehouse(db):
    from wms_sales.inventory.services import create_warehouse

    return create_warehouse(actor=None, code="WH-SH", name="上海仓", is_default=True)


@pytest.fixture
def second_warehouse(db):
    from wms_sales.inventory.services import create_warehouse

    return create_warehouse(actor=None, code="WH-BJ", name="北京仓")


@pytest.fixture
def precise_product(db):
    """A product counted in hundredths (quantity_precision=2)."""
    from wms_sales.catalog.services import create_product

    return create_product(actor=None, sku="CABLE-M", name="电缆 Cable (m)", unit="m",
                          list_price=Decimal("3.20"), quantity_precision=2)


def receive(product, warehouse, quantity, **kwargs):
    """Book stock in through the service; returns the StockMove."""
    from wms_sales.inventory.services import record_stock_change

    return record_stock_change(actor=None, product_id=product.pk, warehouse_id=warehouse.pk,
                               quantity=quantity, **kwargs)
