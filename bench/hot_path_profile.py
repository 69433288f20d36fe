"""Where the CPU of one order lifecycle over HTTP goes (issue #9), in-process, on PostgreSQL:

    export WMS_SECRET_KEY=x
    .venv/bin/python bench/hot_path_profile.py [--orders 200] [--database bench_profile]
                                               [--profile] [--top 25] [--lines 3]
                                               [--slowest N] [--statements] [--keep]

The four requests of a lifecycle (create a 3-line order → approve → create its outbound →
post it) are sent through the WSGI application exactly as gunicorn calls it (bearer token,
``Idempotency-Key``, JSON body), one after another. Per endpoint it prints the CPU time
(``time.process_time``: the machine is shared, wall clock would measure the neighbours) and
the queries per request, the CPU all postgres processes of the host used per lifecycle
(from /proc: the server runs on the same machine), and the least CPU one request of each
step took (on a shared machine the steadiest figure for comparing two checkouts).
``--slowest N`` lists each step's N slowest statements (wall time, from the
query-counting pass), ``--statements`` each step's statements in the order sent. With
``--profile`` it also runs cProfile over every request and prints the own time grouped by
where the code lives (Django's middleware, sessions, ninja, pydantic, the database driver,
each wms_sales app, …) and the cumulative time of the functions that mark the stages of a
request (auth, permission checks, parsing, the service, the response, event handlers).

With ``--lines 1000`` each order has that many lines and the lifecycle goes on through a
return of every line (request → approve → receive): the profile of the huge-document steps.
Wall-clock time per step is printed beside the CPU time (it includes the database's work).

The database named by --database is dropped and made again; nothing else is touched.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from decimal import Decimal

PG = "postgres://postgres@127.0.0.1:5432"
STEPS = ("create order", "approve order", "create outbound", "post outbound")
RETURN_STEPS = ("request return", "approve return", "receive return")

# Own time is grouped by the first of these fragments its file path contains.
AREAS = (
    ("django/contrib/sessions", "sessions"), ("django/contrib/messages", "messages"),
    ("django/contrib/auth", "django auth"), ("/axes/", "axes"), ("/csp/", "csp"),
    ("django/middleware", "django middleware"), ("whitenoise", "whitenoise"),
    ("django/utils/translation", "translation"), ("django/urls", "url resolving"),
    ("django/core/handlers", "django handler"), ("django/http", "django http"),
    ("django/db/models", "django ORM"), ("django/db/backends", "django db backend"),
    ("django/db", "django db (other)"), ("django/", "django (other)"),
    ("/ninja/", "ninja"), ("pydantic", "pydantic"), ("psycopg", "psycopg"),
    ("wms_sales/common/schemas", "strict schema checks"),
    ("wms_sales/common", "wms_sales.common"), ("wms_sales/events", "wms_sales.events"),
    ("wms_sales/reports", "wms_sales.reports (aggregates)"),
    ("wms_sales/accounts", "wms_sales.accounts"), ("wms_sales/", "wms_sales (apps)"),
    ("/json/", "json"), ("logging", "logging"), ("{", "C methods and builtins"),
    ("~", "C methods and builtins"), ("<", "C methods and builtins"),
    ("/lib/python3", "standard library"),
)
# Cumulative time of these functions: the stages of a request.
STAGES = (
    ("csrf.py", "process_view", "CSRF check"),
    ("sessions/middleware.py", "process_request", "session load"),
    ("sessions/middleware.py", "process_response", "session save check"),
    ("locale.py", "process_request", "locale lookup"),
    ("locale.py", "process_response", "locale response"),
    ("csp/middleware.py", "process_response", "CSP header"),
    ("ninja/operation.py", "run", "the whole view (ninja)"),
    ("wms_sales/common/api.py", "authenticate", "bearer auth (token → user)"),
    ("wms_sales/common/api.py", "check_perm", "permission checks"),
    ("ninja/operation.py", "_get_values", "ninja: parse + validate input"),
    ("wms_sales/common/idempotency.py", "_claim", "idempotency claim"),
    ("orders/services.py", "create_order", "service create_order"),
    ("orders/services.py", "approve_order", "service approve_order"),
    ("outbound/services.py", "create_outbound", "service create_outbound"),
    ("outbound/services.py", "post_outbound", "service post_outbound"),
    ("events/services.py", "record_event", "events: record_event (incl. handlers)"),
    ("orders/selectors.py", "order_detail", "reload: order_detail"),
    ("outbound/selectors.py", "outbound_detail", "reload: outbound_detail"),
    ("wms_sales/common/idempotency.py", "_as_json", "response: schema → JSON"),
    ("django/http/response.py", "__init__", "response objects"),
)


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q", "-c",
                    sql], check=True, capture_output=True)


def manage(*args: str) -> str:
    return subprocess.run([sys.executable, "-m", "wms_sales.cli", *args], check=True,
                          capture_output=True, text=True).stdout


class Wsgi:
    """Calls the WSGI application the way gunicorn does, with one user's bearer token."""

    def __init__(self, application, token: str) -> None:
        self.application = application
        self.token = token

    def get(self, path: str) -> dict:
        status, answer = self.call("GET", path, None)
        if status != 200:
            raise SystemExit(f"GET {path}: {status}")
        return answer

    def post(self, path: str, body: dict | None) -> tuple[int, dict]:
        return self.call("POST", path, body)

    def call(self, method: str, path: str, body: dict | None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else b""
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": f"/api/v1/{path}", "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_AUTHORIZATION": f"Bearer {self.token}",
            "HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex, "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(data)), "wsgi.input": io.BytesIO(data),
            "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
        }
        answer: list[str] = []
        chunks = self.application(environ, lambda status, headers: answer.append(status))
        content = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return int(answer[0].split()[0]), (json.loads(content) if content else {})


