"""``Idempotency-Key`` for POSTs that create or change documents (DESIGN.md §2).

The key is claimed, the effect done and the response stored in ONE transaction: a retry
after a commit gets the stored response; a retry racing the first call waits on the key's
unique index and then gets the stored response; a failed call stores nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Schema, Status
from ninja.responses import NinjaJSONEncoder

from .db import retry_transaction
from .errors import Conflict, ValidationFailed
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def idempotent(response_schema: type[Schema]) -> Callable:
    """Wrap a ninja view returning ``Status(code, obj)``; ``obj`` is rendered with
    ``response_schema`` once, and that JSON is both sent and stored, so a retry gets
    exactly what the first caller saw."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            key = request.headers.get(HEADER, "").strip()
            if len(key) > MAX_KEY_LENGTH:
                raise ValidationFailed({HEADER: f"At most {MAX_KEY_LENGTH} characters."})

            @retry_transaction
            def run() -> HttpResponse:
                claim = _claim(request, key) if key else None
                if isinstance(claim, HttpResponse):
                    return claim
                result = view(request, *args, **kwargs)
                status, value = ((result.status_code, result.value)
                                 if isinstance(result, Status) else (200, result))
                body = (_as_json(response_schema.model_validate(value, from_attributes=True))
                        if value is not None else None)
                if claim is not None:
                    claim.status_code, claim.response_body = status, body
                    claim.save(update_fields=["status_code", "response_body"])
                return _json_response(status, body)

            return run()

        return wrapper

    return decorator


def _as_json(model: Schema) -> Any:
    # Encoded as ninja encodes every other response (e.g. datetimes to the millisecond), so
    # a POST's answer and a later GET of the same document agree.
    return json.loads(json.dumps(model.model_dump(), cls=NinjaJSONEncoder))


def _json_response(status: int, body: Any) -> HttpResponse:
    # Already rendered by the schema: sent as is, not validated again by ninja.
    if body is None:
        return HttpResponse(status=status)
    return JsonResponse(body, status=status, safe=False,
                        json_dumps_params={"ensure_ascii": False})


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, request.body or b""):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _claim(request: HttpRequest, key: str) -> IdempotencyKey | HttpResponse:
    """Claim ``key`` for this request, or return the response stored for it."""
    fingerprint = _fingerprint(request)
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=request.user, key=key, endpoint=f"{request.method} {request.path}"[:200],
                request_hash=fingerprint, status_code=0, response_body=None)
    except IntegrityError:
        stored = IdempotencyKey.objects.get(user=request.user, key=key)
    if stored.request_hash != fingerprint:
        raise Conflict("This Idempotency-Key was already used for a different request.",
                       code="idempotency_key_reused",
                       details={"key": key, "first_endpoint": stored.endpoint})
    return _json_response(stored.status_code, stored.response_body)
