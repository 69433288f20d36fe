from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from wms_sales.accounts import services
from wms_sales.accounts.roles import ROLES
from wms_sales.common.errors import DomainError


class Command(BaseCommand):
    help = "Create a user with a role; --token prints a new API token on the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=ROLES)
        parser.add_argument("--password", default=None,
                            help="password for the web UI (omit for an API-only user)")
        parser.add_argument("--email", default="")
        parser.add_argument("--token", action="store_true", help="issue an API token")

    def handle(self, *args, **opts):
        try:
            user = services.create_user(username=opts["username"], role=opts["role"],
                                        password=opts["password"], email=opts["email"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Created user {user.username} with role {opts['role']}.")
        if opts["token"]:
            self.stdout.write(services.issue_token(user=user, name="createuser"))
