"""Django's PostgreSQL backend, with a health check that costs no round trip while the
connection has nothing to say.

Django checks a kept connection before each request reuses it (``CONN_HEALTH_CHECKS``) by
sending ``SELECT 1``: one more round trip per request, which on a busy two-core server is
as much work as one of the request's own statements. A connection the server has dropped
is not silent, though: when PostgreSQL ends a session (restart, ``pg_terminate_backend``,
``idle_session_timeout``, a crashed backend) it sends its last message or closes the
socket, and the socket turns readable. Between requests a healthy connection has nothing
pending, so the check here first asks the operating system whether anything arrived
(``select`` with no wait); only then, or when the driver already knows the connection is
broken, does it send Django's ``SELECT 1``. What it cannot see is a peer that vanished
without a word (a host powered off, a network cut): those the ``SELECT 1`` would not have
answered quickly either (it waits for TCP's timeout)."""

from __future__ import annotations

import select
from typing import Any

from django.db.backends.postgresql import base


def has_pending_input(connection: object) -> bool:
    """Whether the server sent something (or closed the socket) since the last answer."""
    readable, _, _ = select.select([connection], [], [], 0)
    return bool(readable)


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        # django-stubs lack the health check's attributes (Django 4.1) and ``pool`` (5.1).
        wrapper: Any = self
        connection = wrapper.connection
        if (connection is not None and wrapper.health_check_enabled
                and not wrapper.health_check_done and not wrapper.pool
                and not connection.closed and not connection.broken
                and not has_pending_input(connection)):
            wrapper.health_check_done = True  # nothing pending: the session is still there
            return
        super().close_if_health_check_failed()
