"""Every route of the platform, walked with a password-only session: each one answers with a redirect to the
second factor (or a JSON refusal under /api/), except the few that signing in itself needs and the participants'
own pages. The walk reads the URL configuration, so a route added later is walked too: if it opens without the
second factor, this test fails until it is held or knowingly added to `OPEN` with its reason."""

from __future__ import annotations

import re
from collections.abc import Iterator
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken, User
from studies.models import Study
from studies.tests.factories import InterviewFactory, ParticipantFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_two_factor_roles")]

# Views a password-only session may reach, each with its reason.
OPEN = {
    "login": "signing in",
    "logout": "signing out",
    "healthz": "the load balancer's probe; says nothing about any account",
    "set_language": "choosing the page language",
    "accounts:two_factor_verify": "the second step itself",
    "accounts:password_reset": "reset by e-mail: the link in the mailbox is the proof",
    "accounts:password_reset_done": "reset by e-mail",
    "accounts:password_reset_confirm": "reset by e-mail",
    "accounts:password_reset_complete": "reset by e-mail",
}
# Participants' pages (screening and portal; the portal's voice interview and member checking): a magic link is
# the credential, never a team account.
OPEN_NAMESPACES = ("participate", "voice", "checking")
GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>")


def route_patterns(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from route_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def concrete_path(pattern: str, values: dict[str, str]) -> str:
    """A request path for `pattern` (route converters and regular-expression groups alike) with real values."""
    path = GROUP.sub(lambda group: values.get(group[1] or group[2], "1"), pattern)
    path = path.replace("^", "").replace("$", "").replace("/?", "/").replace("\\.", ".")
    return "/" + path


@pytest.fixture
def values(study: Study, owner: User) -> dict[str, str]:
    participant = ParticipantFactory(study=study)
    interview = InterviewFactory(participant=participant)
    token = ApiToken.objects.create(user=owner, name="walk", prefix="walkprefix", key_hash="0" * 64)
    return {
        "slug": study.slug,
        "code": participant.code,
        "pseudonym": participant.code,
        "interview_id": str(interview.pk),
        "pk": str(interview.pk),
        "prefix": token.prefix,
        "guid": str(uuid4()),
        "upload_id": str(uuid4()),
        "app_label": "studies",
        "format": "json",
        "fmt": "csv",
        "panel": "funnel",
        "uidb64": "MQ",
        "token": "set-password",
        "url": "anything/",
    }


def all_paths(values: dict[str, str]) -> list[str]:
    paths = sorted({concrete_path(pattern, values) for pattern in route_patterns(get_resolver().url_patterns)})
    assert len(paths) > 200  # the walk found the whole platform, admin included
    return paths


def is_open(path: str) -> bool:
    match = resolve(path)
    return match.view_name in OPEN or any(namespace in match.namespaces for namespace in OPEN_NAMESPACES)


def assert_held(client: Client, path: str, step: str) -> None:
    for method in ("GET", "POST"):
        response = client.generic(method, path)
        where = f"{method} {path}"
        if path.startswith("/api/"):
            assert response.status_code == 403, where
            assert response.json()["detail"] == "Two-factor verification is required.", where
        else:
            assert response.status_code == 302, where
            assert response["Location"].startswith(reverse(step) + "?next="), where


def test_every_route_holds_a_password_only_session_with_an_authenticator(values: dict[str, str], owner: User) -> None:
    TOTPDevice.objects.create(user=owner, name="phone", confirmed=True)
    client = Client()
    client.force_login(owner)
    held = [path for path in all_paths(values) if not is_open(path)]
    assert "/accounts/tokens/" in held
    assert "/accounts/two-factor/setup/" in held
    for path in held:
        assert_held(client, path, "accounts:two_factor_verify")


def test_every_route_but_enrolment_holds_an_owner_without_an_authenticator(values: dict[str, str], owner: User) -> None:
    client = Client()
    client.force_login(owner)
    setup = reverse("accounts:two_factor_setup")
    for path in all_paths(values):
        if not is_open(path) and path != setup:
            assert_held(client, path, "accounts:two_factor_setup")
    assert client.get(setup).status_code == 200


def test_the_open_routes_are_only_the_listed_ones(values: dict[str, str]) -> None:
    open_views = {resolve(path).view_name for path in all_paths(values) if is_open(path)}
    assert set(OPEN) <= open_views
    assert set(OPEN_NAMESPACES) <= {view.split(":")[0] for view in open_views}  # none listed for nothing
    assert all(view in OPEN or view.split(":")[0] in OPEN_NAMESPACES for view in open_views)
