from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from wms_sales.common.errors import Conflict, NotFound, ValidationFailed

from .errors import AccountError
from .models import ApiToken, hash_token
from .roles import ADMIN, ROLES

TOKEN_PREFIX = "wms_"


@transaction.atomic
def create_user(*, username: str, role: str, password: str | None = None,
                email: str = "") -> User:
    if role not in ROLES:
        raise ValidationFailed(
            {"role": f"Unknown role {role!r}; choose one of {', '.join(ROLES)}."})
    if not username.strip():
        raise ValidationFailed({"username": "This field is required."})
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise Conflict(f"User {username!r} already exists.", code=AccountError.DUPLICATE_USERNAME)
    user = User(username=username, email=email, is_staff=role == ADMIN,
                is_superuser=role == ADMIN)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


@transaction.atomic
def issue_token(*, user: User, name: str = "") -> str:
    """Create an API token and return its raw value (the only time it is visible)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=raw[:10], key_hash=hash_token(raw))
    return raw


@transaction.atomic
def revoke_token(*, raw: str) -> None:
    updated = ApiToken.objects.filter(key_hash=hash_token(raw), revoked_at__isnull=True).update(
        revoked_at=timezone.now())
    if not updated:
        raise NotFound("No active token matches.", code=AccountError.TOKEN_NOT_FOUND)


def user_for_token(raw: str) -> User | None:
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
             .first())
    if token is None:
        return None
    now = timezone.now()
    # Stamp at most once a minute: a write per request would serialize readers on one row.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
