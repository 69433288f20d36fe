from __future__ import annotations

import functools
import json
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, transaction
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
    """The active user of an unrevoked token, or None. Runs on every API request: one
    statement, built once per database, reads the user, whether the token's last use needs
    stamping and the user's permissions (own and their roles'), which the permission checks
    of the request then take from the user instead of a query of their own."""
    read = _token_user_read(connection.alias)
    cutoff = timezone.now() - timedelta(seconds=STAMP_EVERY)
    with connection.cursor() as cursor:
        cursor.execute(read.sql, [connection.ops.adapt_datetimefield_value(cutoff),
                                  hash_token(raw)])
        row = cursor.fetchone()
    if row is None:
        return None
    user = read.user(row)
    token_id, stale, permissions = row[len(read.columns):]
    if not user.is_superuser:  # a superuser's checks pass without the set
        user._perm_cache = read.permission_names(permissions)  # type: ignore[attr-defined]
    if stale:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=timezone.now())
    return user


# A JSON array of [app_label, codename] pairs, per database (no length limit, unlike
# MySQL's GROUP_CONCAT).
_PAIRS = {"postgresql": "json_agg(json_build_array({}, {}))",
          "sqlite": "json_group_array(json_array({}, {}))",
          "mysql": "JSON_ARRAYAGG(JSON_ARRAY({}, {}))"}


class _TokenUserRead:
    """The token's statement on one database, and how its row becomes a user: the user's
    columns converted as Django's own read converts them (SQLite's and MySQL's booleans and
    times), then the token's id, whether it is stale and the permissions."""

    def __init__(self, alias: str) -> None:
        db = connections[alias]
        quote, user_model = db.ops.quote_name, get_user_model()
        meta = user_model._meta
        self.alias, self.model = alias, user_model
        self.columns = meta.concrete_fields
        self.attnames = [field.attname for field in self.columns]
        self.converters = [(index, converters, column) for index, field in enumerate(self.columns)
                           if (converters := [*db.ops.get_db_converters(
                               column := field.get_col(meta.db_table)),
                               *column.get_db_converters(db)])]
        users, tokens = quote(meta.db_table), quote(ApiToken._meta.db_table)
        permission, content_type = Permission._meta, ContentType._meta
        own = user_model.user_permissions.through._meta
        groups = user_model.groups.through._meta
        granted = Group.permissions.through._meta
        last_used = f"{tokens}.{quote('last_used_at')}"
        pairs = _PAIRS[db.vendor].format(f"ct.{quote('app_label')}", f"p.{quote('codename')}")
        self.sql = (
            f"SELECT {', '.join(f'{users}.{quote(field.column)}' for field in self.columns)}, "
            f"{tokens}.{quote('id')}, "
            f"({last_used} IS NULL OR {last_used} < %s), "
            f"(SELECT {pairs} FROM {quote(permission.db_table)} p "
            f"JOIN {quote(content_type.db_table)} ct ON ct.{quote('id')} = "
            f"p.{quote('content_type_id')} "
            f"WHERE p.{quote('id')} IN ("
            f"SELECT {quote('permission_id')} FROM {quote(own.db_table)} "
            f"WHERE {quote('user_id')} = {users}.{quote('id')} "
            f"UNION SELECT g.{quote('permission_id')} FROM {quote(granted.db_table)} g "
            f"JOIN {quote(groups.db_table)} ug ON ug.{quote('group_id')} = "
            f"g.{quote('group_id')} WHERE ug.{quote('user_id')} = {users}.{quote('id')})) "
            f"FROM {tokens} JOIN {users} ON {users}.{quote('id')} = {tokens}.{quote('user_id')} "
            f"WHERE {tokens}.{quote('key_hash')} = %s AND {tokens}.{quote('revoked_at')} IS NULL "
            f"AND {users}.{quote('is_active')}")

    def user(self, row: tuple[Any, ...]) -> User:
        values = list(row[:len(self.columns)])
        db = connections[self.alias]
        for index, converters, column in self.converters:
            for convert in converters:
                values[index] = convert(values[index], column, db)
        return self.model.from_db(self.alias, self.attnames, values)

    @staticmethod
    def permission_names(pairs: Any) -> set[str]:
        if isinstance(pairs, str | bytes):  # SQLite and MySQL give the JSON as text
            pairs = json.loads(pairs)
        return {f"{app_label}.{codename}" for app_label, codename in pairs or ()}


@functools.cache
def _token_user_read(alias: str) -> _TokenUserRead:
    return _TokenUserRead(alias)
