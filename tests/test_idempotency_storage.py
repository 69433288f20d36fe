"""The answer to a POST with ``Idempotency-Key`` is encoded once: the text sent is the text
stored (as JSON, not a JSON string) and cached, and every replay sends those bytes."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast
from django.test.utils import CaptureQueriesContext

from orders_helpers import order_body
from wms_sales.common.idempotency import _cache_key
from wms_sales.common.models import IdempotencyKey

pytest_plugins = ["orders_fixtures"]

# What the database says the stored value is: a JSON object, not a string holding JSON.
JSON_TYPE = {"sqlite": "json_type", "postgresql": "json_typeof", "mysql": "JSON_TYPE"}


def stored() -> tuple[str, str]:
    """The stored answer's text, as the database holds it, and its JSON type."""
    text = IdempotencyKey.objects.values_list(
        Cast("response_body", TextField()), flat=True).get()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {JSON_TYPE[connection.vendor]}(response_body) "
                       f"FROM {IdempotencyKey._meta.db_table}")
        (kind,) = cursor.fetchone()
    return text, kind.lower()


@pytest.fixture
def first(settings, sales_api, customer, product, stock, django_capture_on_commit_callbacks):
    # The fast path as deployed without Redis (the test settings turn it off).
    settings.CACHES = {**settings.CACHES, "idempotency": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "test-idempotency-storage"}}
    caches["idempotency"].clear()
    body = {**order_body(customer, product, quantity="3"), "notes": "一批 \"quoted\"\n"}
    with django_capture_on_commit_callbacks(execute=True):
        response = sales_api.post("orders", body, headers={"Idempotency-Key": "verbatim"})
    assert response.status_code == 201, response.content
    yield SimpleNamespace(response=response, body=body)
    caches["idempotency"].clear()


def replay(sales_api, first):
    return sales_api.post("orders", first.body, headers={"Idempotency-Key": "verbatim"})


def same_answer(again, first) -> bool:
    return ((again.status_code, again["Content-Type"], again.content)
            == (first.status_code, first["Content-Type"], first.content))


def test_the_stored_answer_is_the_sent_text_as_json(first):
    text = first.response.content.decode()
    keys = list(json.loads(text))
    assert keys != sorted(keys, key=lambda k: (len(k), k)), "jsonb would have reordered them"
    assert stored() == (text, "object")


def test_replays_send_the_first_answer_byte_for_byte(sales_api, first):
    with CaptureQueriesContext(connection) as queries:
        assert same_answer(replay(sales_api, first), first.response), "from the cache"
    assert not [q for q in queries.captured_queries if "idempotencykey" in q["sql"].lower()]
    caches["idempotency"].clear()
    assert same_answer(replay(sales_api, first), first.response), "from the database"
    assert same_answer(replay(sales_api, first), first.response), "cached again by the last"


def test_an_entry_cached_by_the_previous_release_still_replays(sales_api, first):
    # The previous release cached the decoded answer under "response_body".
    user = SimpleNamespace(user=SimpleNamespace(pk=IdempotencyKey.objects.get().user_id))
    cache_key = _cache_key(user, "verbatim")  # type: ignore[arg-type]
    entry = caches["idempotency"].get(cache_key)
    caches["idempotency"].set(cache_key, {
        "request_hash": entry["request_hash"], "status_code": entry["status_code"],
        "response_body": json.loads(entry["response_text"])})
    IdempotencyKey.objects.update(response_body=None)  # proves the cache answered
    again = replay(sales_api, first)
    assert (again.status_code, again.json_body) == (201, first.response.json_body)
