"""Document lives as explicit transition tables; one check raises the 409 for all of them."""

from __future__ import annotations

from collections.abc import Mapping, Set

from .errors import Conflict, ErrorCode


class InvalidTransition(Conflict):
    code = ErrorCode.INVALID_TRANSITION

    def __init__(self, from_status: str, to_status: str, document: str = "document") -> None:
        super().__init__(f"This {document} is '{from_status}' and cannot become '{to_status}'.",
                         details={"from": from_status, "to": to_status})


def check_transition(table: Mapping[str, Set[str]], from_status: str, to_status: str,
                     document: str) -> None:
    if to_status not in table.get(from_status, frozenset()):
        raise InvalidTransition(from_status, to_status, document)
