"""gunicorn's limits of `wms-sales serve`: realistic requests pass (URLs and headers beyond
gunicorn's defaults), only absurd ones get gunicorn's own 414/431, as the README says."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from django.db import connection

from test_crash_recovery import _free_port


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if connection.vendor != "sqlite":  # its own SQLite installation: once per suite is enough
        pytest.skip("gunicorn's limits do not depend on the database; run on the SQLite pass")
    data = tmp_path_factory.mktemp("serve-limits")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WMS_", "DJANGO_"))}
    env.update(WMS_DATA_DIR=str(data), WMS_SECRET_KEY="serve-limits-key")
    cli = [sys.executable, "-m", "wms_sales.cli"]
    subprocess.run([*cli, "migrate", "--no-input", "-v", "0"], env=env, check=True, timeout=300)
    token = subprocess.run([*cli, "createuser", "limits", "--role", "admin", "--token"], env=env,
                           check=True, capture_output=True, text=True,
                           timeout=120).stdout.strip().splitlines()[-1]
    port = _free_port()
    process = subprocess.Popen([*cli, "serve", "--no-collectstatic", "--workers", "1",
                                "--bind", f"127.0.0.1:{port}"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)
                break
            except OSError:
                time.sleep(0.25)
        yield port, token
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", "").split(";")[0]
    finally:
        connection.close()


def test_a_long_search_url_and_big_headers_pass(server):
    port, token = server
    auth = {"Authorization": f"Bearer {token}"}
    # 6,000 characters of query: beyond gunicorn's default request line of 4,094 bytes.
    assert get(port, "/api/v1/customers?q=" + "a" * 6000, auth) == (200, "application/json")
    # A 12 KB cookie header: beyond gunicorn's default field size of 8,190 bytes.
    cookies = {**auth, "Cookie": "tracking=" + "b" * 12_000}
    assert get(port, "/api/v1/customers", cookies) == (200, "application/json")


def test_absurd_requests_get_gunicorns_own_answer(server):
    port, token = server
    auth = {"Authorization": f"Bearer {token}"}
    assert get(port, "/api/v1/customers?q=" + "a" * 9000, auth)[0] == 414
    assert get(port, "/api/v1/customers", {**auth, "X-Big": "c" * 20_000})[0] in (400, 431)
