"""`wms-sales check --deploy` is clean with the production settings (WMS_HTTPS=1, a real key)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import types

import pytest
from django.db import connection

from wms_sales.common import checks as deployment_checks


def deploy_check(tmp_path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("WMS_", "DJANGO_"))}
    environment.update({"WMS_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE":
                        "wms_sales.settings", **env})
    return subprocess.run([sys.executable, "-m", "django", "check", "--deploy"], env=environment,
                          capture_output=True, text=True, timeout=120, check=False)


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = deploy_check(tmp_path, WMS_HTTPS="1", WMS_SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_deployment_checks_name_what_is_missing(tmp_path):
    result = deploy_check(tmp_path, WMS_SECRET_KEY="short")
    assert result.returncode == 1
    for check in ("security.W009", "security.W012", "security.W008", "security.W004"):
        assert check in result.stderr


def test_a_mysql_server_without_time_zone_tables_is_named(db, monkeypatch):
    """Django's date truncation on MySQL/MariaDB needs the server's zone tables; the database
    check (run by `migrate`) says how to load them instead of reports failing later."""
    if connection.vendor != "mysql":
        pytest.skip(f"a MySQL/MariaDB check; this run uses {connection.vendor}")
    assert deployment_checks.mysql_time_zone_tables(databases=["default"]) == []
    monkeypatch.setattr(deployment_checks, "settings", types.SimpleNamespace(
        TIME_ZONE="Nowhere/Unknown_Zone"))
    (problem,) = deployment_checks.mysql_time_zone_tables(databases=["default"])
    assert problem.id == "wms_sales.E001"
    assert "mysql_tzinfo_to_sql" in problem.hint


@pytest.mark.parametrize(("flag", "prepared"), [(None, True), ("1", True), ("0", False)])
def test_postgresql_prepares_statements_unless_told_not_to(monkeypatch, flag, prepared):
    from wms_sales.settings import database_config

    monkeypatch.setenv("WMS_DATABASE_URL", "postgres://app@db.example:5432/wms")
    if flag is None:
        monkeypatch.delenv("WMS_DB_PREPARED_STATEMENTS", raising=False)
    else:
        monkeypatch.setenv("WMS_DB_PREPARED_STATEMENTS", flag)
    options = database_config().get("OPTIONS", {})
    assert options.get("server_side_binding", False) is prepared
    assert (options.get("prepare_threshold") is not None) is prepared
    monkeypatch.setenv("WMS_DATABASE_URL", "mysql://root@db.example:3306/wms")
    assert "server_side_binding" not in database_config().get("OPTIONS", {})


def test_this_run_binds_parameters_on_the_server_on_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip(f"PostgreSQL's server-side binding; this run uses {connection.vendor}")
    from wms_sales.settings import env_flag

    if not env_flag("WMS_DB_PREPARED_STATEMENTS", True):
        pytest.skip("WMS_DB_PREPARED_STATEMENTS is off in this environment")
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::int + 1", [41])
        assert cursor.fetchone() == (42,)
        assert type(cursor.cursor).__name__ == "ServerBindingCursor"
