from __future__ import annotations

import functools
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
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


# Seconds between two stamps of a token's last use: a write per request would serialize
# readers on one row.
STAMP_EVERY = 60


def user_for_token(raw: str) -> User | None:
    """The active user of an unrevoked token, or None. Runs on every API request: one raw
    statement (Django's compilation of the equivalent queryset costs three times as much
    CPU) whose rows still pass through the model's field converters (``raw``)."""
    cutoff = timezone.now() - timedelta(seconds=STAMP_EVERY)
    found = list(get_user_model().objects.raw(
        _token_user_sql(connection.vendor),
        [connection.ops.adapt_datetimefield_value(cutoff), hash_token(raw)]))
    if not found:
        return None
    user = found[0]
    # The raw statement's extra columns, taken off the user again.
    token_id, stale = vars(user).pop("token_id"), vars(user).pop("token_stale")
    if stale:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=timezone.now())
    return user


@functools.cache
def _token_user_sql(vendor: str) -> str:
    """The user's columns, the token's id and whether its last use needs stamping."""
    quote = connection.ops.quote_name
    user_model = get_user_model()
    users, tokens = quote(user_model._meta.db_table), quote(ApiToken._meta.db_table)
    columns = ", ".join(f"{users}.{quote(field.column)}"
                        for field in user_model._meta.concrete_fields)
    last_used = f"{tokens}.{quote('last_used_at')}"
    return (f"SELECT {columns}, {tokens}.{quote('id')} AS token_id, "
            f"({last_used} IS NULL OR {last_used} < %s) AS token_stale "
            f"FROM {tokens} JOIN {users} ON {users}.{quote('id')} = {tokens}.{quote('user_id')} "
            f"WHERE {tokens}.{quote('key_hash')} = %s AND {tokens}.{quote('revoked_at')} IS NULL "
            f"AND {users}.{quote('is_active')}")
