"""Role × operation: every API operation found in the URL configuration declares the
permissions it needs, and every role is answered accordingly — 401 without credentials, 403
without the permission, never a 403 for a permission the role holds. A new endpoint without
``require_perm`` fails here before it can ship unguarded."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import ApiClient, make_api
from wms_sales.accounts.roles import ADMIN, ROLE_PERMISSIONS, ROLES
from wms_sales.api import api

# Served without a token on purpose: the API's own description (the root leads to the docs).
PUBLIC = {"api/v1", "api/v1/openapi.json", "api/v1/docs"}
MISSING_ID = 999_999_999


def _url_patterns(patterns: list, prefix: str = "") -> list[str]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append(prefix + str(pattern.pattern))
    return found


def _operations() -> list[tuple[str, str, Any]]:
    """(method, path, ninja operation) for every operation of the API."""
    found = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                full = f"/api/v1{prefix}{path}".replace("//", "/")
                found += [(method, full.rstrip("/") or "/", operation)
                          for method in operation.methods]
    return found


OPERATIONS = _operations()


def _as_django_route(path: str) -> str:
    return re.sub(r"\{(\w+)\}", r"<\1>", path.lstrip("/"))


def test_every_api_url_is_an_operation_of_the_api():
    """The URL configuration and the API's operations are the same set (no stray views)."""
    urls = {re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", url).rstrip("/")
            for url in _url_patterns(get_resolver().url_patterns) if url.startswith("api/")}
    operations = {_as_django_route(path) for _method, path, _op in OPERATIONS}
    assert urls - PUBLIC == operations
    assert len(OPERATIONS) >= 50


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS,
                         ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_every_operation_declares_its_permissions(method, path, operation):
    perms = getattr(operation.view_func, "required_perms", None)
    assert perms, f"{method} {path} has no require_perm: it would be open to every role"


def _example(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """A minimal value that the JSON schema accepts (required fields only)."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return _example(options[0], components)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {name: _example(schema["properties"][name], components)
                for name in schema.get("required", [])}
    if kind == "array":
        return [_example(schema["items"], components)
                for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return "2026-01-05" if schema.get("format") == "date" else "1"
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return False
    return None


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return api.get_openapi_schema(path_prefix="/api/v1/")


def _body(openapi, method: str, path: str) -> Any:
    operation = openapi["paths"][path][method.lower()]
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return _example(content["application/json"]["schema"], openapi["components"]["schemas"])


def _call(client: ApiClient, method: str, path: str, body: Any):
    url = re.sub(r"\{\w+\}", str(MISSING_ID), path)
    return client.request(method.lower(), url, body if method != "GET" else None)


def _holds(role: str, perms: tuple[str, ...]) -> bool:
    return role == ADMIN or set(perms) <= set(ROLE_PERMISSIONS[role])


def test_roles_are_answered_by_their_permissions(db, openapi):
    clients = {role: make_api(role) for role in ROLES}
    anonymous = ApiClient(None)
    wrong: list[str] = []
    for method, path, operation in OPERATIONS:
        perms = operation.view_func.required_perms
        body = _body(openapi, method, path)
        if _call(anonymous, method, path, body).status_code != 401:
            wrong.append(f"anonymous {method} {path}: not 401")
        for role, client in clients.items():
            response = _call(client, method, path, body)
            answer = response.json_body if isinstance(response.json_body, dict) else {}
            error = answer.get("error") or {}
            refused = response.status_code == 403 and error.get("code") == "permission_denied"
            missing = set(error.get("details", {}).get("missing_permissions", []))
            if _holds(role, perms) and refused and missing & set(perms):
                wrong.append(f"{role} {method} {path}: refused {missing} it holds")
            if not _holds(role, perms) and not refused:
                wrong.append(f"{role} {method} {path}: {response.status_code}, not 403")
            if response.status_code >= 500:
                wrong.append(f"{role} {method} {path}: {response.status_code}")
    assert wrong == []
