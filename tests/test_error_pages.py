"""Our own error pages (config/errors.py): the API's JSON error body under /api/, our templates in the visitor's
language elsewhere, never the exception's text; the 500 page needs neither a request context nor the database.

DEBUG is off here (pytest-django), so these are the pages people see in production.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext

import config.urls
from config import errors

Answer = Any  # the test client's response; django-stubs gives its type only a private name
SECRET = "sam@example.org"  # stands for anything personal an exception's message might carry


def explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"the database went away while saving {SECRET}")


def forbid(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(f"not for {SECRET}")


def hide(request: HttpRequest) -> HttpResponse:
    raise Http404(f"no participant {SECRET}")


def refuse(request: HttpRequest) -> HttpResponse:
    raise BadRequest(f"cannot read {SECRET}")


# This module is also the URLconf of the tests marked `urls`: the site's routes and handlers, plus views that fail.
FAILING = {"boom": explode, "forbidden": forbid, "missing": hide, "bad": refuse}
urlpatterns = [
    *(path(f"{prefix}{name}/", view) for prefix in ("", "api/") for name, view in FAILING.items()),
    *config.urls.urlpatterns,
]
handler400 = config.urls.handler400
handler403 = config.urls.handler403
handler404 = config.urls.handler404
handler500 = config.urls.handler500


def api_error(response: Answer, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == status
    assert SECRET not in response.content.decode()
    return dict(error)


def our_page(response: Answer, status: int, heading: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert SECRET not in page
    return page


@pytest.mark.django_db
def test_a_missing_api_path_is_a_json_404() -> None:
    assert api_error(Client().get("/api/v1/no-such-resource/"), 404)["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("chosen_by", ["browser", "cookie"])
def test_a_missing_page_is_our_404_in_the_visitors_language(chosen_by: str) -> None:
    with translation.override("es"):
        heading = gettext("Page not found")
    assert heading != "Page not found"
    client = Client(HTTP_ACCEPT_LANGUAGE="es") if chosen_by == "browser" else Client()
    if chosen_by == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"  # what the language switcher (/i18n/setlang/) sets
    page = our_page(client.get("/no-such-page-token-7f3a/"), 404, heading)
    assert '<html lang="es"' in page
    assert "token-7f3a" not in page  # paths can hold magic-link tokens: never echoed


@pytest.mark.django_db
@pytest.mark.urls("tests.test_error_pages")
def test_a_view_that_raises_gets_our_500_page_and_an_api_view_the_json_500() -> None:
    client = Client()
    client.raise_request_exception = False
    our_page(client.get("/boom/"), 500, "Server error")
    assert api_error(client.get("/api/boom/"), 500)["code"] == "error"


@pytest.mark.django_db
@pytest.mark.urls("tests.test_error_pages")
def test_forbidden_missing_and_bad_requests_get_our_pages_and_json_under_the_api() -> None:
    client = Client()
    our_page(client.get("/forbidden/"), 403, "You cannot open this page")
    our_page(client.get("/missing/"), 404, "Page not found")
    our_page(client.get("/bad/"), 400, "The request could not be read")
    assert api_error(client.get("/api/forbidden/"), 403)["code"] == "permission_denied"
    assert api_error(client.get("/api/missing/"), 404)["code"] == "not_found"
    assert api_error(client.get("/api/bad/"), 400)["code"] == "parse_error"


@pytest.mark.django_db
def test_a_request_for_another_host_gets_our_400_page() -> None:
    our_page(Client(HTTP_HOST="attacker.example").get("/"), 400, "The request could not be read")


def test_the_500_page_renders_without_a_request_context_or_the_database() -> None:
    # No `db` fixture: pytest-django makes any database query here an error.
    assert "<h1>Server error</h1>" in render_to_string("500.html")
    with translation.override("es"):
        response = errors.server_error(RequestFactory().get("/studies/"))
        heading = gettext("Server error")
    assert heading != "Server error"
    assert response.status_code == 500
    assert f"<h1>{heading}</h1>" in response.content.decode()
