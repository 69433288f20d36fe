"""Conventions every router shares: auth, permission checks, list pagination."""


from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from .errors import Forbidden


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a hashed, revocable API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from wms_sales.accounts.services import user_for_token

        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class WebSessionAuth(SessionAuth):
    """The web UI's login session, with CSRF on unsafe methods. Without a logged-in session
    there is nothing to forge, so a request with neither token nor a valid session (no cookie,
    or a bogus or expired one) gets 401, not a CSRF 403."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES or not request.user.is_authenticated:
            return None
        return super()._get_key(request)


# Session auth lets the web UI call the same API.
API_AUTH = [BearerTokenAuth(), WebSessionAuth()]


def require_perm(*perms: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Reject the call with 403 unless the user holds every named permission."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            check_perm(request.user, *perms)
            return view(request, *args, **kwargs)

        # read by the role × operation test; a function attribute mypy cannot know of
        wrapper.required_perms = perms  # type: ignore[attr-defined]
        return wrapper

    return decorator


def check_perm(user: Any, *perms: str) -> None:
    missing = [perm for perm in perms if not user.has_perm(perm)]
    if missing:
        raise Forbidden("You do not have permission to do this.",
                        details={"missing_permissions": missing})
