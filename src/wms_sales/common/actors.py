"""Who does something: a signed-in user, or the system itself (the CLI, the outbox relay, the
message consumers, the demo loader). Services take an ``Actor`` and stamp documents and their
history with the user it stands for, if any."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@dataclass(frozen=True)
class SystemActor:
    """The installation acting on its operator's authority (whoever may run the CLI may do
    what it does), so it holds every permission and is stamped as nobody."""

    name: str = "system"
    pk: None = None
    is_authenticated = False

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return True

    def get_username(self) -> str:
        return self.name


SYSTEM = SystemActor()

# ``None`` is accepted as the system too (the CLI and older callers pass it).
Actor: TypeAlias = "User | AnonymousUser | SystemActor | None"


def is_system(actor: Actor) -> bool:
    return actor is None or isinstance(actor, SystemActor)


def user_of(actor: Actor) -> User | None:
    """The user to stamp on a row (``created_by``, ``actor`` …): none for the system or an
    anonymous user."""
    return actor if getattr(actor, "pk", None) else None  # type: ignore[return-value]
