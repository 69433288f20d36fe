"""One life for every document (issue #11). A document app describes its life once, as a
``Lifecycle``; its services then, inside their own transaction,

1. ``lock`` the document row (``SELECT … FOR UPDATE`` of that row alone) — the first lock
   of the documented lock order (docs/architecture.md). Rows the use case only reads (who
   entered the order, for the answer) may be joined with ``FOR UPDATE OF`` the document;
   MariaDB has no ``FOR UPDATE OF`` and a join would lock them too, so there they are not;
2. ``transition`` it: check the transition table (409 ``invalid_transition``), set the
   status, stamp actor and time on the document where it has such fields, save, and write one
   ``DocumentTransition`` row and the outbox event.

Documents without a status column of their own (payments: their allocation state is derived)
call ``record`` with both states."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.db import connection, models
from django.utils import timezone

from wms_sales.common import states
from wms_sales.common.actors import Actor, user_of
from wms_sales.common.compiled import CompiledRead
from wms_sales.common.db import insert_object, update_object
from wms_sales.common.errors import ErrorCodes, NotFound
from wms_sales.events.services import record_event

from .models import DocumentTransition

D = TypeVar("D", bound=models.Model)
Payload = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class Stamp:
    """The document's own fields that name who made a transition and when."""

    by: str | None = None
    at: str | None = None


@functools.cache
def _lock_read(model: type[models.Model], joined: tuple[str, ...] = ()) -> CompiledRead:
    """Every change of a document starts with this statement: compiled once per model and
    set of joined rows. With joins only the document row is locked (``FOR UPDATE OF``)."""
    def build(pk: int) -> models.QuerySet[Any]:
        documents = model._default_manager.filter(pk=pk).order_by("pk")
        if joined:
            documents = documents.select_related(*joined).select_for_update(of=("self",))
        else:
            documents = documents.select_for_update()
        return documents[:1]
    return CompiledRead(build, arity=1)


def _can_join_locked() -> bool:
    """Whether a locking read may join other rows without locking them: where the lock can
    be limited to the document row, or where there are no row locks (SQLite)."""
    features = connection.features
    return features.has_select_for_update_of or not features.has_select_for_update


@dataclass(frozen=True)
class Lifecycle(Generic[D]):
    model: type[D]
    document_type: str  # the history rows' type and the events' aggregate type
    event_prefix: str  # "order" → "order.approved"
    label: str  # in messages: "This sales order is 'pending' and cannot become …"
    noun: str  # in a 404: "Order 7 does not exist."
    not_found_code: ErrorCodes
    transitions: Mapping[str, Set[str]]
    stamps: Mapping[str, Stamp] = field(default_factory=dict)  # by target status

    def lock(self, document_id: int, *, joined: tuple[str, ...] = ()) -> D:
        """``joined``: related rows (``select_related`` paths) read with the document where
        that locks the document row alone; elsewhere (MariaDB) each is read when first used,
        as without them."""
        if joined and not _can_join_locked():
            joined = ()
        document = _lock_read(self.model, joined).first(document_id)
        if document is None:
            raise NotFound(f"{self.noun} {document_id} does not exist.",
                           code=self.not_found_code)
        return document

    def check(self, from_status: str, to_status: str) -> None:
        states.check_transition(self.transitions, from_status, to_status, self.label)

    def transition(self, document: D, to_status: str, *, actor: Actor, event: str,
                   reason: str = "", fields: Iterable[str] = (),
                   payload: Payload | None = None,
                   at: datetime | None = None) -> DocumentTransition:
        """Move a locked ``document`` to ``to_status`` and save it with ``fields`` (other
        columns the caller changed); then its history row and its event. ``at``: the time
        to stamp, when the caller has already dated something by it."""
        from_status = document.status  # type: ignore[attr-defined]
        self.check(from_status, to_status)
        now = at or timezone.now()
        document.status = to_status  # type: ignore[attr-defined]
        changed = ["status", *fields]
        stamp = self.stamps.get(to_status)
        if stamp is not None and stamp.by:
            setattr(document, stamp.by, user_of(actor))
            changed.append(stamp.by)
        if stamp is not None and stamp.at:
            setattr(document, stamp.at, now)
            changed.append(stamp.at)
        if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
            changed.append("updated_at")
        update_object(document, list(dict.fromkeys(changed)))
        return self.record(document, from_status=from_status, to_status=to_status, actor=actor,
                           event=event, reason=reason, payload=payload, at=now)

    def created(self, document: D, *, actor: Actor, payload: Payload | None = None,
                event: str = "created", status: str | None = None,
                reason: str = "") -> DocumentTransition:
        """The first history row of a new document: ∅ → its initial status."""
        return self.record(document, from_status="",
                           to_status=status or document.status,  # type: ignore[attr-defined]
                           actor=actor, event=event, reason=reason, payload=payload)

    def record(self, document: D, *, from_status: str, to_status: str, actor: Actor,
               event: str, reason: str = "", payload: Payload | None = None,
               at: datetime | None = None) -> DocumentTransition:
        """The history row and (with a ``payload``) the outbox event of a change the caller
        has made and checked, in the caller's transaction."""
        entry = insert_object(DocumentTransition(
            document_type=self.document_type, document_id=document.pk, event=event,
            from_status=from_status, to_status=to_status, actor=user_of(actor),
            reason=(reason or "")[:500], at=at or timezone.now()))
        if payload is not None:
            record_event(event_type=f"{self.event_prefix}.{event}",
                         aggregate_type=self.document_type, aggregate_id=document.pk,
                         payload=payload(document))
        return entry
