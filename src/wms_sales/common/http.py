"""HTTP edges of the API: its JSON parser and the middleware that keeps every answer under
/api/ in the error shape, whoever produced it (ninja, Django's URL resolver, a size limit)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.parser import Parser

from .errors import ErrorCode, error_body

API_PREFIX = "/api/"

# The code of an answer that names none, by status.
ERROR_CODES = {code.status: code for code in (
    ErrorCode.BAD_REQUEST, ErrorCode.NOT_AUTHENTICATED, ErrorCode.PERMISSION_DENIED,
    ErrorCode.NOT_FOUND, ErrorCode.METHOD_NOT_ALLOWED, ErrorCode.NOT_ACCEPTABLE,
    ErrorCode.CONFLICT, ErrorCode.REQUEST_TOO_LARGE, ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    ErrorCode.VALIDATION_ERROR, ErrorCode.TOO_MANY_REQUESTS, ErrorCode.INTERNAL_ERROR,
    ErrorCode.BUSY)}


class UnencodableText(ValueError):
    """A JSON string holds a lone surrogate (``"\\ud800"``), which no database can store."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _first_lone_surrogate(value: Any, path: str) -> str | None:
    """The path of the first string in ``value`` that is not valid Unicode text, or None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "body"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            found = _first_lone_surrogate(key, name) or _first_lone_surrogate(item, name)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_lone_surrogate(item, f"{path}[{index}]")
            if found:
                return found
    return None


class ApiParser(Parser):
    """JSON bodies, refusing strings that cannot be encoded (answered 422 naming the field)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body)
        field = _first_lone_surrogate(data, "")
        if field is not None:
            raise UnencodableText(field)
        return data


def error_json(status: int, message: str, code: str | None = None,
               details: dict[str, Any] | None = None) -> JsonResponse:
    code = code or ERROR_CODES.get(status) or "error"
    return JsonResponse(error_body(code, message, details), status=status)


class ApiErrorShapeMiddleware:
    """Under /api/: refuse bodies over ``WMS_MAX_REQUEST_BYTES`` with 413 before reading them,
    and turn any answer that is not JSON (Django's 404 page, ninja's plain 405, a 500 page)
    into the error shape with the same status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        limit = settings.WMS_MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_json(400, "The Content-Length header is not a number.")
        if length > limit:
            return error_json(413, f"The request body is larger than {limit} bytes.",
                              details={"max_bytes": limit})
        response = self.get_response(request)
        if response.status_code >= 400 and \
                not response.get("Content-Type", "").startswith("application/json"):
            shaped = error_json(response.status_code, _message_for(response))
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    shaped[header] = response[header]
            return shaped
        return response


def _message_for(response: HttpResponse) -> str:
    if response.status_code == 404:
        return "No API operation at this address."
    if response.status_code == 405:
        return f"Method not allowed here; allowed: {response.get('Allow', '')}."
    if response.status_code >= 500:
        return "The server failed to answer this request; it has been logged."
    return getattr(response, "reason_phrase", "") or "The request was refused."
