"""Caching report answers (Redis) with a generation number: every change of the aggregates
bumps it when its transaction commits, so no answer outlives the figures it came from."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import caches
from django.db import transaction
from django.utils.translation import get_language

T = TypeVar("T")
GENERATION_KEY = "reports:generation"
log = logging.getLogger(__name__)


def _cache():
    return caches["reports"]


def generation() -> int:
    try:
        return _cache().get_or_set(GENERATION_KEY, 1, timeout=None) or 0
    except Exception:  # a cache outage must not take the reports down with it
        log.warning("report cache unavailable", exc_info=True)
        return 0


def invalidate() -> None:
    """Called on every aggregate change; takes effect when the transaction commits."""
    def bump() -> None:
        try:
            _cache().incr(GENERATION_KEY)
        except ValueError:  # not set yet (or evicted): any new value invalidates
            _cache().set(GENERATION_KEY, 2, timeout=None)
        except Exception:
            log.warning("report cache unavailable", exc_info=True)
    transaction.on_commit(bump)


def cached(name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    def decorator(func: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            current = generation()
            if not current:
                return func(*args, **kwargs)
            # The language is part of the key: answers carry translated labels.
            digest = hashlib.sha256(repr((get_language(), args, sorted(kwargs.items())))
                                    .encode()).hexdigest()
            key = f"reports:{name}:{current}:{digest}"
            try:
                hit = _cache().get(key)
            except Exception:
                log.warning("report cache unavailable", exc_info=True)
                return func(*args, **kwargs)
            if hit is not None:
                return hit
            result = func(*args, **kwargs)
            try:
                _cache().set(key, result)
            except Exception:
                log.warning("report cache unavailable", exc_info=True)
            return result
        return wrapper
    return decorator
