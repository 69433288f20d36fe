"""Document numbers and master codes: per series, unique under concurrency."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from threading import Barrier

import pytest
from django.db import connection, transaction

from wms_sales.common import numbering
from wms_sales.common.numbering import document_number, master_code

DAY = date(2026, 11, 25)


def _running(number: str) -> int:
    return int(number[-6:])


def test_numbers_name_series_and_date_and_run_per_series(db):
    first, second = document_number("SO", DAY), document_number("SO", date(2026, 11, 26))
    assert re.fullmatch(r"SO20261125\d{6}", first)
    assert re.fullmatch(r"SO20261126\d{6}", second)
    assert _running(second) > _running(first)
    assert re.fullmatch(r"OB20261125\d{6}", document_number("OB", DAY))
    code = master_code("CUS")
    assert re.fullmatch(r"CUS\d{6}", code)
    assert int(master_code("CUS", width=3)[3:]) == int(code[3:]) + 1


def test_an_unknown_series_is_refused(db):
    with pytest.raises(ValueError, match="Unknown number series"):
        document_number("XX", DAY)


def test_a_rolled_back_number_leaves_a_gap_only_where_sequences_are_used(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        taken = document_number("SO", DAY)
        raise RuntimeError
    again = document_number("SO", DAY)
    assert (_running(again) > _running(taken)) == numbering.uses_sequences()
    assert _running(again) >= _running(taken)


def test_bulk_loaders_move_the_series_past_their_numbers(db):
    numbering.skip_past("PAY", numbering.last_value("PAY") + 500)
    before = numbering.last_value("PAY")
    assert _running(document_number("PAY", DAY)) > before


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
    assert len(set(numbers)) == threads * calls
    assert all(re.fullmatch(r"SO20261125\d{6}", number) for number in numbers)
