"""A kept PostgreSQL connection is checked before a request reuses it without a round trip
while the server has said nothing, and replaced when the server ended its session
(``wms_sales.common.backends.postgresql``)."""

import select
import time

import pytest
from django.db import connections

pytestmark = pytest.mark.postgres_only


def default():
    """The default connection's wrapper of this thread (``django.db.connection`` is a proxy)."""
    return connections["default"]


def start_request() -> None:
    """What Django does to the connection when a request starts."""
    default().close_if_unusable_or_obsolete()


def backend_pid() -> int:
    with default().cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.fixture
def pings(transactional_db, monkeypatch) -> list[int]:
    """Counts Django's health-check ``SELECT 1`` (``is_usable``)."""
    assert default().health_check_enabled, "settings keep connections with health checks"
    sent: list[int] = []
    backend = type(default())
    usable = backend.is_usable

    def counted(self) -> bool:
        sent.append(1)
        return usable(self)

    monkeypatch.setattr(backend, "is_usable", counted)
    return sent


def test_the_project_backend_serves_postgresql(transactional_db):
    assert type(default()).__module__ == "wms_sales.common.backends.postgresql.base"


def test_a_quiet_connection_is_reused_without_a_ping(pings):
    first = backend_pid()
    for _ in range(3):
        start_request()
        assert backend_pid() == first
    assert pings == []


def test_a_session_the_server_ended_is_replaced_before_the_request_uses_it(pings):
    ended = backend_pid()
    start_request()
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [ended])
    finally:
        other.close()
    deadline = time.monotonic() + 5  # the server's goodbye reaches the socket
    while not select.select([default().connection], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "the ended session never said so"
    assert backend_pid() != ended  # no error: checked, closed and opened again
    assert pings == [1]
