"""`manage.py create_operator`: the first account that may create studies, a one-time link to its password (or a
password from standard input), and taking the right away again."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from accounts.models import AuditEntry, User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a long and unusual passphrase 7"


def run(*args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> str:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("create_operator", *args, stdout=out)
    return out.getvalue()


def test_it_creates_the_account_and_prints_a_one_time_link_to_choose_the_password(settings: Any) -> None:
    settings.SITE_URL = "https://research.example.org"
    output = run("Lead@Example.org", "--display-name", "Study lead")
    user = User.objects.get()
    assert (user.email, user.display_name, user.can_create_studies) == ("lead@example.org", "Study lead", True)
    assert not user.has_usable_password()
    link = output.strip().splitlines()[-1]
    assert link.startswith("https://research.example.org/accounts/password-reset/")
    path = link.removeprefix("https://research.example.org")
    client = Client()
    form = client.get(path, follow=True)
    assert form.status_code == 200
    done = client.post(form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert Client().get(path, follow=True).context["validlink"] is False  # the link works once
    entry = AuditEntry.objects.get(action="account.study_creation_granted")
    assert (entry.actor_label, entry.target_id, entry.detail) == ("manage.py", str(user.pk), {})


def test_a_password_from_standard_input_is_checked_set_and_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    output = run("ops@example.org", "--password-stdin", stdin=f"{PASSWORD}\n", monkeypatch=monkeypatch)
    user = User.objects.get()
    assert user.check_password(PASSWORD)
    assert PASSWORD not in output
    assert "password-reset" not in output
    with pytest.raises(CommandError, match="too short"):
        run("weak@example.org", "--password-stdin", stdin="abc\n", monkeypatch=monkeypatch)
    assert not User.objects.filter(email="weak@example.org").exists()  # nothing half-made


def test_an_existing_account_keeps_its_password_and_gains_the_right() -> None:
    user = UserFactory(email="member@example.org")
    output = run("member@example.org")
    user.refresh_from_db()
    assert user.can_create_studies
    assert user.check_password("correct horse battery staple")
    assert "password-reset" not in output
    assert User.objects.count() == 1


def test_revoke_takes_the_right_away_and_leaves_the_account() -> None:
    UserFactory(email="member@example.org", can_create_studies=True)
    output = run("member@example.org", "--revoke")
    assert "may no longer create studies" in output
    assert User.objects.get().can_create_studies is False
    assert AuditEntry.objects.filter(action="account.study_creation_revoked").count() == 1
    with pytest.raises(CommandError, match="No account has the address"):
        run("nobody@example.org", "--revoke")


def test_an_invalid_address_is_refused() -> None:
    with pytest.raises(CommandError, match="valid e-mail"):
        run("not-an-address")
    assert not User.objects.exists()
