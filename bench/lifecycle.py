"""The order lifecycle under concurrency, on PostgreSQL, in one run (issue #9):

    export WMS_SECRET_KEY=x
    .venv/bin/python bench/lifecycle.py [--seconds 15] [--database bench_lifecycle]
                                        [--only http,queries] [--clients 1,8]
                                        [--big-orders 3]

One lifecycle = create an order (3 lines) → approve it (credit check + reservation) →
create its outbound → post it (stock issued, invoice raised): 4 business transactions.

It prints, from one run on one machine:
1. pgbench TPC-B-like, 8 clients, on the same server (the ceiling of this machine);
2. the lifecycle through the services, in-process, with 1, 8 and 16 processes;
3. the lifecycle over HTTP against `wms-sales serve`, with 1, 8 and 16 client threads;
4. a hot spot: 16 HTTP clients, ONE customer and THREE SKUs with scarce stock;
5. orders of 1,000 lines (3 in a row, ``--big-orders``), each step timed over HTTP, with
   the median (the first order meets workers that never ran a step that size);
6. queries per step through the API at 3 and 1,000 lines;
and the books after all of it: `wms-sales check`, and shipped units == fall of on-hand.
With --relay (and WMS_AMQP_URL set) a `wms-sales relay` runs beside the phases and the
commit→broker lag of their events (published_at − created_at) is reported.
Orders/s, business transactions/s, their ratio to pgbench's TPS, p50/p99 per request and
the count of 5xx answers are reported per phase.

The database named by --database (default bench_lifecycle) is dropped and made again. Each
phase starts with an ``ANALYZE`` (what autovacuum does on a real server between them; the
header says whether this server's autovacuum is on).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections import Counter
from decimal import Decimal

PORT = 8766
PG = "postgres://postgres@127.0.0.1:5432"
ROWS: list[tuple] = []
PHASES = ("pgbench", "services", "http", "hotspot", "big", "queries")


def manage(*args: str) -> str:
    return subprocess.run([sys.executable, "-m", "wms_sales.cli", *args], check=True,
                          capture_output=True, text=True).stdout


def psql(database: str, sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-q", "-c",
                    sql], check=True, capture_output=True)


def analyze() -> None:
    """What autovacuum does between the phases of a real server: the planner's statistics
    of the tables the phases filled (a server with autovacuum off would otherwise plan the
    1,000-line order's lookups on a table it believes empty)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def pgbench(clients: int, seconds: int) -> float:
    psql("postgres", "DROP DATABASE IF EXISTS bench_pgbench WITH (FORCE)")
    psql("postgres", "CREATE DATABASE bench_pgbench")
    subprocess.run(["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-i", "-q", "-s", "8",
                    "bench_pgbench"], check=True, capture_output=True)
    out = subprocess.run(["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-c", str(clients),
                          "-j", "2", "-T", str(seconds), "bench_pgbench"], check=True,
                         capture_output=True, text=True).stdout
    psql("postgres", "DROP DATABASE bench_pgbench")
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def report(phase: str, clients: int, orders: int, elapsed: float, latencies: list[float],
           server_errors: int, tps: float | None, outcomes: Counter) -> None:
    per_s = orders / elapsed
    ratio = 4 * per_s / tps if tps else None
    ROWS.append((phase, clients, per_s, 4 * per_s, ratio,
                 percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000,
                 server_errors, dict(outcomes)))
    of_pgbench = f"{ratio:6.1%}" if ratio is not None else "   n/a"
    print(f"  {phase:<28} {clients:>3} clients  {per_s:7.1f} orders/s  "
          f"{4 * per_s:7.1f} tx/s  {of_pgbench} of pgbench  "
          f"p50 {percentile(latencies, 0.5) * 1000:6.1f} ms  "
          f"p99 {percentile(latencies, 0.99) * 1000:7.1f} ms  5xx {server_errors}  "
          f"{dict(outcomes)}", flush=True)


# --- through the services, in processes ------------------------------------------------------

def service_worker(seed: int, seconds: float, plan_args: tuple, queue) -> None:
    import django
    from django.db import connection

    django.setup()
    from wms_sales.common.errors import DomainError
    from wms_sales.orders.services import approve_order, create_order
    from wms_sales.outbound.services import create_outbound, post_outbound

    customers, products, warehouse_id = plan_args
    rng = random.Random(seed)
    outcomes, latencies, done = Counter(), [], 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            order = create_order(actor=None, customer_id=rng.choice(customers), lines=[
                {"product_id": p, "quantity": rng.randint(1, 5)}
                for p in rng.sample(products, 3)])
            approve_order(actor=None, order_id=order.pk)
            outbound = create_outbound(actor=None, order_id=order.pk,
                                       warehouse_id=warehouse_id)
            post_outbound(actor=None, outbound_id=outbound.pk)
            outcomes["shipped"] += 1
            done += 1
            latencies.append((time.perf_counter() - started) / 4)
        except DomainError as exc:
            outcomes[exc.code] += 1
    connection.close()
    queue.put((done, latencies, outcomes))


def through_services(processes: int, seconds: float, plan_args: tuple, tps: float) -> None:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=service_worker, args=(i, seconds, plan_args, queue))
               for i in range(processes)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    outcomes = sum((r[2] for r in results), Counter())
    report("services (in-process)", processes, sum(r[0] for r in results), elapsed,
           [lat for r in results for lat in r[1]], 0, tps, outcomes)


