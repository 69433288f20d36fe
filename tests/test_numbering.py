"""Document numbers and master codes: per series, per day, unique under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from threading import Barrier

import pytest
from django.db import connection, transaction

from wms_sales.common.numbering import document_number, master_code

DAY = date(2026, 11, 25)


def test_series_run_per_prefix_and_day(db):
    assert [document_number("SO", DAY) for _ in range(2)] == ["SO202611250001", "SO202611250002"]
    assert document_number("OB", DAY) == "OB202611250001"
    assert document_number("SO", date(2026, 11, 26)) == "SO202611260001"
    assert [master_code("CUS"), master_code("CUS", width=3)] == ["CUS000001", "CUS002"]


def test_a_rolled_back_number_is_handed_out_again(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        assert document_number("SO", DAY) == "SO202611250001"
        raise RuntimeError
    assert document_number("SO", DAY) == "SO202611250001"


@pytest.mark.postgres_only
def test_concurrent_numbers_are_distinct_and_consecutive(transactional_db):
    threads, calls = 8, 25
    start = Barrier(threads)

    def take_numbers() -> list[str]:
        try:
            start.wait()
            numbers = []
            for _ in range(calls):
                with transaction.atomic():
                    numbers.append(document_number("SO", DAY))
            return numbers
        finally:
            connection.close()

    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(take_numbers) for _ in range(threads)]
        numbers = [n for future in futures for n in future.result()]
    assert sorted(numbers) == [f"SO20261125{i:04d}" for i in range(1, threads * calls + 1)]
