"""Create the demo logins and demo study for a local run (idempotent; refused when DEBUG is off).

Every member of the demo team (owner, researcher, interviewer, two coders) gets the same local-only password, so a
visitor can sign in as each role and see what it sees. The address and the logins are printed and written to
VAR_DIR/demo-logins.txt, where they stay once the workers' output has scrolled them away.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import User
from studies.models import StudyMembership

DEMO_EMAIL = "demo@example.org"
DEMO_PASSWORD = "demo-password-local-only"  # noqa: S105 - local demo logins, refused when DEBUG is off
DEMO_SLUG = "llm-chatbots-mental-health"  # the slug in seeds/llm-chatbots-mental-health/study.yaml
ROLE_ORDER = ("owner", "researcher", "interviewer", "coder", "viewer")


def logins_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-logins.txt"


class Command(BaseCommand):
    help = "Create the demo logins (one per role) and the demo study (local runs only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--print-login", action="store_true", help="Only print the address and demo logins.")
        parser.add_argument(
            "--after",
            type=float,
            default=0.0,
            help="With --print-login: wait this many seconds first, then print and stay (a Procfile line that "
            "shows the logins once the other processes have started).",
        )

    def handle(self, *args: Any, print_login: bool = False, after: float = 0.0, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("The demo logins are for local runs only (DEBUG=1).")
        if print_login:
            time.sleep(max(after, 0.0))
            self.stdout.write(self._text())
            if after:
                self.stdout.flush()
                signal.pause()  # honcho stops every process when one ends: this one waits to be stopped
            return
        with transaction.atomic():
            user, _created = User.objects.get_or_create(email=DEMO_EMAIL, defaults={"display_name": "Demo researcher"})
            # The demo login may create studies of its own (STUDY_CREATION=allowed is the default).
            if not user.can_create_studies:
                user.can_create_studies = True
                user.save(update_fields=["can_create_studies"])
        # The demo study itself (with the login above as its owner) comes from seeds/ (load_demo_study).
        call_command("load_demo_study", stdout=self.stdout, stderr=self.stderr)
        self._give_passwords()
        text = self._text()
        logins_file().parent.mkdir(parents=True, exist_ok=True)
        logins_file().write_text(text + "\n", encoding="utf-8")
        self.stdout.write("Demo study and logins are ready.")

    def _team(self) -> list[StudyMembership]:
        members = StudyMembership.objects.filter(study__slug=DEMO_SLUG).select_related("user")
        return sorted(members, key=lambda m: (ROLE_ORDER.index(m.role), m.user.email))

    def _give_passwords(self) -> None:
        """The demo team's accounts (load_demo_study makes them without a usable password) get the demo one."""
        for membership in self._team():
            account = membership.user
            if not account.has_usable_password():
                account.set_password(DEMO_PASSWORD)
                account.save(update_fields=["password"])

    def _text(self) -> str:
        lines = [f"The platform: {settings.SITE_URL}/", f"Demo logins (password {DEMO_PASSWORD} for each):"]
        lines += [f"  {membership.role:<12}{membership.user.email}" for membership in self._team()]
        if len(lines) == 2:  # the study is not loaded yet
            lines.append(f"  {'owner':<12}{DEMO_EMAIL}")
        return "\n".join(lines)