# --- over HTTP --------------------------------------------------------------------------------

class Api:
    def __init__(self, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.latencies: list[float] = []
        self.server_errors = 0

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        """One request; a POST carries an Idempotency-Key, so when the server closed the
        kept-alive connection under it, it is sent again safely on a new one."""
        headers = dict(self.headers)
        if method == "POST":
            headers["Idempotency-Key"] = uuid.uuid4().hex
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request(method, f"/api/v1/{path}",
                                  json.dumps(body) if body else None, headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                if attempt == 2:
                    raise
        self.latencies.append(time.perf_counter() - started)
        if response.status >= 500:
            self.server_errors += 1
        return response.status, (json.loads(data) if data else {})


def warm_up(token: str, requests: int) -> None:
    """Until every gunicorn worker has booted and answered, the first phase would measure
    Django starting up rather than the lifecycle."""
    def ask(_: int) -> None:
        for _ in range(3):
            Api(token).call("GET", "customers?limit=1")

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def lifecycle_over_http(seller: Api, api: Api, customer_id: int, lines: list[dict],
                        warehouse_id: int) -> str:
    """A seller enters the order; another user (segregation of duties) reviews and ships."""
    status, order = seller.call("POST", "orders", {"customer_id": customer_id, "lines": lines})
    if status != 201:
        return f"create {status}"
    status, body = api.call("POST", f"orders/{order['id']}/approve")
    if status != 200:
        return f"approve {status} {body.get('error', {}).get('code', '')}".strip()
    status, outbound = api.call("POST", "outbounds", {"order_id": order["id"],
                                                      "warehouse_id": warehouse_id})
    if status != 201:
        return f"outbound {status}"
    status, _ = api.call("POST", f"outbounds/{outbound['id']}/post")
    return "shipped" if status == 200 else f"post {status}"


def over_http(phase: str, clients: int, seconds: float, tokens: tuple[str, str],
              customers: list[int], products: list[int], warehouse_id: int, tps: float) -> None:
    outcomes: Counter = Counter()
    sellers = [Api(tokens[0]) for _ in range(clients)]
    apis = [Api(tokens[1]) for _ in range(clients)]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run(index: int) -> None:
        rng = random.Random(index)
        while time.perf_counter() < deadline:
            lines = [{"product_id": p, "quantity": rng.randint(1, 5)}
                     for p in rng.sample(products, 3)]
            outcome = lifecycle_over_http(sellers[index], apis[index], rng.choice(customers),
                                          lines, warehouse_id)
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    report(phase, clients, outcomes["shipped"], elapsed,
           [lat for api in sellers + apis for lat in api.latencies],
           sum(api.server_errors for api in sellers + apis), tps, outcomes)


def big_order(tokens: tuple[str, str], customer_id: int, products: list[int],
              warehouse_id: int) -> list[tuple[str, float]]:
    """One order of 1,000 lines through every step over HTTP; each step's seconds."""
    seller, api = Api(tokens[0]), Api(tokens[1])
    steps = []

    def step(name: str, method: str, path: str, body: dict | None = None,
             expect: int = 200) -> dict:
        started = time.perf_counter()
        status, answer = (seller if name == "create order" else api).call(method, path, body)
        steps.append((name, time.perf_counter() - started))
        if status != expect:
            raise SystemExit(f"{name}: {status} {str(answer)[:300]}")
        return answer

    order = step("create order", "POST", "orders", {
        "customer_id": customer_id,
        "lines": [{"product_id": p, "quantity": 1} for p in products[:1000]]}, 201)
    step("approve order", "POST", f"orders/{order['id']}/approve")
    outbound = step("create outbound", "POST", "outbounds",
                    {"order_id": order["id"], "warehouse_id": warehouse_id}, 201)
    step("post outbound", "POST", f"outbounds/{outbound['id']}/post")
    lines = step("get order", "GET", f"orders/{order['id']}")["lines"]
    sales_return = step("request return", "POST", "returns", {
        "order_id": order["id"],
        "lines": [{"order_line_id": line["id"], "quantity": 1, "reason": "quality"}
                  for line in lines]}, 201)
    step("approve return", "POST", f"returns/{sales_return['id']}/approve")
    step("receive return", "POST", f"returns/{sales_return['id']}/receive", {})
    return steps


def big_orders(tokens: tuple[str, str], customers: list[int], products: list[int],
               warehouse_id: int, count: int) -> None:
    """``count`` orders of 1,000 lines one after another, each step timed over HTTP. The
    first meets workers that have not yet run a step that size (statements not prepared
    yet, first allocations); the median is the figure of a server in service, and every
    sample is printed beside it."""
    runs = [big_order(tokens, customers[n % len(customers)], products, warehouse_id)
            for n in range(count)]
    print(f"\n1,000-line order over HTTP, {count} in a row "
          "(target: every step < 0.3 s; seconds per sample, then the median)")
    for position, (name, _) in enumerate(runs[0]):
        samples = [run[position][1] for run in runs]
        print(f"  {name:<16} {'  '.join(f'{s:6.3f}' for s in samples)}   "
              f"median {statistics.median(samples):6.3f} s")


def queries_per_step(customer_id: int, products: list[int], warehouse_id: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from wms_sales.accounts.services import issue_token

    # The API only: whitenoise's warning that no static files were collected is noise here.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    users = get_user_model().objects.in_bulk(["bench-sales", "bench-admin"], field_name="username")
    seller, admin = ({"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=users[name])}"}
                     for name in ("bench-sales", "bench-admin"))
    client = Client()
    counts: dict[int, dict[str, int]] = {}
    for size in (3, 1000):
        counts[size] = {}

        def step(name: str, method: str, path: str, body: dict | None = None,
                 counted: dict[str, int] = counts[size]) -> dict:
            header = seller if name == "create order" else admin
            with CaptureQueriesContext(connection) as queries:
                response = getattr(client, method)(f"/api/v1/{path}", json.dumps(body or {}),
                                                   content_type="application/json", **header)
            counted[name] = len(queries)
            return response.json() if response.content else {}

        order = step("create order", "post", "orders", {
            "customer_id": customer_id,
            "lines": [{"product_id": p, "quantity": 1} for p in products[:size]]})
        step("approve order", "post", f"orders/{order['id']}/approve")
        outbound = step("create outbound", "post", "outbounds",
                        {"order_id": order["id"], "warehouse_id": warehouse_id})
        step("post outbound", "post", f"outbounds/{outbound['id']}/post")
        lines = client.get(f"/api/v1/orders/{order['id']}", **admin).json()["lines"]
        sales_return = step("request return", "post", "returns", {
            "order_id": order["id"],
            "lines": [{"order_line_id": line["id"], "quantity": 1, "reason": "quality"}
                      for line in lines]})
        step("approve return", "post", f"returns/{sales_return['id']}/approve")
        step("receive return", "post", f"returns/{sales_return['id']}/receive")
    print("\nqueries per step through the API (3 lines / 1,000 lines)")
    for name in counts[3]:
        print(f"  {name:<16} {counts[3][name]:4d} / {counts[1000][name]:4d}")


def relay_lag(relay: subprocess.Popen) -> None:
    """Wait (at most a minute) until the relay has published every event, then report the
    commit→broker lag of the run's events."""
    from wms_sales.events.models import OutboxEvent

    deadline = time.monotonic() + 60
    try:
        while (OutboxEvent.objects.filter(published_at__isnull=True).exists()
               and time.monotonic() < deadline):
            time.sleep(0.2)
    finally:
        relay.terminate()
        relay.wait()
    lags = [(published - created).total_seconds() for created, published in
            OutboxEvent.objects.filter(published_at__isnull=False)
            .values_list("created_at", "published_at")]
    left = OutboxEvent.objects.filter(published_at__isnull=True).count()
    if not lags:
        print(f"\nrelay: no event published ({left} left)")
        return
    print(f"\nrelay: commit→broker lag over {len(lags)} events: "
          f"p50 {percentile(lags, .5) * 1000:.0f} ms, p99 {percentile(lags, .99) * 1000:.0f} ms, "
          f"max {max(lags) * 1000:.0f} ms; {left} left unpublished")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--database", default="bench_lifecycle")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--only", default=",".join(PHASES),
                        help=f"comma-separated phases to run, of {','.join(PHASES)} "
                             "(default: all; the books are checked after any of them)")
    parser.add_argument("--relay", action="store_true",
                        help="run `wms-sales relay` beside the phases (needs WMS_AMQP_URL) "
                             "and report the commit→broker lag of their events")
    parser.add_argument("--clients", default="1,8,16",
                        help="client counts of the services and HTTP phases (default: 1,8,16)")
    parser.add_argument("--big-orders", type=int, default=3, metavar="N",
                        help="1,000-line orders timed one after another (default: 3)")
    args = parser.parse_args()
    if args.big_orders < 1:
        parser.error("--big-orders must be at least 1")
    if args.relay and not os.environ.get("WMS_AMQP_URL"):
        parser.error("--relay needs WMS_AMQP_URL (the broker the relay publishes to)")
    phases = {phase.strip() for phase in args.only.split(",") if phase.strip()}
    if phases - set(PHASES):
        parser.error(f"unknown phase(s): {', '.join(sorted(phases - set(PHASES)))}")
    client_counts = [int(count) for count in args.clients.split(",")]
    os.environ["WMS_DATABASE_URL"] = f"{PG}/{args.database}"
    os.environ.setdefault("WMS_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms_sales.settings")
    autovacuum = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres",
                                 "-Atc", "SHOW autovacuum"], capture_output=True,
                                text=True).stdout.strip() or "unknown"
    print(f"machine: {os.cpu_count()} cores; PostgreSQL on the same host (autovacuum "
          f"{autovacuum}; ANALYZE before each phase); {args.seconds:.0f} s per phase",
          flush=True)

    tps = None
    if "pgbench" in phases:
        tps = pgbench(8, int(args.seconds))
        print(f"pgbench TPC-B-like, 8 clients: {tps:,.0f} TPS", flush=True)

    psql("postgres", f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
    psql("postgres", f"CREATE DATABASE {args.database}")
    manage("migrate", "-v", "0")
    manage("demo", "--no-progress")
    tokens = tuple(manage("createuser", f"bench-{role}", "--role", role,
                          "--token").strip().splitlines()[-1] for role in ("sales", "admin"))

    import django

    django.setup()
    from wms_sales.catalog.models import Product
    from wms_sales.catalog.services import create_product
    from wms_sales.customers.models import Customer
    from wms_sales.inventory.models import StockLevel, StockMove, Warehouse
    from wms_sales.inventory.services import record_stock_change
    from wms_sales.outbound.models import OutboundLine

    warehouse = Warehouse.objects.get(is_default=True)
    for i in range(1000 - Product.objects.count()):
        create_product(actor=None, sku=f"BENCH-{i:04d}", name=f"压测商品 {i}",
                       list_price=Decimal("10.00"))
    products = list(Product.objects.filter(active=True).order_by("pk")
                    .values_list("pk", flat=True))
    for product_id in products:  # plenty for the throughput phases
        record_stock_change(actor=None, product_id=product_id, warehouse_id=warehouse.pk,
                            quantity=1_000_000, reason="receipt", note="bench")
    # Credit checks run on every approval (a limit is set), but never refuse here.
    Customer.objects.update(credit_limit=Decimal("9999999999999.00"))
    customers = list(Customer.objects.filter(status="active").values_list("pk", flat=True))
    on_hand_before = sum(StockLevel.objects.values_list("on_hand", flat=True))
    last_move_before = StockMove.objects.order_by("-pk").values_list("pk", flat=True).first()
    plan_args = (customers, products[:200], warehouse.pk)

    relay = None
    if args.relay:
        from wms_sales.events.models import OutboxEvent

        OutboxEvent.objects.all().delete()  # the demo's events are not this run's
        relay = subprocess.Popen([sys.executable, "-m", "wms_sales.cli", "relay",
                                  "--poll-interval", "0.05"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    print("\nthroughput (one lifecycle = 4 business transactions)", flush=True)
    if "services" in phases:
        for processes in client_counts:
            analyze()
            through_services(processes, args.seconds, plan_args, tps)

    server = None
    if phases & {"http", "hotspot", "big"}:
        server = subprocess.Popen([sys.executable, "-m", "wms_sales.cli", "serve", "--bind",
                                   f"127.0.0.1:{PORT}", "--workers", str(args.workers),
                                   "--threads", str(args.threads), "--no-collectstatic"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if server is not None:
            for _ in range(200):
                try:
                    http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/")
                    break
                except OSError:
                    time.sleep(0.1)
            warm_up(tokens[1], 4 * args.workers)
        if "http" in phases:
            for clients in client_counts:
                analyze()
                over_http("HTTP", clients, args.seconds, tokens, customers, products[:200],
                          warehouse.pk, tps)
        if "hotspot" in phases:
            # The hot spot: one customer, three SKUs with scarce stock (many must be refused).
            hot = products[200:203]
            for product_id in hot:
                level = StockLevel.objects.get(product_id=product_id, warehouse=warehouse)
                record_stock_change(actor=None, product_id=product_id,
                                    warehouse_id=warehouse.pk, quantity=400 - level.on_hand,
                                    reason="adjustment", note="bench hot spot")
            analyze()
            over_http("hot spot (1 customer, 3 SKUs)", 16, args.seconds, tokens,
                      customers[:1], hot, warehouse.pk, tps)
            for product_id in hot:  # the 1,000-line order below takes every product again
                record_stock_change(actor=None, product_id=product_id,
                                    warehouse_id=warehouse.pk, quantity=1_000_000,
                                    reason="adjustment", note="bench hot spot refill")
        if "big" in phases:
            analyze()
            big_orders(tokens, customers, products, warehouse.pk, args.big_orders)
    finally:
        if server is not None:
            server.terminate()
            server.wait()
    if "queries" in phases:
        queries_per_step(customers[0], products, warehouse.pk)
    if relay is not None:
        relay_lag(relay)

    from django.db.models import Sum

    def units(moves) -> Decimal:
        return moves.aggregate(q=Sum("quantity"))["q"] or Decimal(0)

    run_moves = StockMove.objects.filter(pk__gt=last_move_before)
    shipped = OutboundLine.objects.filter(outbound__status="posted").aggregate(
        q=Sum("quantity"))["q"] or Decimal(0)
    other = units(run_moves.exclude(reason="sale_issue"))  # hot-spot adjustments, returns
    fall = on_hand_before - sum(StockLevel.objects.values_list("on_hand", flat=True))
    oversold = StockLevel.objects.filter(on_hand__lt=0).count()
    print(f"\nbooks: shipped {shipped} units (posted outbound lines); on hand fell by "
          f"{fall + other} apart from adjustments and returns; equal: "
          f"{shipped == fall + other}; levels below zero: {oversold}")
    check = subprocess.run([sys.executable, "-m", "wms_sales.cli", "check"],
                           capture_output=True, text=True)
    print("check:", (check.stdout.strip().splitlines() or ["(no output)"])[-1],
          check.stderr.strip()[-300:])
    errors = sum(row[7] for row in ROWS)
    sys.exit(1 if errors or check.returncode or oversold or shipped != fall + other else 0)


if __name__ == "__main__":
    main()
