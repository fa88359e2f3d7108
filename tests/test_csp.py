"""The CSP middleware (config.middleware) sets the header django-csp's own middleware sets, in every case.

Each case runs one request factory's request and one response through both middlewares and compares the headers;
the plain case also through the whole stack (a page and the API).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.models import User
from config.middleware import CSPMiddleware
from studies.models import Study


def _directives(header: str | None) -> set[str]:
    return {part.strip() for part in (header or "").split(";") if part.strip()}


Headers = tuple[set[str], set[str]]


def _both(
    prepare: Callable[[HttpRequest, HttpResponse], object] = lambda request, response: None, status: int = 200
) -> list[Headers]:
    """The (enforced, report-only) headers from ours and from django-csp's, for the same kind of request."""
    results = []
    for middleware_class in (CSPMiddleware, DjangoCSPMiddleware):
        middleware = middleware_class(lambda request: HttpResponse())
        request, response = RequestFactory().get("/studies/"), HttpResponse(status=status)
        middleware.process_request(request)
        prepare(request, response)
        middleware.process_response(request, response)
        results.append((_directives(response.get(HEADER)), _directives(response.get(HEADER_REPORT_ONLY))))
    return results


def test_a_plain_response_gets_the_settings_policy() -> None:
    ours, theirs = _both()
    assert ours == theirs
    assert "default-src 'self'" in ours[0]
    assert "frame-ancestors 'none'" in ours[0]


@pytest.mark.parametrize(
    "prepare",
    [
        lambda request, response: str(request.csp_nonce),  # the page used a nonce
        lambda request, response: setattr(response, "_csp_update", {"img-src": ["https://tiles.example.org"]}),
        lambda request, response: setattr(response, "_csp_replace", {"script-src": ["'none'"]}),
        lambda request, response: setattr(response, "_csp_exempt", True),
        lambda request, response: response.__setitem__(HEADER, "default-src 'none'"),
    ],
    ids=["nonce", "update", "replace", "exempt", "header-already-set"],
)
def test_a_response_with_its_own_policy_gets_what_django_csp_gives(
    prepare: Callable[[HttpRequest, HttpResponse], object],
) -> None:
    ours, theirs = _both(prepare)
    assert ours == theirs


def test_settings_changed_by_a_test_are_followed(settings: SettingsWrapper) -> None:
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    ours, theirs = _both()
    assert ours == theirs == ({"default-src 'none'"}, set())
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    ours, theirs = _both()
    assert ours == theirs
    assert ours[0] == {"default-src 'none'"}
    assert "img-src 'self'" in ours[1]
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = None
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"]}, "EXCLUDE_URL_PREFIXES": ["/studies"]}
    ours, theirs = _both()
    assert ours == theirs == (set(), set())


def test_debug_error_pages_are_left_alone_as_django_csp_leaves_them(settings: SettingsWrapper) -> None:
    settings.DEBUG = True
    for status in (404, 500, 200):
        ours, theirs = _both(status=status)
        assert ours == theirs
        assert bool(ours[0]) is (status == 200)


def test_a_nonce_asked_for_after_the_header_was_written_raises() -> None:
    middleware = CSPMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/")
    middleware.process_request(request)
    middleware.process_response(request, HttpResponse())
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_pages_and_the_api_carry_the_policy(study: Study, owner: User) -> None:
    expected = _both()[1][0]  # django-csp's
    assert _directives(Client().get("/accounts/login/")[HEADER]) == expected
    client = Client()
    client.force_login(owner)
    assert _directives(client.get(f"/api/v1/studies/{study.slug}/transcripts/")[HEADER]) == expected
