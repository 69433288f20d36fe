"""Transactions that survive the database's own concurrency failures."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DatabaseError, connection, transaction

from .errors import Busy

T = TypeVar("T")
MAX_ATTEMPTS = 6
BACKOFF_BASE = 0.01  # seconds; doubled per attempt, jittered
BACKOFF_CAP = 0.3

# PostgreSQL SQLSTATEs and MySQL/MariaDB error numbers meaning "run the transaction again".
_RETRYABLE_SQLSTATES = {"40001", "40P01"}
_RETRYABLE_MYSQL_CODES = {1205, 1213}


def is_retryable(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc
    if getattr(cause, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    args = getattr(cause, "args", ())
    if args and args[0] in _RETRYABLE_MYSQL_CODES:
        return True
    # SQLite: a writer that could not get the lock within the busy timeout.
    return "database is locked" in str(cause)


def retry_transaction(func: Callable[..., T]) -> Callable[..., T]:
    """Run ``func`` in its own transaction, again (bounded) after a deadlock or serialization
    failure, after a jittered exponential backoff; when every attempt failed that way the
    caller gets ``Busy`` (503), never the database error. Inside an outer transaction it runs
    in a savepoint (only the outermost level can retry), so a failed call leaves nothing
    behind even when the caller goes on."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs) -> T:
        if connection.in_atomic_block:
            with transaction.atomic():  # a savepoint: a failure undoes this call's writes only
                return func(*args, **kwargs)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    return func(*args, **kwargs)
            except DatabaseError as exc:
                if not is_retryable(exc):
                    raise
                if attempt == MAX_ATTEMPTS:
                    raise Busy() from exc
                # Full jitter: the retriers spread out instead of colliding again.
                time.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)))
        raise AssertionError("unreachable")

    return wrapper
