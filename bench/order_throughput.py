"""Orders per second through the real HTTP API with 8 concurrent clients, end to end:
create an order (3 lines) → approve (credit check + reservation) → create the outbound →
post it (stock issued, invoice raised). Then the books are checked: no unit lost, none
oversold, no 5xx answer.

    export WMS_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_tp WMS_SECRET_KEY=x
    .venv/bin/python bench/order_throughput.py [--clients 8] [--orders 400] [--workers 4]

It migrates that database, loads the demo master data, starts `wms-sales serve` (gunicorn)
on 127.0.0.1:8765, drives it, stops it, and runs `wms-sales check`. Some SKUs get less
stock than the clients ask for, so part of the approvals must be refused (409), never
oversold. Point it at a scratch database.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter

PORT = 8765


def manage(*args: str) -> str:
    return subprocess.run([sys.executable, "-m", "wms_sales.cli", *args], check=True,
                          capture_output=True, text=True).stdout


class Api:
    def __init__(self, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}",
                        "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        self.conn.request(method, f"/api/v1/{path}", json.dumps(body) if body else None,
                          self.headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else {})


def client(token: str, plan: list, results: Counter, latencies: list, lock) -> None:
    api = Api(token)
    for customer_id, lines, warehouse_id in plan:
        started = time.perf_counter()
        status, order = api.call("POST", "orders", {"customer_id": customer_id, "lines": lines,
                                                    "warehouse_id": warehouse_id})
        outcome = f"create {status}"
        if status == 201:
            status, _ = api.call("POST", f"orders/{order['id']}/approve")
            outcome = f"approve {status}"
            if status == 200:
                status, outbound = api.call("POST", "outbounds", {
                    "order_id": order["id"], "warehouse_id": warehouse_id})
                outcome = f"outbound {status}"
                if status == 201:
                    status, _ = api.call("POST", f"outbounds/{outbound['id']}/post")
                    outcome = "shipped" if status == 200 else f"post {status}"
        with lock:
            results[outcome] += 1
            if outcome == "shipped":
                latencies.append(time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    os.environ.setdefault("WMS_ALLOWED_HOSTS", "127.0.0.1,localhost")
    manage("migrate", "-v", "0")
    manage("demo", "--if-empty", "--no-progress")
    token = manage("createuser", f"tp-{int(time.time())}", "--role", "admin",
                   "--token").strip().splitlines()[-1]

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms_sales.settings")
    import django

    django.setup()
    from wms_sales.customers.models import Customer
    from wms_sales.inventory.models import StockLevel, StockMove, Warehouse

    warehouse = Warehouse.objects.get(is_default=True)
    levels = list(StockLevel.objects.filter(warehouse=warehouse).select_related("product"))
    customers = list(Customer.objects.filter(status="active").values_list("pk", flat=True))
    Customer.objects.update(credit_limit=None)  # this run measures stock, not credit
    rng = random.Random(7)
    plan = [(rng.choice(customers),
             [{"product_id": lv.product_id, "quantity": rng.randint(1, 5)}
              for lv in rng.sample(levels, 3)], warehouse.pk) for _ in range(args.orders)]
    before = {lv.pk: lv.on_hand for lv in levels}
    moves_before = StockMove.objects.count()

    server = subprocess.Popen([sys.executable, "-m", "wms_sales.cli", "serve", "--bind",
                               f"127.0.0.1:{PORT}", "--workers", str(args.workers),
                               "--threads", "2", "--no-collectstatic"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/")
                break
            except OSError:
                time.sleep(0.1)
        results, latencies, lock = Counter(), [], threading.Lock()
        chunks = [plan[i::args.clients] for i in range(args.clients)]
        threads = [threading.Thread(target=client, args=(token, chunk, results, latencies, lock))
                   for chunk in chunks]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait()

    shipped_units = {}
    for lv in StockLevel.objects.filter(pk__in=before):
        shipped_units[lv.pk] = before[lv.pk] - lv.on_hand
    server_errors = sum(n for outcome, n in results.items() if outcome.split()[-1][0] == "5")
    print(f"clients {args.clients}, gunicorn workers {args.workers}, orders {args.orders}")
    print(f"outcomes: {dict(results)}")
    print(f"shipped orders/s: {results['shipped'] / elapsed:.1f} "
          f"({results['shipped']} in {elapsed:.1f}s); median order round trip "
          f"{statistics.median(latencies) * 1000:.0f} ms" if latencies else "nothing shipped")
    print(f"5xx answers: {server_errors}; stock moves written: "
          f"{StockMove.objects.count() - moves_before}")
    check = subprocess.run([sys.executable, "-m", "wms_sales.cli", "check"],
                           capture_output=True, text=True)
    print(check.stdout.strip().splitlines()[-1], check.stderr.strip()[-500:])
    sys.exit(1 if server_errors or check.returncode else 0)


if __name__ == "__main__":
    main()
