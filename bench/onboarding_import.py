"""Time the onboarding import of N products, customers and opening-stock rows (CSV and XLSX).

    WMS_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench WMS_SECRET_KEY=x \\
        .venv/bin/python bench/onboarding_import.py [ROWS]

Migrates the database it is given and adds rows with a per-run prefix: point it at a scratch
database. Prints seconds per kind and format for a dry run (read + validate) and a real import.
"""

from __future__ import annotations

import os
import sys
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms_sales.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from wms_sales.inventory.checks import stock_violations  # noqa: E402
from wms_sales.inventory.services import create_warehouse  # noqa: E402
from wms_sales.onboarding.files import write_csv, write_xlsx  # noqa: E402
from wms_sales.onboarding.services import import_file  # noqa: E402


def rows_for(kind: str, prefix: str, count: int) -> tuple[list[str], list[list[str]]]:
    if kind == "products":
        return (["sku", "name", "unit", "list_price", "quantity_precision"],
                [[f"{prefix}P{i:06d}", f"商品 {i} 型号 X-{i % 97}", "个", f"{i % 1000}.50", "1"]
                 for i in range(count)])
    if kind == "customers":
        return (["客户编码", "名称", "电话", "邮箱", "信用额度", "付款方式", "送货地址"],
                [[f"{prefix}C{i:06d}", f"杭州客户{i}有限公司", f"0571-{i:08d}",
                  f"c{i}@example.cn", "50000", "bank_transfer", f"杭州市西湖区文三路 {i} 号"]
                 for i in range(count)])
    return (["sku", "warehouse", "quantity", "note"],
            [[f"{prefix}P{i:06d}", f"{prefix}WH", f"{i % 500 + 1}.5", "期初"]
             for i in range(count)])


def main(count: int) -> None:
    call_command("migrate", verbosity=0)
    for fmt in ("csv", "xlsx"):
        prefix = uuid.uuid4().hex[:6].upper()
        create_warehouse(actor=None, code=f"{prefix}WH", name="基准仓")
        for kind in ("products", "customers", "stock"):
            headers, rows = rows_for(kind, prefix, count)
            data = (write_csv(headers, rows, bom=True).encode() if fmt == "csv"
                    else write_xlsx(headers, rows, title=kind))
            timings = []
            for dry_run in (True, False):
                started = time.perf_counter()
                report = import_file(actor=None, kind=kind, data=data,
                                     filename=f"{kind}.{fmt}", dry_run=dry_run)
                timings.append(time.perf_counter() - started)
                assert report.ok, report.errors[:5]
            print(f"{fmt:4} {kind:9} {count} rows: validate {timings[0]:5.2f} s, "
                  f"validate + import {timings[1]:5.2f} s", flush=True)
    problems = list(stock_violations())
    print("ledger check:", "ok" if not problems else problems[:3])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
