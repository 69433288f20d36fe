"""Dashboard questions at scale: the report API over the daily aggregates vs DuckDB over the
same rows exported to Parquet, measured in one run.

    # once: a database with the history (see docs/benchmarks.md for the figures)
    export WMS_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench WMS_SECRET_KEY=x
    wms-sales migrate && time wms-sales demo --orders 1000000
    # then
    .venv/bin/python bench/reports_bench.py [--repeat 30] [--days 90] [--parquet-dir DIR]

"The questions": summary + 90-day daily trend + top 10 customers, products and warehouses
(five requests a dashboard makes). The API is called in-process through Django's test
client with a bearer token (routing, auth, validation, serialization included; no socket).
Warm: each question is asked once before timing. Reported: median and p95 per request.
DuckDB answers the same five questions from the documents (orders, order lines, outbound
lines, outbounds, return lines) exported to Parquet; its figures are checked against the
API's, so both really answer the same questions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms_sales.settings")
os.environ.setdefault("WMS_ALLOWED_HOSTS", "testserver,localhost")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from wms_sales.accounts.models import ApiToken  # noqa: E402
from wms_sales.accounts.services import create_user, issue_token  # noqa: E402

EXPORTS = {  # parquet name -> SQL over the live tables (times as local dates already)
    "orders": "SELECT id, customer_id, created_at FROM orders_salesorder",
    "shipped": """SELECT ol.quantity, ol.net_amount, ol.total_amount, o.shipped_at,
                         o.warehouse_id, so.customer_id, sol.product_id
                  FROM outbound_outboundline ol
                  JOIN outbound_outbound o ON o.id = ol.outbound_id AND o.status = 'posted'
                  JOIN orders_salesorderline sol ON sol.id = ol.order_line_id
                  JOIN orders_salesorder so ON so.id = o.order_id""",
    "returned": """SELECT rl.received_good + rl.received_damaged AS quantity, rl.total_amount,
                          r.received_at
                   FROM returns_returnline rl
                   JOIN returns_salesreturn r ON r.id = rl.sales_return_id
                   WHERE r.status = 'received'""",
}


def api_client() -> Client:
    user = create_user(username=f"bench-{int(time.time())}", role="admin")
    token = issue_token(user=user, name="bench")
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def questions(date_from, date_to) -> dict[str, tuple[str, dict]]:
    window = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    return {
        "summary": ("/api/v1/reports/summary", window),
        "trend (daily)": ("/api/v1/reports/trend", {**window, "granularity": "day"}),
        "top customers": ("/api/v1/reports/top", {**window, "dimension": "customer"}),
        "top products": ("/api/v1/reports/top", {**window, "dimension": "product"}),
        "top warehouses": ("/api/v1/reports/top", {**window, "dimension": "warehouse"}),
    }


def timed(func, repeat: int) -> tuple[list[float], object]:
    result = func()  # warm
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


def export_parquet(directory: Path) -> float:
    import duckdb

    started = time.perf_counter()
    for name, sql in EXPORTS.items():
        csv_path = directory / f"{name}.csv"
        with connection.cursor() as cursor, open(csv_path, "wb") as out, cursor.cursor.copy(
                f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
            for block in copy:
                out.write(block)
        duckdb.sql(f"COPY (SELECT * FROM read_csv_auto('{csv_path}')) "
                   f"TO '{directory / name}.parquet' (FORMAT parquet)")
        csv_path.unlink()
    return time.perf_counter() - started


def duckdb_questions(directory: Path, date_from, date_to, tz: str) -> dict[str, callable]:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{tz}'")
    p = {name: f"'{directory / name}.parquet'" for name in EXPORTS}
    between = f"BETWEEN DATE '{date_from}' AND DATE '{date_to}'"

    def day(column: str) -> str:
        return f"CAST(timezone('{tz}', {column}) AS DATE)"

    def top(column: str):
        return lambda: con.sql(
            f"SELECT {column}, SUM(total_amount) s FROM {p['shipped']} "
            f"WHERE {day('shipped_at')} {between} GROUP BY 1 ORDER BY s DESC LIMIT 10").fetchall()

    return {
        "summary": lambda: (
            con.sql(f"SELECT COUNT(*) FROM {p['orders']} WHERE {day('created_at')} {between}"
                    ).fetchall(),
            con.sql(f"SELECT SUM(total_amount), SUM(net_amount), SUM(quantity) FROM "
                    f"{p['shipped']} WHERE {day('shipped_at')} {between}").fetchall(),
            con.sql(f"SELECT SUM(total_amount), SUM(quantity) FROM {p['returned']} "
                    f"WHERE {day('received_at')} {between}").fetchall()),
        "trend (daily)": lambda: con.sql(
            f"SELECT {day('shipped_at')} d, SUM(total_amount) FROM {p['shipped']} "
            f"WHERE {day('shipped_at')} {between} GROUP BY 1 ORDER BY 1").fetchall(),
        "top customers": top("customer_id"),
        "top products": top("product_id"),
        "top warehouses": top("warehouse_id"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--parquet-dir", type=Path, default=None)
    args = parser.parse_args()

    counts = {label: _count(table) for label, table in [
        ("orders", "orders_salesorder"), ("order lines", "orders_salesorderline"),
        ("outbound lines", "outbound_outboundline"), ("aggregate rows", "reports_salesfact")]}
    print("data:", json.dumps(counts))
    date_to = timezone.localdate() - timedelta(days=1)
    date_from = date_to - timedelta(days=args.days - 1)
    client = api_client()
    api_results, api_times = {}, {}
    for name, (path, params) in questions(date_from, date_to).items():
        def ask(path=path, params=params):
            response = client.get(path, params)
            assert response.status_code == 200, response.content[:300]
            return response.json()
        api_times[name], api_results[name] = timed(ask, args.repeat)

    directory = args.parquet_dir or Path(tempfile.mkdtemp(prefix="wms-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    export_seconds = export_parquet(directory)
    duck_times, duck_results = {}, {}
    for name, func in duckdb_questions(directory, date_from, date_to,
                                       str(timezone.get_current_timezone())).items():
        duck_times[name], duck_results[name] = timed(func, args.repeat)
    _cross_check(api_results, duck_results)

    print(f"range: {date_from} .. {date_to} ({args.days} days), repeat {args.repeat}, warm")
    print(f"parquet export: {export_seconds:.1f}s")
    print(f"{'question':<16} {'API median':>11} {'API p95':>9} {'DuckDB median':>14} {'ratio':>7}")
    for name in api_times:
        api_median = statistics.median(api_times[name])
        duck_median = statistics.median(duck_times[name])
        p95 = statistics.quantiles(api_times[name], n=20)[-1]
        print(f"{name:<16} {api_median:>9.1f}ms {p95:>7.1f}ms {duck_median:>12.1f}ms "
              f"{duck_median / api_median:>6.1f}x")
    total_api = sum(statistics.median(v) for v in api_times.values())
    total_duck = sum(statistics.median(v) for v in duck_times.values())
    print(f"{'all five':<16} {total_api:>9.1f}ms {'':>9} {total_duck:>12.1f}ms "
          f"{total_duck / total_api:>6.1f}x")
    ApiToken.objects.filter(name="bench").delete()


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return cursor.fetchone()[0]


def _cross_check(api: dict, duck: dict) -> None:
    """The two engines must agree, or the comparison means nothing."""
    (orders,), (shipped_gross, _net, _qty), _ret = (row[0] for row in duck["summary"])
    summary = api["summary"]
    problems = []
    if orders != summary["orders_entered"]:
        problems.append(f"orders entered: API {summary['orders_entered']} DuckDB {orders}")
    if Decimal(str(shipped_gross or 0)).quantize(Decimal("0.01")) != Decimal(
            summary["sales_gross"]):
        problems.append(f"sales: API {summary['sales_gross']} DuckDB {shipped_gross}")
    top_api = [row["key"] for row in api["top customers"]]
    top_duck = [row[0] for row in duck["top customers"]]
    if top_api != top_duck:
        problems.append(f"top customers differ: {top_api} vs {top_duck}")
    if problems:
        print("MISMATCH:", *problems, sep="\n  ")
        sys.exit(1)
    print("cross-check: API and DuckDB agree on orders, sales and the top customers")


if __name__ == "__main__":
    main()
