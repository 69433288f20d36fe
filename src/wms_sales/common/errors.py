"""Domain errors: every expected failure carries an HTTP status, a machine-readable code,
a human message and details. The API renders them as
``{"error": {"code": ..., "message": ..., "details": {...}}}``; the CLI prints the message."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from .schemas import MAX_TEXT_LENGTH


class ErrorCodes(StrEnum):
    """Base of every app's error codes: a member is the code the API sends, with the HTTP
    status it comes with and its meaning for the API docs. Declare members as
    ``NAME = "code", status, "meaning"``."""

    status: int
    meaning: str

    def __new__(cls, code: str, status: int, meaning: str) -> ErrorCodes:
        member = str.__new__(cls, code)
        member._value_ = code
        member.status = status
        member.meaning = meaning
        return member


class ErrorCode(ErrorCodes):
    """Codes any part of the API may answer."""

    BAD_REQUEST = "bad_request", 400, "The request cannot be processed as sent."
    INVALID_JSON = "invalid_json", 400, "The request body is not valid JSON."
    NOT_AUTHENTICATED = "not_authenticated", 401, "No valid bearer token or login session."
    PERMISSION_DENIED = "permission_denied", 403, (
        "The user lacks a permission (details.missing_permissions) or the CSRF token.")
    NOT_FOUND = "not_found", 404, "No such record or path."
    METHOD_NOT_ALLOWED = "method_not_allowed", 405, "The path does not take this method."
    NOT_ACCEPTABLE = "not_acceptable", 406, "No answer in a media type the Accept header allows."
    CONFLICT = "conflict", 409, "The record's state does not allow this."
    INVALID_TRANSITION = "invalid_transition", 409, (
        "The document's status does not allow this action (details: from, to).")
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused", 409, (
        "The Idempotency-Key was used before with another request body.")
    REQUEST_TOO_LARGE = "request_too_large", 413, "The body is larger than WMS_MAX_REQUEST_BYTES."
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", 415, "The body's media type is not JSON."
    VALIDATION_ERROR = "validation_error", 422, "A field is invalid; details.fields names each."
    VALUE_OUT_OF_RANGE = "value_out_of_range", 422, (
        "A value is beyond what the database can store (e.g. an id over 64 bits).")
    TOO_MANY_REQUESTS = "too_many_requests", 429, "Too many requests; slow down."
    INTERNAL_ERROR = "internal_error", 500, "An unexpected server fault (logged)."
    BUSY = "busy", 503, "The database stayed contended; retry after Retry-After seconds."
    PDF_UNAVAILABLE = "pdf_unavailable", 503, "PDF rendering is not available on this server."


def error_body(code: str, message: str, details: object = None) -> dict[str, Any]:
    """The error shape. The message is cut to the length the OpenAPI document promises for
    every string (a message can quote input, and input may be long)."""
    if len(message) > MAX_TEXT_LENGTH:
        message = message[:MAX_TEXT_LENGTH - 1] + "…"
    return {"error": {"code": code, "message": message, "details": details or {}}}


class DomainError(Exception):
    status = 400
    code: ErrorCodes = ErrorCode.BAD_REQUEST

    def __init__(self, message: str, *, code: ErrorCodes | None = None, details: Any = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details if details is not None else {}

    def as_dict(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


class ValidationFailed(DomainError):
    """Input that names a field wrongly: 422 with ``details.fields = {field: [messages]}``."""

    status = 422
    code = ErrorCode.VALIDATION_ERROR
    # The message names this many fields at most: a 1,000-line order with every line wrong
    # gets a readable sentence, while details.fields still lists every field.
    FIELDS_IN_MESSAGE = 5

    def __init__(self, fields: Mapping[str, list[str] | str],
                 message: str | None = None) -> None:
        normalized = {name: [msgs] if isinstance(msgs, str) else list(msgs)
                      for name, msgs in fields.items()}
        if message is None:
            message = self._summary(normalized)
        super().__init__(message, details={"fields": normalized})

    @classmethod
    def _summary(cls, fields: dict[str, list[str]]) -> str:
        named = list(fields.items())[:cls.FIELDS_IN_MESSAGE]
        message = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in named)
        if len(fields) > len(named):
            message += f"; and {len(fields) - len(named)} more fields (see details.fields)."
        return message


class NotFound(DomainError):
    status = 404
    code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    status = 409
    code = ErrorCode.CONFLICT


class Forbidden(DomainError):
    status = 403
    code = ErrorCode.PERMISSION_DENIED


class Busy(DomainError):
    """The database stayed too contended to finish (deadlocks or serialization failures
    after every retry): 503, to be retried by the client after ``retry_after`` seconds."""

    status = 503
    code = ErrorCode.BUSY

    def __init__(self, message: str = "The server is busy; please retry shortly.", *,
                 retry_after: int = 1) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after
