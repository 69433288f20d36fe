"""Only inventory writes the stock ledger (StockLevel, StockMove): DESIGN.md §2's
"every change of on_hand writes a StockMove in the same transaction" holds only if one app
owns both tables. import-linter (pyproject.toml) checks the other layering rules by module;
this rule is about calls, so it reads the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "wms_sales"
LEDGER_MODELS = {"StockLevel", "StockMove"}
WRITE_METHODS = {"create", "bulk_create", "update", "bulk_update", "get_or_create",
                 "update_or_create", "delete", "save", "raw"}
# The demo seeder writes years of history with explicit ids by bulk insert (COPY on
# PostgreSQL), running balances included; going through the services would cost hours.
ALLOWED = {"inventory", "demo/history.py"}


def ledger_writes(source: str) -> list[str]:
    """``line: what`` for each place that may write a ledger table: a manager or queryset
    write on the model, building an instance, or handing the class to a helper (a bulk
    writer). Reading (``.objects.filter(...)``, ``values_list``) is allowed."""
    tree = ast.parse(source)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("inventory.models"):
            names |= {alias.asname or alias.name for alias in node.names
                      if alias.name in LEDGER_MODELS}

    def root(node: ast.AST) -> str | None:
        while isinstance(node, ast.Attribute | ast.Call):
            node = node.value if isinstance(node, ast.Attribute) else node.func
        return node.id if isinstance(node, ast.Name) else None

    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in names:
            found.append(f"{node.lineno}: builds a {func.id}")
        elif (isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS
              and root(func) in names):
            found.append(f"{node.lineno}: {root(func)}….{func.attr}()")
        found += [f"{node.lineno}: hands {arg.id} to a call" for arg in node.args
                  if isinstance(arg, ast.Name) and arg.id in names]
    return found


def test_the_checker_sees_writes_and_lets_reads_pass():
    written = ledger_writes(
        "from wms_sales.inventory.models import StockMove as Move, StockLevel\n"
        "StockLevel.objects.filter(pk=1).update(on_hand=0)\n"
        "Move.objects.bulk_create([Move(quantity=1)])\n"
        "bulk_insert(StockLevel, rows)\n")
    assert sorted(line.split(":")[0] for line in written) == ["2", "3", "3", "4"]
    assert ledger_writes(
        "from wms_sales.inventory.models import StockLevel\n"
        "StockLevel.objects.filter(on_hand__gt=0).values_list('pk')\n") == []


def python_modules() -> list[Path]:
    return sorted(path for path in SRC.rglob("*.py") if "migrations" not in path.parts)


@pytest.mark.parametrize("path", python_modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_only_inventory_writes_stock_levels_and_moves(path: Path):
    relative = path.relative_to(SRC).as_posix()
    if relative.split("/")[0] in ALLOWED or relative in ALLOWED:
        return
    assert ledger_writes(path.read_text(encoding="utf-8")) == [], (
        f"{relative} writes the stock ledger; call inventory.services instead")
