"""Error codes are enum members (one ``StrEnum`` per app), and the API docs name each one."""

from __future__ import annotations

import ast
from pathlib import Path

from wms_sales.api import ERROR_CODE_ENUMS, api
from wms_sales.common.errors import ErrorCodes

SRC = Path(__file__).resolve().parent.parent / "src" / "wms_sales"
DOMAIN_ERRORS = {"DomainError", "ValidationFailed", "NotFound", "Conflict", "Forbidden", "Busy",
                 "InvalidTransition", "FileProblem"}


def loose_codes(source: str) -> list[int]:
    """Lines where a domain error gets its code as a plain string (or f-string): a
    ``code=`` argument of an error call, or a ``code =`` attribute of an error class."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in DOMAIN_ERRORS:
                found += [kw.value.lineno for kw in node.keywords if kw.arg == "code"
                          and isinstance(kw.value, ast.Constant | ast.JoinedStr)]
        elif isinstance(node, ast.ClassDef) and any(
                getattr(base, "id", "") in DOMAIN_ERRORS for base in node.bases):
            found += [stmt.lineno for stmt in node.body if isinstance(stmt, ast.Assign)
                      and any(getattr(target, "id", "") == "code" for target in stmt.targets)
                      and isinstance(stmt.value, ast.Constant | ast.JoinedStr)]
    return found


def test_the_checker_sees_string_codes():
    assert sorted(loose_codes('raise Conflict("x", code="taken")\n'
                       'raise NotFound("x", code=f"{kind}_not_found")\n'
                       'class Gone(NotFound):\n    code = "gone"\n'
                       'Customer(code="C1")\nraise NotFound("x", code=E.GONE)\n')) == [1, 2, 4]


def test_no_code_is_a_loose_string():
    loose = [f"{path.relative_to(SRC)}:{line}"
             for path in SRC.rglob("*.py") if "migrations" not in path.parts
             for line in loose_codes(path.read_text(encoding="utf-8"))]
    assert loose == []


def test_every_code_is_listed_in_the_api_description_with_its_meaning():
    description = api.get_openapi_schema()["info"]["description"]
    for enum in ERROR_CODE_ENUMS:
        for code in enum:
            assert f"| `{code}` | {code.status} | {code.meaning} |" in description


def test_every_code_enum_of_an_app_is_documented():
    # An app that adds an errors.py must add its enum to the documented list.
    declared = {path.parent.name for path in SRC.glob("*/errors.py")} - {"common", "onboarding"}
    documented = {enum.__module__.split(".")[1] for enum in ERROR_CODE_ENUMS} - {"common"}
    assert declared == documented
    assert all(issubclass(enum, ErrorCodes) for enum in ERROR_CODE_ENUMS)


def test_an_error_response_names_the_codes_of_its_status():
    responses = api.get_openapi_schema()["paths"]["/api/v1/orders/{order_id}/approve"]["post"][
        "responses"]
    assert "`credit_limit_exceeded`" in responses["409"]["description"]
    assert "`order_not_found`" in responses["404"]["description"]
