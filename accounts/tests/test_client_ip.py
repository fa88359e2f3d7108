"""Client addresses behind reverse proxies: one attacker behind the campus proxy locks out only themselves."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.audit import record_event
from accounts.tests.factories import UserFactory
from config.client_ip import client_ip

PROXY = "10.0.0.5"


def address(forwarded: str | None) -> str | None:
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(request)


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(settings: SettingsWrapper) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    assert address("203.0.113.9") == PROXY


def test_behind_trusted_proxies_the_address_is_read_from_the_right(settings: SettingsWrapper) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    assert address("203.0.113.9") == "203.0.113.9"
    assert address("6.6.6.6, 203.0.113.9") == "203.0.113.9"  # the left part was written by the client
    assert address(None) == PROXY  # a proxy that added nothing: nothing to trust
    settings.TRUSTED_PROXY_COUNT = 2
    assert address("6.6.6.6, 203.0.113.9, 198.51.100.2") == "203.0.113.9"


@pytest.mark.django_db
def test_an_address_locked_behind_the_proxy_does_not_lock_its_neighbours(settings: SettingsWrapper) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    def attempt(email: str, password: str, forwarded: str) -> int:
        client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
        return client.post(reverse("login"), {"username": email, "password": password}).status_code

    for _ in range(5):
        attempt(UserFactory().email, "wrong password", "203.0.113.50")
    fresh = UserFactory()
    assert attempt(fresh.email, "correct horse battery staple", "203.0.113.50") == 429
    assert attempt(fresh.email, "correct horse battery staple", "203.0.113.51") == 302


@pytest.mark.django_db
def test_the_audit_log_records_the_address_behind_the_proxy(settings: SettingsWrapper) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY)
    request.META["HTTP_X_FORWARDED_FOR"] = "6.6.6.6, 203.0.113.77"
    request.user = UserFactory()
    assert record_event(action="test.viewed", request=request).ip_address == "203.0.113.77"
