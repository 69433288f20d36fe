"""Liveness and readiness for a load balancer or orchestrator.

/health answers as long as the process serves requests (no dependency is touched).
/health/ready answers 200 when this instance can do its work — database reachable, every
migration applied — and 503 otherwise. The broker and the cache are reported but do not make
it unready: without them events wait in the outbox and reports are computed uncached."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

_migrations_applied = False  # once true for this process, it stays true (no downgrades live)


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def pending_migrations() -> int:
    global _migrations_applied
    if _migrations_applied:
        return 0
    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _migrations_applied = pending == 0
    return pending


def cache_status() -> str:
    """"local" (no WMS_REDIS_URL), "ok", or "unreachable: why"."""
    if not settings.REDIS_URL:
        return "local"
    try:
        caches["reports"].get("health:probe")
    except Exception as exc:  # any client error means the cache is not usable now
        return f"unreachable: {type(exc).__name__} {exc}".strip()
    return "ok"


def readiness() -> tuple[bool, dict[str, Any]]:
    from wms_sales.events.amqp import broker_status
    from wms_sales.events.services import outbox_backlog

    checks: dict[str, Any] = {}
    started = time.monotonic()
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True, "vendor": connection.vendor,
                              "ms": round((time.monotonic() - started) * 1000, 1)}
    except DatabaseError as exc:
        checks["database"] = {"ok": False, "error": str(exc).strip().splitlines()[0]}
        return False, checks
    try:
        pending = pending_migrations()
        checks["migrations"] = {"ok": pending == 0, "pending": pending}
        backlog, oldest = outbox_backlog()
        checks["outbox"] = {"ok": True, "backlog": backlog,
                            "oldest_age_seconds": round(oldest, 1) if oldest is not None else None}
    except DatabaseError as exc:
        checks["migrations"] = {"ok": False, "error": str(exc).strip().splitlines()[0]}
        return False, checks
    broker = broker_status()
    checks["broker"] = {"ok": broker in {"ok", "disabled"}, "status": broker}
    cache = cache_status()
    checks["cache"] = {"ok": cache in {"ok", "local"}, "status": cache}
    return checks["migrations"]["ok"], checks


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    ok, checks = readiness()
    degraded = sorted(name for name, check in checks.items() if not check["ok"])
    return JsonResponse({"status": "ready" if ok else "not_ready", "degraded": degraded,
                         "checks": checks}, status=200 if ok else 503)
