"""Customers API: codes, validation, search, pagination, credit limits, addresses."""

from __future__ import annotations

import pytest

from conftest import assert_error, error_fields
from wms_sales.customers.models import Customer


@pytest.fixture
def create(sales_api, admin_api):
    """Create a customer through the API as `sales` and return its JSON; a credit limit or a
    blocked status is a credit decision, so such customers are created by `admin`."""

    def create(**fields):
        credit = fields.get("credit_limit") is not None or fields.get("status") == "blocked"
        api = admin_api if credit else sales_api
        response = api.post("customers", {"name": "默认客户", **fields})
        assert response.status_code == 201, response.content
        return response.json_body

    return create


def test_create_numbers_customers_and_keeps_explicit_codes(create, sales_api):
    first = create(name="甲")["code"]
    running = int(first.removeprefix("CUS"))  # the series may have run before (sequences)
    typed = create(name="手工编码", code=f"CUS{running + 1:06d}")
    assert create(name="乙")["code"] == f"CUS{running + 2:06d}"  # the typed code is skipped
    body = sales_api.get(f"customers/{typed['id']}").json_body
    assert (body["code"], body["name"], body["status"]) == (f"CUS{running + 1:06d}", "手工编码",
                                                            "active")


def test_duplicate_code_is_409(create, sales_api):
    create(code="VIP-1")
    other = create(code="VIP-2")
    assert_error(sales_api.post("customers", {"name": "x", "code": "VIP-1"}), 409, "duplicate_code")
    assert_error(sales_api.patch(f"customers/{other['id']}", {"code": "VIP-1"}),
                 409, "duplicate_code")
    assert Customer.objects.count() == 2


@pytest.mark.parametrize(("payload", "fields"), [
    ({"name": "", "email": "not-an-email", "credit_limit": "-1"},
     {"name", "email", "credit_limit"}),
    ({"name": "   "}, {"name"}),
    ({}, {"name"}),
    ({"name": "x", "credit_limit": "abc"}, {"credit_limit"}),
    ({"name": "x", "payment_method": "bitcoin", "status": "vip"}, {"payment_method", "status"}),
    ({"name": "x", "payment_terms_days": -5}, {"payment_terms_days"}),
    ({"name": "x", "addresses": [{"label": "no line"}]}, {"addresses.0.line"}),
])
def test_invalid_customer_is_422_naming_each_field(sales_api, payload, fields):
    assert error_fields(sales_api.post("customers", payload)) == fields
    assert not Customer.objects.exists()


def test_malformed_json_is_400(sales_api):
    assert_error(sales_api.post("customers", '{"name": "x",'), 400, "invalid_json")


def test_decimals_are_strings(create):
    assert create(credit_limit="5000")["credit_limit"] == "5000.00"
    assert create()["credit_limit"] is None


@pytest.mark.parametrize(("q", "expected"), [
    ("五金", ["上海五金有限公司"]),
    ("beijing", ["Beijing Tools 北京工具"]),
    ("1380000", ["上海五金有限公司"]),
    ("sz-", ["深圳电子"]),
    ("  北京 ", ["Beijing Tools 北京工具"]),
    ("nobody", []),
])
def test_search_by_code_name_phone(create, sales_api, q, expected):
    create(name="上海五金有限公司", phone="13800001111")
    create(name="Beijing Tools 北京工具", phone="010-5555")
    create(name="深圳电子", code="SZ-01")
    body = sales_api.get("customers", q=q).json_body
    assert [c["name"] for c in body["items"]] == expected
    assert body["count"] == len(expected)


def test_status_filter(create, sales_api):
    create(name="正常")
    create(name="冻结", status="blocked")
    assert [c["name"] for c in sales_api.get("customers", status="blocked").json_body["items"]] \
        == ["冻结"]
    assert error_fields(sales_api.get("customers", status="bogus")) == {"status"}


def test_pagination(create, sales_api):
    for i in range(5):
        create(code=f"C{i}")
    body = sales_api.get("customers", limit=2, offset=2).json_body
    assert ([c["code"] for c in body["items"]], body["count"]) == (["C2", "C3"], 5)
    assert error_fields(sales_api.get("customers", limit=0)) == {"limit"}


def test_patch_updates_only_sent_fields(create, sales_api):
    customer = create(name="原名", phone="111", credit_limit="100", notes="keep")
    response = sales_api.patch(f"customers/{customer['id']}",
                               {"contact_person": "王经理", "phone": "021-1234"})
    assert response.status_code == 200
    body = response.json_body
    assert (body["contact_person"], body["phone"], body["name"], body["notes"],
            body["credit_limit"]) == ("王经理", "021-1234", "原名", "keep", "100.00")
    assert error_fields(sales_api.patch(f"customers/{customer['id']}", {"email": "x@"})) \
        == {"email"}


