"""python manage.py demo_setup: a demo study and a researcher account, for the quick start.

It lives with the published data because the demo draws from the published bank and lets the
researcher read the published study: the studies app below knows nothing of either.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction

from braintrial.brainbench.names import STUDY_SLUG
from braintrial.items.models import Item
from braintrial.studies.models import Study

DEMO_SLUG = "demo"
DEMO_TITLE = "BrainBench demo study"
RESEARCHER = "researcher"
DEMO_CONTACT = "researcher@localhost"
ADMIN = "admin"
# The demo researcher sets studies up in the dashboard (create, change settings and items).
RESEARCHER_PERMISSIONS = ("add_study", "change_study")


class Command(BaseCommand):
    help = (
        "Create (once) the study 'demo' and the researcher account 'researcher', and print the "
        "participant link and the login; the researcher may also read the published study "
        f"'{STUDY_SLUG}' once import_published_trials has made it, and set studies up in the "
        "dashboard; also the administrator 'admin'. Running it again "
        "changes nothing unless --reset-password is given."
    )

    @staticmethod
    def _options_check(*, password: str | None, contact: str) -> None:
        """Refuse a weak password or a malformed contact before anything is created."""
        if password is not None:
            try:
                validate_password(password)
            except ValidationError as exc:
                raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        try:
            validate_email(contact)
        except ValidationError as exc:
            raise CommandError(f"Contact address refused: {contact!r}") from exc

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Host in the printed links.")
        parser.add_argument("--port", type=int, default=8000, help="Port in the printed links.")
        parser.add_argument(
            "--password", help="Password for a new researcher (default: a random one, printed)."
        )
        parser.add_argument(
            "--contact",
            default=DEMO_CONTACT,
            help="Contact address of a new demo study, named on its landing page and privacy "
            f"notice (default: {DEMO_CONTACT}, a mailbox on this computer).",
        )
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="Set a new password (given or random) if the researcher already exists.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password: str | None = options["password"]
        self._options_check(password=password, contact=options["contact"])
        with transaction.atomic():
            study, study_created = Study.objects.get_or_create(
                slug=DEMO_SLUG,
                defaults={
                    "title": DEMO_TITLE,
                    "is_open": True,
                    # The published bank has rows flagged as defective (a garbled abstract):
                    # participants of the demo never see them.
                    "skip_flagged_items": True,
                    # The demo shows what participants can be shown: the score, and the
                    # models beside it (totals only, so that the demo leaks no answer key).
                    "debrief_detail": Study.DebriefDetail.SCORE,
                    "show_model_comparison": True,
                    # Random per study: a code that cannot be guessed from another study's.
                    "completion_code": secrets.token_hex(4).upper(),
                    # Participants are told whom to ask, and to whom a lost reference goes.
                    "contact_email": options["contact"],
                },
            )
            user, user_created = get_user_model().objects.get_or_create(username=RESEARCHER)
            new_password = None
            if user_created or options["reset_password"]:
                new_password = password or secrets.token_urlsafe(12)
                user.set_password(new_password)
                user.save(update_fields=["password"])
            study.researchers.add(user)
            user.user_permissions.add(
                *Permission.objects.filter(
                    content_type__app_label="studies", codename__in=RESEARCHER_PERMISSIONS
                )
            )
            admin_password = self._admin_ensure(reset=options["reset_password"])
            # The study import_published_trials creates; the demo researcher may read it too.
            published = Study.objects.filter(slug=STUDY_SLUG).first()
            if published is not None:
                published.researchers.add(user)

        base = f"http://{options['host']}:{options['port']}"
        self.stdout.write(
            f"Study '{study.slug}' ({study.title}): {'created' if study_created else 'exists'}, "
            f"{'open' if study.is_open else 'closed'}, completion code {study.completion_code}"
        )
        self.stdout.write(f"Participant link:  {base}/s/{study.slug}/")
        self.stdout.write(f"Researcher login:  {base}/accounts/login/")
        if published is not None:
            self.stdout.write(f"Published data:    {base}/dashboard/{published.slug}/")
        if new_password is not None:
            self.stdout.write(f"  user {RESEARCHER}, password {new_password}")
            if password is None:
                self.stdout.write("  (shown once: note it down)")
        else:
            self.stdout.write(
                f"  user {RESEARCHER}, existing password kept (--reset-password sets a new one)"
            )
        self.stdout.write(f"Admin login:       {base}/admin/")
        if admin_password is not None:
            self.stdout.write(f"  user {ADMIN}, password {admin_password}")
        else:
            self.stdout.write(
                f"  user {ADMIN}, existing password kept (--reset-password sets a new one)"
            )
        if not Item.objects.filter(bank=study.bank, kind=Item.Kind.TEST).exists():
            self.stdout.write(
                self.style.WARNING(
                    f"The item bank '{study.bank}' is empty: run 'python manage.py "
                    "import_brainbench' before participants arrive."
                )
            )

    def _admin_ensure(self, *, reset: bool) -> str | None:
        """Create the superuser ``admin`` once, always with a random password (--password is
        the researcher's); its new password, None if it was kept."""
        admin, created = get_user_model().objects.get_or_create(
            username=ADMIN, defaults={"is_staff": True, "is_superuser": True}
        )
        if not created and not reset:
            return None
        new_password = secrets.token_urlsafe(12)
        admin.set_password(new_password)
        admin.save(update_fields=["password"])
        return new_password
