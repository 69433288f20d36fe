"""``wms-sales check``: the aggregates equal a recomputation from the documents."""

from __future__ import annotations

from collections.abc import Iterator

from .rebuild import differences, document_deltas


def aggregate_violations() -> Iterator[str]:
    deltas, _ = document_deltas()
    for line in differences(deltas):
        yield f"report aggregate {line}"


CHECKS = [("report aggregates equal the documents", aggregate_violations)]
