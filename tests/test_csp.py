"""Every response carries the Content-Security-Policy of the settings (django-csp's own middleware): pages signed
in or not, error pages and the API. No inline script or style is allowed, and no page may be framed."""

from __future__ import annotations

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY
from django.http import HttpResponseBase
from django.test import Client

from accounts.models import User
from studies.models import Study

pytestmark = pytest.mark.django_db

EXPECTED = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
}


def _directives(response: HttpResponseBase) -> set[str]:
    assert HEADER_REPORT_ONLY not in response  # nothing is only reported: the policy is enforced
    return {part.strip() for part in response[HEADER].split(";") if part.strip()}


def test_the_sign_in_page_carries_the_policy() -> None:
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert _directives(response) == EXPECTED


def test_a_signed_in_page_and_the_api_carry_the_policy(study: Study, owner: User) -> None:
    client = Client()
    client.force_login(owner)
    page = client.get(f"/studies/{study.slug}/")
    assert page.status_code == 200
    assert _directives(page) == EXPECTED
    api = client.get(f"/api/v1/studies/{study.slug}/transcripts/")
    assert api.status_code == 200
    assert _directives(api) == EXPECTED


def test_error_pages_carry_the_policy_too(owner: User) -> None:
    client = Client()
    client.force_login(owner)
    missing = client.get("/studies/no-such-study/")
    assert missing.status_code == 404
    assert _directives(missing) == EXPECTED


def test_no_directive_allows_inline_code_or_evaluated_strings() -> None:
    header = Client().get("/accounts/login/")[HEADER]
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
