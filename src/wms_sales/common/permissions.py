"""Permission checks a service may need (no HTTP, no ninja): the API layer and the services
both call ``check_perm``."""

from typing import Any

from .errors import Forbidden


def check_perm(user: Any, *perms: str) -> None:
    """Raise ``Forbidden`` (403 ``permission_denied``) naming every permission the user lacks."""
    missing = [perm for perm in perms if not user.has_perm(perm)]
    if missing:
        raise Forbidden("You do not have permission to do this.",
                        details={"missing_permissions": missing})
