"""python manage.py database_roles --app-role NAME: grant the application's role its rights."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from braintrial.audit.roles import RoleError, app_role_grant


class Command(BaseCommand):
    help = (
        "Run as the tables' owner (after migrate): let the role the web and worker processes "
        "connect as read and write every table, and only read and add to the audit log. "
        "Refuses a role that is a superuser or owns anything."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--app-role",
            default=settings.DATABASE_APP_ROLE,
            help="The application's role (default: DATABASE_APP_ROLE).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["app_role"]
        if not role:
            raise CommandError("Name the application's role: --app-role or DATABASE_APP_ROLE.")
        try:
            app_role_grant(role=role)
        except RoleError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{role}: every table; the audit log only to read and add to.")
