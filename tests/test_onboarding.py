"""Onboarding import/export: CSV and XLSX, all-or-nothing validation, CLI and upload page."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import polib
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation

from wms_sales import onboarding
from wms_sales.accounts.services import create_user
from wms_sales.catalog.models import Product
from wms_sales.catalog.services import create_product
from wms_sales.customers.models import Customer, CustomerAddress
from wms_sales.customers.services import create_customer
from wms_sales.inventory.checks import stock_violations
from wms_sales.inventory.models import StockLevel, StockMove
from wms_sales.inventory.services import create_warehouse, record_stock_change
from wms_sales.onboarding.files import FileProblem, read_table, write_xlsx
from wms_sales.onboarding.services import export_file, import_file

CUSTOMER_HEADERS_ZH = ["客户编码", "名称", "电话", "邮箱", "联系人", "信用额度", "账期(天)",
                       "付款方式", "状态", "备注", "送货地址"]


@pytest.fixture
def english():
    """Messages in English, whatever translations are compiled."""
    with translation.override("en"):
        yield


def table_bytes(rows: list[list], fmt: str, encoding: str = "utf-8") -> bytes:
    if fmt == "csv":
        out = io.StringIO(newline="")
        csv.writer(out).writerows(rows)
        return out.getvalue().encode(encoding)
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def load(kind: str, rows: list[list], fmt: str = "csv", **kwargs):
    return import_file(actor=kwargs.pop("actor", None), kind=kind,
                       data=table_bytes(rows, fmt), filename=f"{kind}.{fmt}", **kwargs)


def triples(report) -> list[tuple[int, str]]:
    return [(e.row, e.field) for e in report.errors]


def exported_rows(kind: str, fmt: str, language: str = "zh") -> list[list[str]]:
    data = export_file(kind=kind, fmt=fmt, language=language)
    table = read_table(data, f"x.{fmt}")
    return [table.headers, *(cells for _row, cells in table.rows)]


# --- each kind, both formats ------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_each_kind(db, fmt, warehouse):
    products = load("products", [
        ["sku", "name", "unit", "list_price", "quantity_precision", "active"],
        ["BOLT-M8", "不锈钢螺栓 M8", "盒", "18.50", "0", "true"],
        ["CABLE", "铜芯电线", "米", Decimal("2.8"), 1, "否"],
        ["TAPE", "封箱胶带", "", "", "", ""],
    ], fmt)
    assert products.ok, products.errors
    assert products.imported == 3
    cable = Product.objects.get(sku="CABLE")
    assert (cable.name, cable.unit, cable.list_price, cable.quantity_precision, cable.active) == (
        "铜芯电线", "米", Decimal("2.80"), 1, False)
    tape = Product.objects.get(sku="TAPE")  # empty cells: the model's defaults
    assert (tape.unit, tape.list_price, tape.quantity_precision, tape.active) == (
        "pcs", Decimal("0"), 0, True)

    customers = load("customers", [
        CUSTOMER_HEADERS_ZH,
        ["C001", "杭州西湖五金", "0571-8765 4321", "wang@example.cn", "王伟", "200000.00", "45",
         "alipay", "active", "老客户", "浙江省杭州市西湖区文三路 478 号"],
        ["C002", "Shanghai Facility", "", "", "", "", "", "Bank transfer", "blocked", "", ""],
    ], fmt)
    assert customers.ok, customers.errors
    c1 = Customer.objects.get(code="C001")
    assert (c1.name, c1.credit_limit, c1.payment_terms_days, c1.payment_method, c1.notes) == (
        "杭州西湖五金", Decimal("200000.00"), 45, "alipay", "老客户")
    assert c1.default_address.line == "浙江省杭州市西湖区文三路 478 号"
    c2 = Customer.objects.get(code="C002")
    assert (c2.credit_limit, c2.payment_terms_days, c2.status) == (None, 30, "blocked")
    assert not c2.addresses.exists()

    stock = load("stock", [
        ["商品编码", "仓库编码", "数量", "备注"],
        ["BOLT-M8", "WH-SH", "120", "期初盘点"],
        ["CABLE", "WH-SH", "35.5", ""],
    ], fmt)
    assert stock.ok, stock.errors
    move = StockMove.objects.get(product__sku="CABLE")
    assert (move.quantity, move.balance_after, move.reason, move.note) == (
        Decimal("35.5"), Decimal("35.5"), "opening", "")
    assert StockLevel.objects.get(product__sku="BOLT-M8").on_hand == 120
    assert StockMove.objects.get(product__sku="BOLT-M8").note == "期初盘点"
    assert list(stock_violations()) == []


def test_opening_stock_on_an_existing_empty_level(db, product, warehouse):
    StockLevel.objects.create(product=product, warehouse=warehouse)  # e.g. a failed reservation
    report = load("stock", [["sku", "warehouse", "quantity"], ["SKU-001", "WH-SH", "7"]])
    assert report.ok, report.errors
    assert StockLevel.objects.get(product=product, warehouse=warehouse).on_hand == 7
    assert StockMove.objects.get().balance_after == 7
    assert list(stock_violations()) == []


def test_actor_is_recorded(db, product, warehouse):
    user = create_user(username="loader", role="admin")
    load("customers", [["code", "name"], ["C1", "甲"]], actor=user)
    load("stock", [["sku", "warehouse", "quantity"], ["SKU-001", "WH-SH", "5"]], actor=user)
    assert Customer.objects.get(code="C1").created_by == user
    assert StockMove.objects.get().actor == user


# --- validation: every bad row, nothing written -----------------------------------------------

def test_bad_customer_rows_are_all_reported_and_nothing_is_written(db):
    create_customer(actor=None, code="TAKEN", name="已有客户")
    report = load("customers", [
        ["code", "name", "email", "credit_limit", "payment_terms_days", "payment_method",
         "status", "address"],
        ["OK1", "好客户", "", "", "", "", "", "北京市"],
        ["TAKEN", "重复", "", "", "", "", "", ""],
        ["BAD", "坏行", "not-an-email", "abc", "1.5", "paypal", "nope", "x" * 301],
        ["", "", "", "-1", "", "", "", ""],
        ["ok1", "file duplicate", "", "", "", "", "", ""],
    ])
    assert not report.ok and report.imported == 0
    assert triples(report) == [
        (3, "code"),
        (4, "email"), (4, "credit_limit"), (4, "payment_terms_days"), (4, "payment_method"),
        (4, "status"), (4, "address"),
        (5, "code"), (5, "name"), (5, "credit_limit"),
        (6, "code"),
    ]
    messages = {(e.row, e.field): e.message for e in report.errors}
    assert "TAKEN" in messages[3, "code"]
    assert "2" in messages[6, "code"]  # "Duplicate of row 2."
    assert "bank_transfer" in messages[4, "payment_method"]
    assert list(Customer.objects.values_list("code", flat=True)) == ["TAKEN"]
    assert not CustomerAddress.objects.exists()


def test_bad_product_rows(db, product):
    report = load("products", [
        ["sku", "name", "list_price", "quantity_precision", "active"],
        ["SKU-001", "已存在", "1", "0", "1"],
        ["NEW", "", "-1", "5", "maybe"],
        ["PRICE", "三位小数", "1.005", "0", ""],
    ], fmt="xlsx")
    assert triples(report) == [(2, "sku"), (3, "name"), (3, "list_price"),
                               (3, "quantity_precision"), (3, "active"), (4, "list_price")]
    assert Product.objects.count() == 1


def test_bad_stock_rows(db, product, warehouse):
    precise = create_product(actor=None, sku="CABLE-M", name="电缆", quantity_precision=2)
    closed = create_warehouse(actor=None, code="WH-OLD", name="旧仓", active=False)
    record_stock_change(actor=None, product_id=precise.pk, warehouse_id=warehouse.pk,
                        quantity="1.25", reason="receipt")
    report = load("stock", [
        ["sku", "warehouse", "quantity", "note"],
        ["SKU-001", "WH-SH", "10", ""],  # fine on its own
        ["NOPE", "WH-XX", "1", ""],
        ["SKU-001", "WH-SH", "3", ""],  # duplicate pair
        ["SKU-001", closed.code, "1.5", ""],  # inactive, and SKU-001 counts whole units
        ["CABLE-M", "WH-SH", "2.5", ""],  # already has a receipt there
        ["CABLE-M", closed.code, "0", ""],
        ["SKU-001", "", "abc", "n" * 301],
    ])
    assert triples(report) == [
        (3, "sku"), (3, "warehouse"),
        (4, "sku"),
        (5, "warehouse"), (5, "quantity"),
        (6, "sku"),
        (7, "warehouse"), (7, "quantity"),
        (8, "warehouse"), (8, "quantity"), (8, "note"),
    ]
    assert StockMove.objects.count() == 1
    assert not StockLevel.objects.filter(product=product).exists()


def test_header_problems_stop_before_the_rows(db):
    report = load("customers", [["code", "code", "colour", "email"], ["A", "B", "C", "D"]])
    assert triples(report) == [(1, "code"), (1, "colour"), (1, "name / 名称")]


def test_value_outside_any_column_is_reported(db):
    report = load("products", [["sku", "name", ""], ["A", "甲", "stray"]])
    assert triples(report) == [(2, "")]


@pytest.mark.parametrize(("data", "name"), [
    (b"", "empty.csv"), (b"sku,name\r\n", "headers-only.csv"), (b"not a zip", "bad.xlsx"),
    (b"sku,name\r\nA,B\r\n", "products.xls"),
])
def test_unreadable_files(db, data, name):
    with pytest.raises(FileProblem):
        import_file(actor=None, kind="products", data=data, filename=name)


def test_dry_run_writes_nothing(db):
    report = load("products", [["sku", "name"], ["A", "甲"], ["B", "乙"]], dry_run=True)
    assert report.ok and report.rows == 2 and report.imported == 0
    assert not Product.objects.exists()


def test_progress_is_reported_per_phase(db, english):
    calls = []

    def progress(items, *, total, desc):
        calls.append((desc, total))
        return items

    load("products", [["sku", "name"], ["A", "甲"], ["B", "乙"]], progress=progress)
    assert calls == [("Validating", 2), ("Importing", 2)]


# --- encodings, Chinese, formulas -------------------------------------------------------------

def test_gb18030_csv_from_chinese_excel(db):
    rows = [["商品编码", "名称", "单位"], ["GB-1", "镀锌角钢 𠮷", "根"]]
    data = table_bytes(rows, "csv", encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    report = import_file(actor=None, kind="products", data=data, filename="角钢.csv")
    assert report.ok, report.errors
    assert Product.objects.get(sku="GB-1").name == "镀锌角钢 𠮷"


def test_utf8_bom_and_header_spelling(db):
    data = "\ufeffSKU,Name,List price,Quantity-Precision\r\nA,甲,1.50,2\r\n".encode()
    report = import_file(actor=None, kind="products", data=data, filename="p.csv")
    assert report.ok, report.errors
    assert Product.objects.get(sku="A").quantity_precision == 2


@pytest.mark.parametrize("terms_header", ["账期(天)", "账期（天）", "账期", "Payment terms"])
def test_documented_header_aliases(db, terms_header):
    report = load("customers", [["客户代码", "名称", terms_header, "信用额度(元)"],
                                ["C-9", "甲公司", "45", "1,000"]])
    assert report.ok, report.errors
    customer = Customer.objects.get(code="C-9")
    assert (customer.payment_terms_days, customer.credit_limit) == (45, Decimal("1000"))
    report = load("products", [["商品编码", "名称", "单价"], ["P-9", "乙", "2.5"]])
    assert report.ok and Product.objects.get(sku="P-9").list_price == Decimal("2.5")


def test_formula_like_text_is_neutralised_and_survives(db):
    create_customer(actor=None, code="F1", name="=HYPERLINK(\"http://x\")", phone="+86 138 0000")
    data = export_file(kind="customers", fmt="csv", language="en")
    assert "'=HYPERLINK" in data.decode("utf-8-sig")
    assert "'+86 138 0000" in data.decode("utf-8-sig")
    sheet = openpyxl.load_workbook(io.BytesIO(export_file(kind="customers", fmt="xlsx"))).active
    assert sheet["B2"].data_type == "s" and sheet["B2"].value == "=HYPERLINK(\"http://x\")"
    table = read_table(data, "c.csv")
    assert table.rows[0][1][1:3] == ["=HYPERLINK(\"http://x\")", "+86 138 0000"]


def _wipe() -> None:
    """Empty the master data, as on a fresh installation (the ledger's guard is for code)."""
    StockMove._base_manager.all().delete()
    StockLevel.objects.all().delete()
    Customer.objects.all().delete()
    Product.objects.all().delete()


@pytest.mark.parametrize("language", ["zh", "en-labels", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_reimport_round_trip(db, fmt, language, warehouse):
    create_product(actor=None, sku="BOLT-M8", name="不锈钢六角螺栓 M8×40", unit="盒",
                   list_price=Decimal("18.50"))
    create_product(actor=None, sku="CABLE", name="铜芯电线 “BV2.5”, 红色", unit="米",
                   list_price=Decimal("1234567890123.45"), quantity_precision=2, active=False)
    create_customer(actor=None, code="C-杭州", name="杭州西湖五金贸易有限公司", phone="0571-8765",
                    email="a@example.cn", contact_person="王伟", credit_limit=Decimal("200000"),
                    payment_terms_days=60, payment_method="wechat_pay", notes="第一行\n第二行",
                    addresses=[{"province": "浙江省", "city": "杭州市", "line": "文三路 478 号"}])
    create_customer(actor=None, code="C-2", name="Beta", credit_limit=None, status="inactive")
    for sku, quantity in [("BOLT-M8", "120"), ("CABLE", "35.25")]:
        record_stock_change(actor=None, product_id=Product.objects.get(sku=sku).pk,
                            warehouse_id=warehouse.pk, quantity=quantity, reason="opening")
    kinds = ["products", "customers", "stock"]
    before = {kind: exported_rows(kind, fmt, language) for kind in kinds}
    assert before["products"][2][:2] == ["CABLE", "铜芯电线 “BV2.5”, 红色"]
    files = {kind: export_file(kind=kind, fmt=fmt, language=language) for kind in kinds}
    _wipe()
    for kind in kinds:  # products before the stock that names them
        report = import_file(actor=None, kind=kind, data=files[kind], filename=f"{kind}.{fmt}")
        assert report.ok, report.errors
    assert {kind: exported_rows(kind, fmt, language) for kind in kinds} == before
    assert Product.objects.get(sku="CABLE").list_price == Decimal("1234567890123.45")
    assert Customer.objects.get(code="C-杭州").notes == "第一行\n第二行"
    assert list(stock_violations()) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_chinese_exports_show_chinese_choices_and_yes_no(db, fmt):
    create_customer(actor=None, code="C-1", name="甲", payment_method="bank_transfer")
    create_product(actor=None, sku="P-1", name="乙", active=False)
    [headers, customer] = exported_rows("customers", fmt)
    row = dict(zip(headers, customer, strict=True))
    assert (row["付款方式"], row["状态"]) == ("银行转账", "启用")
    assert exported_rows("products", fmt)[1][-1] == "否"
    english = dict(zip(*exported_rows("customers", fmt, "en"), strict=True))
    assert (english["payment_method"], english["status"]) == ("bank_transfer", "active")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_english_label_exports_show_words(db, fmt):
    """The web UI's English exports: headers and choices as people read them."""
    create_customer(actor=None, code="C-1", name="甲", payment_method="bank_transfer")
    create_product(actor=None, sku="P-1", name="乙", active=False)
    [headers, customer] = exported_rows("customers", fmt, "en-labels")
    assert headers == ["Customer code", "Name", "Phone", "Email", "Contact person",
                       "Credit limit", "Payment terms (days)", "Payment method", "Status",
                       "Notes", "Delivery address"]
    row = dict(zip(headers, customer, strict=True))
    assert (row["Payment method"], row["Status"]) == ("Bank transfer", "Active")
    [headers, product] = exported_rows("products", fmt, "en-labels")
    assert headers == ["SKU", "Name", "Unit", "List price", "Quantity precision", "Active"]
    assert (product[0], product[-1]) == ("P-1", "No")


def test_xlsx_keeps_decimals_beyond_excel_precision_as_text():
    data = write_xlsx(["n"], [[Decimal("12345678901234567.89")], [Decimal("0.1")]], title="t")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert (sheet["A2"].value, sheet["A3"].value) == ("12345678901234567.89", 0.1)
    assert [cells for _row, cells in read_table(data, "t.xlsx").rows] == [
        ["12345678901234567.89"], ["0.1"]]


def test_english_headers_export(db, product):
    assert exported_rows("products", "csv", language="en")[0] == [
        "sku", "name", "unit", "list_price", "quantity_precision", "active"]


def test_many_rows_cross_batches_and_keep_the_ledger(db, warehouse, second_warehouse):
    rows = [["sku", "name", "quantity_precision"]] + [[f"P{i:05d}", f"商品{i}", "1"]
                                                      for i in range(1500)]
    assert load("products", rows).imported == 1500
    stock = [["sku", "warehouse", "quantity"]] + [
        [f"P{i:05d}", code, f"{i % 7 + 1}.5"] for i in range(1500)
        for code in ("WH-SH", "WH-BJ")]
    report = load("stock", stock)
    assert report.ok and report.imported == 3000
    assert StockMove.objects.filter(reason="opening", source_type="import").count() == 3000
    assert list(stock_violations()) == []


# --- CLI ----------------------------------------------------------------------------------------

def write(tmp_path: Path, name: str, rows: list[list]) -> Path:
    path = tmp_path / name
    path.write_bytes(table_bytes(rows, path.suffix.lstrip(".")))
    return path


def test_cli_import_and_export(db, tmp_path, warehouse):
    path = write(tmp_path, "products.xlsx", [["商品编码", "名称"], ["A", "甲"], ["B", "乙"]])
    out = io.StringIO()
    call_command("import", "products", str(path), "--no-progress", stdout=out)
    assert "2" in out.getvalue()
    assert Product.objects.count() == 2

    stock = write(tmp_path, "stock.csv", [["sku", "warehouse", "quantity"], ["A", "WH-SH", "3"]])
    call_command("import", "stock", str(stock), "--dry-run", stdout=io.StringIO())
    assert not StockMove.objects.exists()
    create_user(username="loader", role="warehouse")
    call_command("import", "stock", str(stock), "--user", "loader", stdout=io.StringIO())
    assert StockMove.objects.get().actor.username == "loader"

    target = tmp_path / "out.xlsx"
    call_command("export", "products", str(target), stdout=io.StringIO())
    assert read_table(target.read_bytes(), target.name).rows[1][1] == ["B", "乙", "pcs", "0", "0",
                                                                      "是"]
    out = io.StringIO()
    call_command("export", "stock", "-", "--headers", "en", stdout=out)
    assert out.getvalue() == "sku,warehouse,quantity,note\r\nA,WH-SH,3,\r\n"


def test_cli_report_and_exit_code(db, tmp_path, english):
    path = write(tmp_path, "c.csv", [["code", "name", "email"], ["A", "", "x"], ["B", "乙", ""]])
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import", "customers", str(path), stderr=err, stdout=io.StringIO())
    assert raised.value.returncode == 1
    lines = err.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["row 2, name", "row 2, email"]
    assert not Customer.objects.exists()


def run_cli(*argv: str) -> int:
    """The `wms-sales` entry point in this process (so on the test database)."""
    try:
        ManagementUtility(["wms-sales", *argv]).execute()
    except SystemExit as exc:
        return exc.code or 0
    return 0


# run_from_argv closes the connections when it ends, as the real command does: no test
# transaction may be open around it.
@pytest.mark.django_db(transaction=True)
def test_cli_exit_codes(tmp_path, capsys, english):
    good = write(tmp_path, "p.csv", [["sku", "name"], ["A", "甲"]])
    bad = write(tmp_path, "q.csv", [["sku", "name"], ["B", ""]])
    assert run_cli("import", "products", str(good), "--no-progress") == 0
    assert run_cli("import", "products", str(bad)) == 1
    assert run_cli("import", "products", str(tmp_path / "missing.csv")) == 2
    assert run_cli("import", "products", str(tmp_path / "p.txt")) == 2
    assert run_cli("import", "suppliers", str(good)) == 2
    assert run_cli("import", "products", str(good), "--user", "nobody") == 2
    assert run_cli("export", "products", str(tmp_path / "p.pdf")) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "row 2, name:" in err and "missing.csv" in err and "suppliers" in err


# --- upload page ------------------------------------------------------------------------------

def browser(role: str | None) -> Client:
    client = Client()
    if role:
        user = create_user(username=f"{role}-web", role=role, password="pw-12345678")
    else:
        user = get_user_model().objects.create_user("nobody", password="pw-12345678")
    client.force_login(user)
    return client


def upload(client: Client, kind: str, rows: list[list], fmt: str = "csv", headers=None,
           **extra):
    file = SimpleUploadedFile(f"{kind}.{fmt}", table_bytes(rows, fmt))
    return client.post("/onboarding/", {"kind": kind, "file": file, **extra}, headers=headers)


def test_page_imports_and_reports(db):
    client = browser("warehouse")
    page = client.get("/onboarding/")
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content
    assert b"/onboarding/export/products.xlsx" in page.content

    response = upload(client, "products", [["sku", "name"], ["A", "甲"], ["B", "乙"]], "xlsx")
    assert response.status_code == 200
    assert response.context["report"].imported == 2
    assert Product.objects.count() == 2

    response = upload(client, "products", [["sku", "name", "list_price"], ["A", "重复", "1"],
                                           ["C", "丙", "abc"]])
    errors = response.context["report"].errors
    assert [(e.row, e.field) for e in errors] == [(2, "sku"), (3, "list_price")]
    assert b"<td>list_price</td>" in response.content
    assert Product.objects.count() == 2

    response = upload(client, "products", [["sku", "name"], ["D", "丁"]], dry_run="on")
    assert response.context["report"].dry_run and not Product.objects.filter(sku="D").exists()

    response = client.post("/onboarding/", {
        "kind": "products", "file": SimpleUploadedFile("p.txt", b"sku,name\nA,B\n")})
    assert response.context["form"].errors["file"]


def test_page_permissions(db):
    assert Client().get("/onboarding/").status_code == 302  # to the login page
    nobody = browser(None)  # logged in, without any role
    assert nobody.get("/onboarding/").status_code == 403
    sales = browser("sales")  # may add customers, not products or stock
    assert upload(sales, "products", [["sku", "name"], ["A", "甲"]]).status_code == 403
    assert upload(sales, "stock", [["sku", "warehouse", "quantity"]]).status_code == 403
    response = upload(sales, "customers", [["code", "name"], ["C1", "甲"]])
    assert response.status_code == 200 and Customer.objects.filter(code="C1").exists()
    assert not Product.objects.exists()
    reviewer = browser("reviewer")  # read-only: exports, no import form
    page = reviewer.get("/onboarding/")
    assert page.status_code == 200 and page.context["form"] is None
    assert upload(reviewer, "customers", [["code", "name"], ["C2", "乙"]]).status_code == 403
    assert nobody.get("/onboarding/export/customers.csv").status_code == 403


def test_page_exports(db, product):
    client = browser("reviewer")
    response = client.get("/onboarding/export/products.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "products-" in response["Content-Disposition"]
    table = read_table(response.content, "p.xlsx")
    assert table.rows[0][1][:2] == ["SKU-001", "螺丝刀 Screwdriver"]
    response = client.get("/onboarding/export/customers.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response.content.startswith("\ufeff".encode())
    header_row = response.content.decode("utf-8-sig").splitlines()[0]
    assert header_row.startswith("Customer code,Name,") and "Payment terms (days)" in header_row
    response = client.get("/onboarding/export/customers.csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.content.decode("utf-8-sig").startswith("客户编码,名称,")
    assert client.get("/onboarding/export/orders.csv").status_code == 404


# --- translations -----------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)s")
CATALOGUE = Path(onboarding.__file__).parent / "locale/zh_Hans/LC_MESSAGES"


def test_chinese_catalogue_is_complete():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    assert po.percent_translated() == 100 and not po.fuzzy_entries()
    for entry in po:
        for msgstr in [entry.msgstr, *entry.msgstr_plural.values()]:
            if msgstr:
                assert set(PLACEHOLDER.findall(msgstr)) == set(PLACEHOLDER.findall(entry.msgid))


def test_page_in_chinese(db, settings, tmp_path):
    target = tmp_path / "zh_Hans/LC_MESSAGES"
    target.mkdir(parents=True)
    polib.pofile(str(CATALOGUE / "django.po")).save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]  # resets Django's translation caches
    client = browser("warehouse")
    response = upload(client, "products", [["商品编码", "名称"], ["A", ""]],
                      headers={"accept-language": "zh-hans"})
    html = response.content.decode()
    assert "导入导出" in html and "文件未导入" in html and "<td>名称</td>" in html
    start = html.index('enctype="multipart/form-data"')
    form = html[start:html.index("</form>", start)]
    assert ":</label>" not in form and ":<" not in form  # no ASCII colon after a label
    assert re.search(r'<label for="id_dry_run">\s*<input type="checkbox"', form)
