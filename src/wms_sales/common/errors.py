"""Domain errors: every expected failure carries an HTTP status, a machine-readable code,
a human message and details. The API renders them as
``{"error": {"code": ..., "message": ..., "details": {...}}}``; the CLI prints the message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details if details is not None else {}

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class ValidationFailed(DomainError):
    """Input that names a field wrongly: 422 with ``details.fields = {field: [messages]}``."""

    status = 422
    code = "validation_error"

    def __init__(self, fields: Mapping[str, list[str] | str],
                 message: str | None = None) -> None:
        normalized = {name: [msgs] if isinstance(msgs, str) else list(msgs)
                      for name, msgs in fields.items()}
        if message is None:
            message = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in normalized.items())
        super().__init__(message, details={"fields": normalized})


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "permission_denied"


class Busy(DomainError):
    """The database stayed too contended to finish (deadlocks or serialization failures
    after every retry): 503, to be retried by the client after ``retry_after`` seconds."""

    status = 503
    code = "busy"

    def __init__(self, message: str = "The server is busy; please retry shortly.", *,
                 retry_after: int = 1) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after