def test_credit_limit_needs_its_own_permission(create, sales_api, finance_api):
    url = f"customers/{create(credit_limit='5000')['id']}"
    assert_error(sales_api.patch(url, {"credit_limit": "9000"}), 403, "permission_denied")
    assert_error(sales_api.patch(url, {"credit_limit": None}), 403, "permission_denied")
    # Sending the unchanged limit back (as a form does) is not a change.
    assert sales_api.patch(url, {"credit_limit": "5000.00", "notes": "n"}).status_code == 200
    assert finance_api.patch(url, {"credit_limit": "8000"}).json_body["credit_limit"] == "8000.00"
    assert finance_api.patch(url, {"credit_limit": None}).json_body["credit_limit"] is None
    assert error_fields(finance_api.patch(url, {"credit_limit": "-1"})) == {"credit_limit"}
    assert sales_api.get(url).json_body["credit_limit"] is None


@pytest.mark.parametrize("fields", [{"credit_limit": "1000"}, {"credit_limit": "0"},
                                    {"status": "blocked"}])
def test_creating_with_credit_terms_needs_the_credit_permission(sales_api, admin_api, fields):
    response = sales_api.post("customers", {"name": "X", **fields})
    assert_error(response, 403, "permission_denied")
    assert response.json_body["error"]["details"]["missing_permissions"] == [
        "customers.change_credit_limit"]
    assert not Customer.objects.exists()
    assert admin_api.post("customers", {"name": "X", **fields}).status_code == 201


def test_blocking_and_unblocking_need_the_credit_permission(create, sales_api, finance_api):
    url = f"customers/{create()['id']}"
    assert_error(sales_api.patch(url, {"status": "blocked"}), 403, "permission_denied")
    assert finance_api.patch(url, {"status": "blocked"}).json_body["status"] == "blocked"
    assert_error(sales_api.patch(url, {"status": "active"}), 403, "permission_denied")
    assert_error(sales_api.post(f"{url}/deactivate"), 403, "permission_denied")
    assert sales_api.get(url).json_body["status"] == "blocked"
    # Sending the unchanged status back (as a form does) is not a change.
    assert sales_api.patch(url, {"status": "blocked", "notes": "n"}).status_code == 200
    assert finance_api.patch(url, {"status": "active"}).json_body["status"] == "active"
    # Deactivating and reactivating is master-data work, not a credit decision.
    assert sales_api.post(f"{url}/deactivate").json_body["status"] == "inactive"
    assert sales_api.patch(url, {"status": "active"}).json_body["status"] == "active"


def test_deactivate_keeps_the_customer(create, sales_api):
    customer = create()
    body = sales_api.post(f"customers/{customer['id']}/deactivate").json_body
    assert body["status"] == "inactive"
    assert [c["id"] for c in sales_api.get("customers", status="inactive").json_body["items"]] \
        == [customer["id"]]


def test_delete_unreferenced_customer(create, sales_api, admin_api):
    url = f"customers/{create()['id']}"
    assert_error(sales_api.delete(url), 403, "permission_denied")
    assert admin_api.delete(url).status_code == 204
    assert_error(admin_api.get(url), 404, "customer_not_found")
    assert_error(admin_api.delete(url), 404, "customer_not_found")


def _default_labels(api, customer_id) -> list[str]:
    addresses = api.get(f"customers/{customer_id}").json_body["addresses"]
    return [a["label"] for a in addresses if a["is_default"]]


def test_address_defaults(create, sales_api):
    customer = create()
    url = f"customers/{customer['id']}/addresses"
    home, office = (sales_api.post(url, {"label": label, "line": f"{label} 路 1 号"}).json_body
                    for label in ("home", "office"))
    assert (home["is_default"], office["is_default"]) == (True, False)

    assert sales_api.patch(f"{url}/{office['id']}", {"is_default": True}).status_code == 200
    assert _default_labels(sales_api, customer["id"]) == ["office"]
    assert error_fields(sales_api.patch(f"{url}/{office['id']}", {"is_default": False})) \
        == {"is_default"}

    third = sales_api.post(url, {"label": "depot", "line": "仓库路", "is_default": True})
    assert third.json_body["is_default"]
    assert _default_labels(sales_api, customer["id"]) == ["depot"]

    assert sales_api.delete(f"{url}/{third.json_body['id']}").status_code == 204
    assert _default_labels(sales_api, customer["id"]) == ["home"]


def test_addresses_given_at_creation_and_foreign_ones(create, sales_api):
    first = create(addresses=[{"label": "a", "line": "1"}, {"label": "b", "line": "2"}])
    assert [(a["label"], a["is_default"]) for a in first["addresses"]] \
        == [("a", True), ("b", False)]
    second = create(addresses=[{"label": "x", "line": "1"}, {"label": "y", "line": "2",
                                                             "is_default": True}])
    assert _default_labels(sales_api, second["id"]) == ["y"]
    foreign = f"customers/{second['id']}/addresses/{first['addresses'][0]['id']}"
    assert_error(sales_api.delete(foreign), 404, "address_not_found")
