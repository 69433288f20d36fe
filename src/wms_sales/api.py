"""The JSON API: every app's router under /api/v1, one error shape for every 4xx."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DataError, IntegrityError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from wms_sales.accounts.auth import API_AUTH
from wms_sales.accounts.errors import AccountError
from wms_sales.catalog.api import router as products_router
from wms_sales.catalog.errors import CatalogError
from wms_sales.common.db import is_retryable
from wms_sales.common.errors import Busy, DomainError, ErrorCode, ErrorCodes, error_body
from wms_sales.common.http import ApiParser, UnencodableText
from wms_sales.common.jsonenc import FastJSONRenderer
from wms_sales.common.schemas import Schema
from wms_sales.common.validation import FieldErrors
from wms_sales.customers.api import router as customers_router
from wms_sales.customers.errors import CustomerError
from wms_sales.finance.api import router as finance_router
from wms_sales.finance.errors import FinanceError
from wms_sales.inventory.api import stock_router, warehouses_router
from wms_sales.inventory.errors import InventoryError
from wms_sales.orders.api import router as orders_router
from wms_sales.orders.errors import OrderError
from wms_sales.outbound.api import router as outbounds_router
from wms_sales.outbound.errors import OutboundError
from wms_sales.reports.api import router as reports_router
from wms_sales.reports.exports import CONTENT_TYPES as EXPORT_CONTENT_TYPES
from wms_sales.returns.api import router as returns_router
from wms_sales.returns.errors import ReturnError

ERROR_DESCRIPTIONS = {
    400: "The body is not valid JSON.",
    401: "No valid token or session.",
    403: "The user lacks a permission this operation needs (or the session's CSRF token).",
    404: "No such record.",
    409: "The record's state does not allow this (code names the rule).",
    413: "The body is larger than WMS_MAX_REQUEST_BYTES (2 MiB by default).",
    422: "A field is invalid; details.fields names each one.",
    503: "The database is busy with the same records; retry after Retry-After seconds.",
}
# Every code an API answer may carry, by the part that raises it (the onboarding codes are
# the web UI's and the CLI's, not the API's).
ERROR_CODE_ENUMS: tuple[type[ErrorCodes], ...] = (
    ErrorCode, AccountError, CustomerError, CatalogError, InventoryError, OrderError,
    OutboundError, ReturnError, FinanceError)


def error_codes_markdown() -> str:
    """The table of error codes for the API description: code, HTTP status, meaning."""
    rows = ["| code | status | meaning |", "|---|---|---|"]
    rows += [f"| `{code}` | {code.status} | {code.meaning} |"
             for enum in ERROR_CODE_ENUMS for code in enum]
    return "\n".join(rows)


def codes_for_status(status: int) -> str:
    names = sorted({str(code) for enum in ERROR_CODE_ENUMS for code in enum
                    if code.status == status})
    return ", ".join(f"`{name}`" for name in names)


WRITE_METHODS = {"post", "put", "patch", "delete"}
# Answered by gunicorn (`wms-sales serve`) before the app sees the request, as an HTML page.
GUNICORN_ANSWERS = {
    "414": {"description": "The request line is over 8190 bytes (gunicorn's own page).",
            "content": {"text/html": {"schema": {"type": "string"}}}},
    "431": {"description": "A header is over 16380 bytes, or there are over 100 headers "
                           "(gunicorn's own page).",
            "content": {"text/html": {"schema": {"type": "string"}}}},
}


class ErrorBody(Schema):
    code: str
    message: str
    details: dict[str, Any]


class ErrorOut(Schema):
    """Every 4xx/5xx answer under /api/."""

    error: ErrorBody


class WmsNinjaAPI(NinjaAPI):
    """Documents the error answers every operation can give next to its success answers, so
    generated clients and schemathesis expect exactly what the server sends."""

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
                          .pop("$defs", {}))
        components["ErrorOut"] = ErrorOut.model_json_schema(
            ref_template="#/components/schemas/{model}")
        components["ErrorOut"].pop("$defs", None)
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                # ninja keys its own answers by int, the JSON document by string
                operation["responses"] = {str(code): answer
                                          for code, answer in operation["responses"].items()}
                _document_exports(operation)
                for status in _error_statuses(path, method, operation):
                    operation["responses"].setdefault(str(status), {
                        "description": f"{ERROR_DESCRIPTIONS[status]} "
                                       f"Codes: {codes_for_status(status)}.",
                        "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/ErrorOut"}}}})
                operation["responses"].update(GUNICORN_ANSWERS)
        return schema


def _error_statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    statuses = [401, 403, 422]
    if "{" in path or method in WRITE_METHODS:  # a write may name a missing record in its body
        statuses.append(404)
    if method in WRITE_METHODS:
        statuses += [400, 409, 413, 503]
    return statuses


def _document_exports(operation: dict[str, Any]) -> None:
    """Reports with ``format=csv|xlsx`` answer that file instead of JSON."""
    if not any(param.get("name") == "format" and param.get("in") == "query"
               for param in operation.get("parameters", [])):
        return
    content = operation["responses"].get("200", {}).get("content")
    if content is not None:
        for media_type in EXPORT_CONTENT_TYPES.values():
            content.setdefault(media_type.split(";")[0],
                               {"schema": {"type": "string", "format": "binary"}})


api = WmsNinjaAPI(
    title="wms-sales API",
    version="1",
    description="Sales management of a WMS: customers, products, warehouses and stock. "
                "Authenticate with `Authorization: Bearer <token>` "
                "(`wms-sales createuser NAME --role ROLE --token`). Errors are "
                '`{"error": {"code", "message", "details"}}`; `code` is one of:\n\n'
                + error_codes_markdown(),
    auth=API_AUTH,
    urls_namespace="api",
    parser=ApiParser(),
    renderer=FastJSONRenderer(),
)


def error_response(request: HttpRequest, status: int, code: str, message: str,
                   details: object = None) -> HttpResponse:
    return api.create_response(request, error_body(code, message, details), status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = error_response(request, exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, Busy):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(OperationalError)
def on_operational_error(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    # A deadlock or serialization failure outside a retried service (e.g. a read that lost a
    # lock wait): the client retries, it is not a server fault.
    if is_retryable(exc):
        return on_domain_error(request, Busy())
    raise exc


def _field_name(loc: list) -> str:
    # ninja prefixes the location with "body"/"query"/"path" and the payload's argument name.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = FieldErrors()
    for error in exc.errors:
        fields.add(_field_name(error.get("loc", [])), error.get("msg", ""))
    return on_domain_error(request, fields.error())


@api.exception_handler(DataError)
@api.exception_handler(OverflowError)
def on_data_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The database (or its driver) refused a value the schemas let through, e.g. an id beyond
    # 64 bits: the transaction is rolled back and the client hears its input was out of range.
    return error_response(request, 422, ErrorCode.VALUE_OUT_OF_RANGE,
                          "A value in the request is out of the range the database can store.")


@api.exception_handler(IntegrityError)
def on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    if "datatype mismatch" in str(exc):  # SQLite's word for an integer beyond 64 bits
        return on_data_error(request, DataError(str(exc)))
    raise exc


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, ErrorCode.NOT_AUTHENTICATED,
                          "Authentication required: send 'Authorization: Bearer <token>'.")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, 403, ErrorCode.PERMISSION_DENIED,
                          str(exc) or "Permission denied.")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, ErrorCode.NOT_FOUND, str(exc) or "Not found.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, UnencodableText):
        message = f"{cause.field}: text with a lone surrogate cannot be stored."
        return error_response(request, 422, ErrorCode.VALIDATION_ERROR, message,
                              {"fields": {cause.field: ["Not valid Unicode text."]}})
    if isinstance(cause, RequestDataTooBig):
        return error_response(request, 413, ErrorCode.REQUEST_TOO_LARGE,
                              "The request body is too large.")
    if exc.status_code == 400 and "parse request body" in str(exc):
        return error_response(request, 400, ErrorCode.INVALID_JSON,
                              "The request body is not valid JSON.")
    code = {400: ErrorCode.BAD_REQUEST, 401: ErrorCode.NOT_AUTHENTICATED,
            403: ErrorCode.PERMISSION_DENIED, 404: ErrorCode.NOT_FOUND,
            405: ErrorCode.METHOD_NOT_ALLOWED}.get(exc.status_code, "error")
    return error_response(request, exc.status_code, code, str(exc))


api.add_router("/customers", customers_router)
api.add_router("/products", products_router)
api.add_router("/warehouses", warehouses_router)
api.add_router("/stock", stock_router)
api.add_router("/orders", orders_router)
api.add_router("/outbounds", outbounds_router)
api.add_router("/returns", returns_router)
api.add_router("/reports", reports_router)
api.add_router("", finance_router)