def postgres_cpu() -> float:
    """CPU seconds (user + system) every postgres process on this host has used so far: the
    server's side of the requests (the server runs on the same machine)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)
        except OSError:  # gone meanwhile
            continue
        if fields[0].endswith("(postgres"):
            values = fields[1].split()
            used += int(values[11]) + int(values[12])  # utime, stime (fields 14 and 15)
    return used / ticks


def area_of(filename: str) -> str:
    for fragment, area in AREAS:
        if fragment in filename:
            return area
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200, help="lifecycles measured")
    parser.add_argument("--database", default="bench_profile")
    parser.add_argument("--profile", action="store_true", help="cProfile every request")
    parser.add_argument("--top", type=int, default=25, help="functions listed by own time")
    parser.add_argument("--save", metavar="FILE", help="write the cProfile stats to FILE")
    parser.add_argument("--lines", type=int, default=3,
                        help="lines per order; above 3 the lifecycle includes a full return")
    parser.add_argument("--step", choices=STEPS + RETURN_STEPS,
                        help="with --profile: profile this step only")
    parser.add_argument("--slowest", type=int, default=0, metavar="N",
                        help="list each step's N slowest statements (wall time, query pass)")
    parser.add_argument("--statements", action="store_true",
                        help="list each step's statements in the order sent (last query pass)")
    parser.add_argument("--keep", action="store_true",
                        help="reuse the database of an earlier run (no migrate, no demo)")
    args = parser.parse_args()
    os.environ["WMS_DATABASE_URL"] = f"{PG}/{args.database}"
    os.environ.setdefault("WMS_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms_sales.settings")
    if not args.keep:
        psql(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
        psql(f"CREATE DATABASE {args.database}")
        manage("migrate", "-v", "0")
        manage("demo", "--no-progress")
        for role in ("sales", "admin"):
            manage("createuser", f"profile-{role}", "--role", role)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wms_sales.accounts.services import issue_token
    from wms_sales.catalog.models import Product
    from wms_sales.catalog.services import create_product
    from wms_sales.customers.models import Customer
    from wms_sales.inventory.models import Warehouse
    from wms_sales.inventory.services import record_stock_change

    users = get_user_model().objects.in_bulk(["profile-sales", "profile-admin"],
                                            field_name="username")
    seller = issue_token(user=users["profile-sales"])
    admin = issue_token(user=users["profile-admin"])
    warehouse = Warehouse.objects.get(is_default=True)
    wanted = max(50, args.lines)
    if not args.keep:
        for i in range(wanted - Product.objects.filter(active=True).count()):
            create_product(actor=None, sku=f"PROFILE-{i:05d}", name=f"压测商品 {i}",
                           list_price=Decimal("10.00"))
    products = list(Product.objects.filter(active=True).order_by("pk")
                    .values_list("pk", flat=True))[:wanted]
    if not args.keep:
        for product_id in products:
            record_stock_change(actor=None, product_id=product_id, warehouse_id=warehouse.pk,
                                quantity=1_000_000, reason="receipt", note="profile")
        Customer.objects.update(credit_limit=Decimal("9999999999999.00"))
    customers = list(Customer.objects.filter(status="active").values_list("pk", flat=True))
    with connection.cursor() as cursor:  # autovacuum's statistics, on a server without it
        cursor.execute("ANALYZE")
    application = get_wsgi_application()
    as_seller, as_admin = Wsgi(application, seller), Wsgi(application, admin)
    rng = random.Random(9)

    cpu: dict[str, float] = defaultdict(float)
    # The least CPU a request took: on a shared machine, the run's steadiest figure for A/B.
    least: dict[str, float] = defaultdict(lambda: float("inf"))
    wall: dict[str, float] = defaultdict(float)
    queries: dict[str, list[int]] = defaultdict(list)
    slowest: dict[str, list[tuple[float, str]]] = defaultdict(list)
    in_order: dict[str, list[str]] = {}
    # CPU time, not wall clock: waits for the database are not this process's work.
    profiler = cProfile.Profile(time.process_time) if args.profile else None

    def step(name: str, client: Wsgi, path: str, body: dict | None, expect: int,
             counted: str) -> dict:
        if counted == "queries":  # the debug cursor costs CPU too: counted apart
            with CaptureQueriesContext(connection) as captured:
                status, answer = client.post(path, body)
            queries[name].append(len(captured))
            slowest[name].extend((float(query["time"]), query["sql"])
                                 for query in captured.captured_queries)
            in_order[name] = [query["sql"] for query in captured.captured_queries]
        else:
            started, started_wall = time.process_time(), time.perf_counter()
            profiled = profiler is not None and counted and args.step in (None, name)
            if profiled:
                profiler.enable()
            status, answer = client.post(path, body)
            if profiled:
                profiler.disable()
            if counted:
                spent = time.process_time() - started
                cpu[name] += spent
                least[name] = min(least[name], spent)
                wall[name] += time.perf_counter() - started_wall
        if status != expect:
            raise SystemExit(f"{name}: {status} {str(answer)[:300]}")
        return answer

    def lifecycle(counted: str) -> None:
        order = step("create order", as_seller, "orders", {
            "customer_id": rng.choice(customers),
            "lines": [{"product_id": p, "quantity": rng.randint(1, 5)}
                      for p in rng.sample(products, args.lines)]}, 201, counted)
        step("approve order", as_admin, f"orders/{order['id']}/approve", None, 200, counted)
        outbound = step("create outbound", as_admin, "outbounds",
                        {"order_id": order["id"], "warehouse_id": warehouse.pk}, 201, counted)
        step("post outbound", as_admin, f"outbounds/{outbound['id']}/post", None, 200, counted)
        if args.lines <= 3:
            return
        lines = as_admin.get(f"orders/{order['id']}")["lines"]
        sales_return = step("request return", as_admin, "returns", {
            "order_id": order["id"],
            "lines": [{"order_line_id": line["id"], "quantity": 1, "reason": "quality"}
                      for line in lines]}, 201, counted)
        step("approve return", as_admin, f"returns/{sales_return['id']}/approve", None, 200,
             counted)
        step("receive return", as_admin, f"returns/{sales_return['id']}/receive", {}, 200,
             counted)

    for _ in range(20 if args.lines <= 3 else 1):  # warm: imports, caches, connection
        lifecycle(counted="")
    for _ in range(5 if args.lines <= 3 else 1):
        lifecycle(counted="queries")
    database_before = postgres_cpu()
    for _ in range(args.orders):
        lifecycle(counted="cpu")
    database_cpu = postgres_cpu() - database_before

    total = sum(cpu.values())
    print(f"{args.orders} lifecycles in-process on PostgreSQL"
          f"{' (under cProfile: absolute times inflated)' if profiler else ''}")
    print(f"  {'step':<16} {'CPU ms/request':>15} {'least':>8} {'wall ms':>8} {'queries':>8}")
    for name in STEPS + (RETURN_STEPS if args.lines > 3 else ()):
        counts = queries[name]
        print(f"  {name:<16} {cpu[name] / args.orders * 1000:15.2f} {least[name] * 1000:8.2f} "
              f"{wall[name] / args.orders * 1000:8.1f} {sum(counts) / len(counts):8.1f}")
    print(f"  {'lifecycle':<16} {total / args.orders * 1000:15.2f} "
          f"{sum(least.values()) * 1000:8.2f} "
          f"{sum(sum(c) / len(c) for c in queries.values()):8.1f}")
    print(f"  → at most {args.orders / total:.0f} orders/s per fully busy core "
          "(CPU of the app process only)")
    print(f"  PostgreSQL's CPU per lifecycle: {database_cpu / args.orders * 1000:.2f} ms "
          "(every postgres process of this host, from /proc); app + PostgreSQL: "
          f"{(total + database_cpu) / args.orders * 1000:.2f} ms")
    for name, timed in slowest.items() if args.slowest else ():
        print(f"\n{name}: the {args.slowest} slowest statements (ms, query pass)")
        for seconds, sql in sorted(timed, reverse=True)[:args.slowest]:
            print(f"  {seconds * 1000:8.1f}  {sql[:150]}")
    for name, sent in in_order.items() if args.statements else ():
        print(f"\n{name}: {len(sent)} statements in the order sent")
        for sql in sent:
            print(f"  {sql[:150]}")
    if profiler is None:
        return

    if args.save:
        profiler.dump_stats(args.save)
    stats = pstats.Stats(profiler)
    grand = stats.total_tt
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():
        by_area[area_of(filename)] += own
    print(f"\nown time by area (% of {grand / args.orders * 1000:.2f} ms per lifecycle "
          "under cProfile)")
    for area, seconds in sorted(by_area.items(), key=lambda item: -item[1]):
        print(f"  {area:<34} {seconds / grand:6.1%}")
    print("\nstages (cumulative, % of the lifecycle; nested stages overlap)")
    for fragment, function, label in STAGES:
        cumulative = sum(cum for (filename, _, name), (_, _, _, cum, _) in stats.stats.items()
                         if fragment in filename and name == function)
        print(f"  {label:<40} {cumulative / grand:6.1%}")
    print(f"\ntop {args.top} functions by own time")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
    print("\n".join(out.getvalue().splitlines()[7:]))


if __name__ == "__main__":
    main()
