"""How the API authenticates a request: a bearer token of this app, or the web UI's session."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from .services import user_for_token


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a hashed, revocable API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
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
