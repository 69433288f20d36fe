"""``Idempotency-Key`` for POSTs that create or change documents (DESIGN.md §2).

The key is claimed, the effect done and the response stored in ONE transaction: a retry
after a commit gets the stored response; a retry racing the first call waits on the key's
unique index and then gets the stored response; a failed call stores nothing.

Fast path: once committed, a stored response is also put in the "idempotency" cache (Redis
with WMS_REDIS_URL, else per process); a retry found there is answered without touching the
key's row. The cache is only a copy: when it is down or has forgotten, the database answers.

The answer is encoded once: that text is sent, stored (as JSON the database keeps verbatim)
and cached, and a replay sends it as it is, byte for byte."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import IntegrityError, connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Schema, Status

from .db import insert_object_unless_taken, retry_transaction, rolled_back_together
from .errors import Conflict, ErrorCode, ValidationFailed
from .jsonenc import FastNinjaJSONEncoder
from .models import IdempotencyKey
from .schemas import RESPONSE_STATUS

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
log = logging.getLogger(__name__)


def _cache_key(request: HttpRequest, key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"idempotency:{request.user.pk}:{digest}"


def _cached_response(request: HttpRequest, key: str) -> HttpResponse | None:
    try:
        hit = caches["idempotency"].get(_cache_key(request, key))
    except Exception:  # a cache outage: the database answers instead
        log.warning("idempotency cache unavailable", exc_info=True)
        return None
    if hit is None or hit.get("request_hash") != _fingerprint(request):
        return None  # a different request under the same key: the database path says 409
    if "response_text" in hit:
        return _stored_response(hit["status_code"], hit["response_text"])
    # Cached by the previous release (the decoded answer) and not yet expired.
    return _json_response(hit["status_code"], hit["response_body"])


def _remember(request: HttpRequest, key: str, request_hash: str, status: int,
              text: str | None) -> None:
    entry = {"request_hash": request_hash, "status_code": status, "response_text": text}

    def put() -> None:
        try:
            caches["idempotency"].set(_cache_key(request, key), entry)
        except Exception:
            log.warning("idempotency cache unavailable", exc_info=True)

    transaction.on_commit(put)  # only what committed may be replayed


def idempotent(
        response_schema: type[Schema],
) -> Callable[[Callable[..., Any]], Callable[..., HttpResponse]]:
    """Wrap a ninja view returning ``Status(code, obj)``; ``obj`` is rendered with
    ``response_schema`` once, and that JSON is both sent and stored, so a retry gets
    exactly what the first caller saw."""

    def decorator(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            key = request.headers.get(HEADER, "").strip()
            if len(key) > MAX_KEY_LENGTH:
                raise ValidationFailed({HEADER: f"At most {MAX_KEY_LENGTH} characters."})
            if key:
                cached = _cached_response(request, key)
                if cached is not None:
                    return cached

            def run() -> HttpResponse:
                claim = _claim(request, key) if key else None
                if isinstance(claim, HttpResponse):
                    return claim
                if claim is None:
                    result = view(request, *args, **kwargs)
                else:  # a failure rolls the claim back too: the service needs no savepoint
                    with rolled_back_together():
                        result = view(request, *args, **kwargs)
                status, value = ((result.status_code, result.value)
                                 if isinstance(result, Status) else (200, result))
                if value is None:
                    text = None
                else:
                    text = _as_json(response_schema.model_validate(
                        value, from_attributes=True, context={RESPONSE_STATUS: status}))
                if claim is not None:
                    _store_answer(claim.pk, status, text)
                    _remember(request, key, claim.request_hash, status, text)
                return _stored_response(status, text)

            # With a key, claim, effect and stored answer are one transaction (retried as
            # one). Without, the service's own transaction is the outermost and retries
            # itself: no enclosing transaction, no savepoint round trips per call.
            return retry_transaction(run)() if key else run()

        return wrapper

    return decorator


def _as_json(model: Schema) -> str:
    # Encoded as ninja encodes every other response (e.g. datetimes to the millisecond), so
    # a POST's answer and a later GET of the same document agree; as a replay sends it.
    return json.dumps(model.model_dump(), cls=FastNinjaJSONEncoder, ensure_ascii=False)


def _store_answer(claim_id: int, status: int, text: str | None) -> None:
    """Store the answer's JSON text verbatim (not decoded and encoded again): one statement,
    built once per database."""
    with connection.cursor() as cursor:
        cursor.execute(_store_answer_sql(connection.vendor), [status, text, claim_id])


@functools.cache
def _store_answer_sql(vendor: str) -> str:
    """PostgreSQL needs the parameter cast to ``json``; SQLite and MariaDB take the text as it
    is (a cast there would be MariaDB's JSON_EXTRACT, which respaces it)."""
    quote, meta = connection.ops.quote_name, IdempotencyKey._meta
    body = "%s::json" if vendor == "postgresql" else "%s"
    return (f"UPDATE {quote(meta.db_table)} SET "
            f"{quote(meta.get_field('status_code').column)} = %s, "
            f"{quote(meta.get_field('response_body').column)} = {body} "
            f"WHERE {quote(meta.pk.column)} = %s")


def _stored_response(status: int, text: str | None) -> HttpResponse:
    # Already rendered by the schema: sent as is, not validated again by ninja.
    if text is None:
        return HttpResponse(status=status)
    return HttpResponse(text, status=status, content_type="application/json")


def _json_response(status: int, body: Any) -> HttpResponse:
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


def _account(request: HttpRequest) -> User:
    # The routers' auth ran before any idempotent view: the user is a signed-in account.
    return cast(User, request.user)


def _claim(request: HttpRequest, key: str) -> IdempotencyKey | HttpResponse:
    """Claim ``key`` for this request, or return the response stored for it."""
    fingerprint = _fingerprint(request)
    claim = IdempotencyKey(user=_account(request), key=key,
                           endpoint=f"{request.method} {request.path}"[:200],
                           request_hash=fingerprint, status_code=0, response_body=None)
    if _insert_if_absent(claim):
        return claim
    # The stored text, not decoded: the replay sends the bytes the first call sent.
    request_hash, endpoint, status, text = IdempotencyKey.objects.values_list(
        "request_hash", "endpoint", "status_code", Cast("response_body", TextField()),
    ).get(user=_account(request), key=key)
    if request_hash != fingerprint:
        raise Conflict("This Idempotency-Key was already used for a different request.",
                       code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
                       details={"key": key, "first_endpoint": endpoint})
    _remember(request, key, request_hash, status, text)
    return _stored_response(status, text)


def _insert_if_absent(claim: IdempotencyKey) -> bool:
    """Insert ``claim`` unless its (user, key) is taken; whether it was inserted.

    PostgreSQL and SQLite skip a taken key in the INSERT itself (one statement). Elsewhere
    a savepoint keeps the transaction usable after the unique index refuses the row."""
    if connection.vendor in ("postgresql", "sqlite"):
        return insert_object_unless_taken(claim, ("user", "key"))
    try:
        with transaction.atomic():
            claim.save(force_insert=True)
    except IntegrityError:
        return False
    return True
