"""Create the demo login and demo study for a local run (idempotent; refused when DEBUG is off)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import User

DEMO_EMAIL = "demo@example.org"
DEMO_PASSWORD = "demo-password-local-only"  # noqa: S105 - a local demo login, refused when DEBUG is off
DEMO_SLUG = "llm-chatbots-mental-health"  # the slug in seeds/llm-chatbots-mental-health/study.yaml


class Command(BaseCommand):
    help = "Create the demo researcher login and the demo study (local runs only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--print-login", action="store_true", help="Only print the demo login.")

    def handle(self, *args: Any, print_login: bool = False, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("The demo login is for local runs only (DEBUG=1).")
        if print_login:
            self.stdout.write(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
            return
        with transaction.atomic():
            user, created = User.objects.get_or_create(email=DEMO_EMAIL, defaults={"display_name": "Demo researcher"})
            # load_demo_study alone creates the login without a usable password; give it the demo one here.
            if created or not user.has_usable_password():
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            # The demo login may create studies of its own (STUDY_CREATION=allowed is the default).
            if not user.can_create_studies:
                user.can_create_studies = True
                user.save(update_fields=["can_create_studies"])
        # The demo study itself (with the login above as its owner) comes from seeds/ (load_demo_study).
        call_command("load_demo_study", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write("Demo study and login are ready.")
