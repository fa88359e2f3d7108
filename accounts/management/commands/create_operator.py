"""Let an account create studies (STUDY_CREATION=allowed), creating the account first when there is none.

    manage.py create_operator EMAIL [--display-name NAME] [--password-stdin]
    manage.py create_operator EMAIL --revoke

A new account (or one without a password) gets a one-time link to choose its password, printed here, on this
terminal only: it is never logged or e-mailed, and it dies once used or after PASSWORD_RESET_TIMEOUT. With
--password-stdin the password is read from standard input instead (for scripts: `... < secret-file`), checked
against the password rules, and nothing secret is printed. An existing password is replaced only with
--password-stdin. Every grant and revocation is in the audit trail.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.audit import record_event
from accounts.models import User


class Command(BaseCommand):
    help = "Allow an account to create studies (creating it if needed), or --revoke that right."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The account's e-mail address (its login).")
        parser.add_argument("--display-name", default=None, help="The name shown to the team.")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the account's password from standard input."
        )
        parser.add_argument("--revoke", action="store_true", help="Take the right to create studies away.")

    def handle(self, *args: Any, **options: Any) -> None:
        email = str(options["email"]).strip().lower()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError("Give a valid e-mail address.") from error
        if options["revoke"]:
            self._revoke(email)
            return
        password = _read_password() if options["password_stdin"] else None
        user, created = self._grant(email, options["display_name"], password)
        self.stdout.write(f"{'Created' if created else 'Updated'} {email}: it may now create studies.")
        if not user.has_usable_password():
            self.stdout.write("Choose the password at this one-time link (shown only here):")
            self.stdout.write(password_link(user))

    @transaction.atomic
    def _grant(self, email: str, display_name: str | None, password: str | None) -> tuple[User, bool]:
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        created = user is None
        if user is None:
            user = User.objects.create_user(email, password=None)
        if display_name is not None:
            user.display_name = display_name.strip()
        if password is not None:
            try:
                validate_password(password, user=user)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            user.set_password(password)
        user.can_create_studies = True
        user.save()
        record_event(action="account.study_creation_granted", actor_label="manage.py", target=user)
        return user, created

    @transaction.atomic
    def _revoke(self, email: str) -> None:
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No account has the address {email}.")
        user.can_create_studies = False
        user.save(update_fields=["can_create_studies"])
        record_event(action="account.study_creation_revoked", actor_label="manage.py", target=user)
        self.stdout.write(f"{email} may no longer create studies (its studies and roles stay).")


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandError("No password on standard input.")
    return password


def password_link(user: User) -> str:
    """The password-reset page for `user`, valid once (the token depends on the password it replaces)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("accounts:password_reset_confirm", args=[uid, token])
