"""Conventions every router shares: the permission decorator of an operation."""


from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest

from .permissions import check_perm


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
