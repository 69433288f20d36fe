"""The `wms-sales` management commands: check, createuser, issuetoken."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from conftest import ApiClient, assert_error, receive


def run(*args) -> tuple[int, str, str]:
    """Run a command as the CLI would and return (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def stocked(product, precise_product, warehouse, second_warehouse):
    receive(product, warehouse, 10)
    receive(product, warehouse, -4, reason="adjustment", note="broken")
    receive(product, second_warehouse, 2)
    receive(precise_product, second_warehouse, "2.01")  # sums that floats would get wrong
    receive(precise_product, second_warehouse, "-2", reason="adjustment", note="cut")


def test_check_passes_on_a_consistent_database(stocked):
    status, out, err = run("check")
    assert (status, err) == (0, "")
    assert "All invariants hold." in out


@pytest.mark.parametrize(("sql", "named"), [
    ("UPDATE inventory_stocklevel SET on_hand = on_hand + 1 WHERE warehouse_id = {wh}",
     "SKU-001@WH-SH: on_hand=7.0000 but the ledger sums to 6"),
    ("DELETE FROM inventory_stocklevel WHERE warehouse_id = {wh}",
     "ledger has moves for product {product} in warehouse {wh} (sum 6"),
])
def test_check_names_the_broken_level(stocked, product, warehouse, sql, named):
    with connection.cursor() as cursor:
        cursor.execute(sql.format(wh=warehouse.pk))
    status, out, err = run("check")
    assert status == 1
    assert named.format(product=product.pk, wh=warehouse.pk) in err
    assert "WH-BJ" not in err
    assert "FAIL" in out


def test_createuser_prints_a_working_token(db):
    status, out, _ = run("createuser", "alice", "--role", "warehouse", "--token")
    assert status == 0
    client = ApiClient(out.strip().splitlines()[-1])
    assert client.post("warehouses", {"code": "W1", "name": "一号仓"}).status_code == 201
    assert_error(client.post("customers", {"name": "x"}), 403, "permission_denied")


@pytest.mark.parametrize(("args", "message"), [
    (["bob", "--role", "pirate"], "invalid choice"),
    (["alice", "--role", "sales"], "already exists"),
    (["  ", "--role", "sales"], "required"),
    (["carol"], "--role"),
])
def test_createuser_refuses_bad_input(db, args, message):
    assert run("createuser", "alice", "--role", "finance")[0] == 0
    status, _, err = run("createuser", *args)
    assert status != 0
    assert message in err


def test_issuetoken_and_revoke(db):
    run("createuser", "dave", "--role", "reviewer")
    status, out, _ = run("issuetoken", "dave", "--name", "laptop")
    token = out.strip().splitlines()[-1]
    assert status == 0 and ApiClient(token).get("customers").status_code == 200
    assert run("issuetoken", "--revoke", token)[0] == 0
    assert_error(ApiClient(token).get("customers"), 401, "not_authenticated")
    assert run("issuetoken", "--revoke", token)[0] != 0
    assert run("issuetoken", "nobody")[0] != 0
