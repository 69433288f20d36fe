from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from wms_sales.accounts import services
from wms_sales.common.errors import DomainError


class Command(BaseCommand):
    help = "Issue a new API token for an existing user (printed on the last line), or revoke one."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")
        parser.add_argument("--name", default="")
        parser.add_argument("--revoke", metavar="TOKEN", help="revoke this token instead")

    def handle(self, *args, **opts):
        if opts["revoke"]:
            try:
                services.revoke_token(raw=opts["revoke"])
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write("Token revoked.")
            return
        user = get_user_model().objects.filter(username=opts["username"] or "").first()
        if user is None:
            raise CommandError(f"No user named {opts['username']!r}.")
        self.stdout.write(services.issue_token(user=user, name=opts["name"]))
