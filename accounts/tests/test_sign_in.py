"""Sign-in lockout by account and by IP address, and a password reset that reveals nothing."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def attempt(email: str, password: str, ip: str) -> int:
    response = Client(REMOTE_ADDR=ip).post(reverse("login"), {"username": email, "password": password})
    return response.status_code


def test_a_correct_password_signs_in() -> None:
    user = UserFactory()
    assert attempt(user.email, PASSWORD, "198.51.100.1") == 302


def test_an_account_is_locked_after_repeated_failures_from_any_address() -> None:
    user: User = UserFactory()
    # The fifth failure (LOGIN_FAILURE_LIMIT) is the one that locks.
    spellings = [user.email, user.email.upper(), f" {user.email}", user.email.title(), user.email]
    statuses = [attempt(email, "wrong password", f"198.51.100.{n + 10}") for n, email in enumerate(spellings)]
    assert statuses == [200, 200, 200, 200, 429]
    assert attempt(user.email, PASSWORD, "198.51.100.99") == 429


def test_an_address_is_locked_after_failures_on_many_accounts() -> None:
    for _ in range(5):
        attempt(UserFactory().email, "wrong password", "203.0.113.50")
    fresh = UserFactory()
    assert attempt(fresh.email, PASSWORD, "203.0.113.50") == 429
    assert attempt(fresh.email, PASSWORD, "203.0.113.51") == 302


def test_the_password_reset_says_the_same_for_known_and_unknown_addresses() -> None:
    known = UserFactory()
    url = reverse("accounts:password_reset")
    for email in (known.email, "nobody@example.org"):
        response = Client().post(url, {"email": email}, follow=True)
        assert response.status_code == 200
        assert "If an account uses that address" in response.content.decode()
    assert [message.to for message in mail.outbox] == [[known.email]]
