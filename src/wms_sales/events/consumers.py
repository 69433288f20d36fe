"""Consumer handlers: a registry of functions applying one kind of message, each idempotent
by message id — the id is stored in the transaction of the effect, so a redelivered message
changes nothing. The same handlers run from the broker (`wms-sales consume`) or, without a
broker, in process after the commit that recorded a sales event."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.db import IntegrityError, transaction

from wms_sales.common.errors import DomainError

from .contract import schema_errors
from .models import ProcessedMessage

log = logging.getLogger(__name__)
HandlerFunc = Callable[[dict[str, Any]], None]


class PermanentFailure(Exception):
    """The message can never be applied as it is (malformed, unknown, refused by a business
    rule): it goes to the dead-letter queue with this reason instead of being retried."""


@dataclass(frozen=True)
class Handler:
    name: str
    exchange: str  # a settings attribute naming the exchange, resolved when binding
    event_types: tuple[str, ...]
    func: HandlerFunc


class Outcome(Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"


_handlers: list[Handler] = []


def handles(exchange_setting: str, *event_types: str) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register ``func`` for messages of ``event_types`` on the exchange named by the setting
    ``exchange_setting`` (e.g. "AMQP_INBOUND_EXCHANGE"); its name is module.function."""

    def register(func: HandlerFunc) -> HandlerFunc:
        name = f"{func.__module__}.{func.__qualname__}"
        _handlers[:] = [h for h in _handlers if h.name != name]  # re-import replaces
        _handlers.append(Handler(name, exchange_setting, tuple(event_types), func))
        return func

    return register


def unregister(func: HandlerFunc) -> None:
    _handlers[:] = [h for h in _handlers if h.func is not func]


def registered() -> list[Handler]:
    return list(_handlers)


def handlers_for(exchange_setting: str, event_type: str) -> list[Handler]:
    return [h for h in _handlers if h.exchange == exchange_setting and event_type in h.event_types]


def apply_message(handler: Handler, envelope: dict[str, Any], message_id: str) -> Outcome:
    """Run ``handler`` once for ``message_id``: the processed id and the effect commit
    together, or neither does. Raises PermanentFailure for a message that cannot apply."""
    errors = schema_errors(envelope)
    if errors:
        raise PermanentFailure("; ".join(errors))
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    ProcessedMessage.objects.create(handler=handler.name[:100],
                                                    message_id=message_id[:100],
                                                    message_type=str(envelope["type"])[:60])
            except IntegrityError:
                return Outcome.DUPLICATE
            handler.func(envelope)
    except DomainError as exc:  # a business rule refused it: retrying will not help
        raise PermanentFailure(f"{exc.code}: {exc.message}") from exc
    return Outcome.APPLIED


def dispatch_in_process(exchange_setting: str, envelope: dict[str, Any]) -> None:
    """The embedded default (no broker): every handler of the event runs now, after the
    commit that recorded it. A failure is logged and does not reach the caller, whose
    change has committed already."""
    for handler in handlers_for(exchange_setting, envelope["type"]):
        try:
            apply_message(handler, envelope, envelope["id"])
        except Exception:
            log.exception("in-process handler %s failed on %s %s", handler.name,
                          envelope["type"], envelope["id"])
