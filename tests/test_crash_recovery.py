"""Crash test on PostgreSQL: concurrent order lifecycles against a real `wms-sales serve`, the
whole server (gunicorn master and workers) SIGKILLed mid-load and started again; then `check`
finds every invariant intact and every request that was answered 2xx is there."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.postgres_only

PG_URL = os.environ.get("WMS_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
LOAD_THREADS = 4
LOAD_SECONDS_BEFORE_KILL = 4.0
MAX_LIFECYCLES_PER_THREAD = 200  # bounded even if the kill came late


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Installation:
    """A throwaway installation on its own PostgreSQL database, driven through the CLI."""

    def __init__(self, tmp_path: Path) -> None:
        import psycopg

        self.database = f"{os.environ.get('WMS_TEST_DATABASE_NAME', 'test')}_crash"
        self.admin_url = PG_URL.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("WMS_", "DJANGO_"))}
        self.env.update(WMS_DATABASE_URL=PG_URL.rsplit("/", 1)[0] + f"/{self.database}",
                        WMS_DATA_DIR=str(tmp_path / "data"), WMS_SECRET_KEY="crash-test-key",
                        WMS_WORKERS="2", WMS_THREADS="4")
        self.port = _free_port()
        self.server: subprocess.Popen | None = None
        self.log = tmp_path / "server.log"

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "wms_sales.cli", *args], env=self.env,
                              capture_output=True, text=True, timeout=300, check=False)

    def token(self, username: str, role: str) -> str:
        result = self.cli("createuser", username, "--role", role, "--token")
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    def start(self) -> None:
        with self.log.open("a") as log:
            # Its own session: the kill reaches the master and every worker at once.
            self.server = subprocess.Popen(
                [sys.executable, "-m", "wms_sales.cli", "serve", "--no-collectstatic",
                 "--bind", f"127.0.0.1:{self.port}"], env=self.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/openapi.json",
                                       timeout=2).read()
                return
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"the server did not start: {self.log.read_text()[-2000:]}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, sig)
            self.server.wait(timeout=30)

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def call(port: int, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/{path}", data=data, method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 "Idempotency-Key": uuid.uuid4().hex})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None


@pytest.fixture
def installation(tmp_path):
    pytest.importorskip("psycopg")
    try:
        site = Installation(tmp_path)
    except Exception as exc:  # any driver error means "not reachable"
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}: {exc}")
    yield site
    site.kill()
    site.drop()


def test_a_killed_server_loses_no_acknowledged_write_and_breaks_no_invariant(installation):
    site = installation
    assert site.cli("migrate", "--no-input", "-v", "0").returncode == 0
    demo = site.cli("demo", "--if-empty", "--orders", "20", "--no-progress")
    assert demo.returncode == 0, demo.stderr
    tokens = {role: site.token(f"crash-{role}", role)
              for role in ("sales", "reviewer", "warehouse", "finance")}
    site.start()
    port = site.port
    _, customers = call(port, tokens["sales"], "GET", "customers?status=active&limit=20")
    _, products = call(port, tokens["sales"], "GET", "products?limit=10")
    _, warehouses = call(port, tokens["sales"], "GET", "warehouses")
    customer_ids = [c["id"] for c in customers["items"] if c["credit_limit"] is None]
    product_ids = [p["id"] for p in products["items"]]
    warehouse_id = next(w["id"] for w in warehouses["items"] if w["is_default"])
    acknowledged: dict[str, list[Any]] = {"order": [], "approved": [], "outbound": [],
                                          "posted": [], "payment": []}
    lock = threading.Lock()

    def acknowledge(kind: str, value: Any) -> None:
        with lock:
            acknowledged[kind].append(value)

    def lifecycles(worker: int) -> None:
        for n in range(MAX_LIFECYCLES_PER_THREAD):
            try:
                customer = customer_ids[(worker + n) % len(customer_ids)]
                status, order = call(port, tokens["sales"], "POST", "orders", {
                    "customer_id": customer, "lines": [
                        {"product_id": product_ids[(worker + n + k) % len(product_ids)],
                         "quantity": "1"} for k in range(2)]})
                if status != 201:
                    continue
                acknowledge("order", order["id"])
                status, _ = call(port, tokens["reviewer"], "POST",
                                 f"orders/{order['id']}/approve", {})
                if status != 200:
                    continue
                acknowledge("approved", order["id"])
                status, outbound = call(port, tokens["warehouse"], "POST", "outbounds",
                                        {"order_id": order["id"], "warehouse_id": warehouse_id})
                if status != 201:
                    continue
                acknowledge("outbound", outbound["id"])
                status, _ = call(port, tokens["warehouse"], "POST",
                                 f"outbounds/{outbound['id']}/post", {})
                if status != 200:
                    continue
                acknowledge("posted", outbound["id"])
                status, payment = call(port, tokens["finance"], "POST", "payments",
                                       {"customer_id": customer, "amount": "1.00"})
                if status == 201:
                    acknowledge("payment", payment["id"])
            except (OSError, http.client.HTTPException):  # the server is gone (maybe in the
                return  # middle of an answer, which is then not acknowledged): this client stops

    threads = [threading.Thread(target=lifecycles, args=(n,)) for n in range(LOAD_THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(LOAD_SECONDS_BEFORE_KILL)
    site.kill(signal.SIGKILL)  # mid-load: requests are in flight
    for thread in threads:
        thread.join(timeout=120)
    print("acknowledged before the kill:", {kind: len(v) for kind, v in acknowledged.items()})
    assert len(acknowledged["order"]) >= 5, "too little load reached the server before the kill"
    assert len(acknowledged["posted"]) >= 1

    site.start()
    reader = tokens["finance"]
    for order_id in acknowledged["order"]:
        assert call(port, reader, "GET", f"orders/{order_id}")[0] == 200, order_id
    for order_id in acknowledged["approved"]:
        assert call(port, reader, "GET", f"orders/{order_id}")[1]["status"] in {
            "approved", "shipping", "completed"}, order_id
    for outbound_id in acknowledged["outbound"]:
        assert call(port, reader, "GET", f"outbounds/{outbound_id}")[0] == 200, outbound_id
    for outbound_id in acknowledged["posted"]:
        assert call(port, reader, "GET", f"outbounds/{outbound_id}")[1]["status"] == "posted"
    payments = {p["id"] for p in call(port, reader, "GET", "payments?limit=500")[1]["items"]}
    assert set(acknowledged["payment"]) <= payments
    site.kill(signal.SIGTERM)

    check = site.cli("check")
    assert check.returncode == 0, check.stderr
    assert "All invariants hold." in check.stdout
