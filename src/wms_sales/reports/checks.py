"""``wms-sales check``: the aggregates equal a recomputation from the documents."""

from __future__ import annotations

from collections.abc import Iterator

from .rebuild import differences, document_deltas, month_differences


def aggregate_violations() -> Iterator[str]:
    deltas, _ = document_deltas()
    for line in differences(deltas):
        yield f"report aggregate {line}"


def month_violations() -> Iterator[str]:
    for line in month_differences():
        yield f"report aggregate {line}"


CHECKS = [("report aggregates equal the documents", aggregate_violations),
          ("monthly aggregates equal their days", month_violations)]
