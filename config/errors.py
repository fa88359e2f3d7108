"""Error answers of our own: the API's JSON error body under /api/, our translated templates everywhere else.

The handlers are named in config/urls.py (handler400/403/404/500). Django hands the templates the path and the
exception's text; ours show neither, nor does any JSON answer: paths can hold magic-link tokens, and messages can
hold what a person typed.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token
from rest_framework import exceptions

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(*, status: int, code: str, message: str) -> JsonResponse:
    """The body every API error has (config.api.exception_handler, ERROR_SCHEMA in the OpenAPI schema)."""
    return JsonResponse({"error": {"status": status, "code": code, "message": message}}, status=status)


def _api_answer(error: exceptions.APIException) -> JsonResponse:
    # DRF's own exceptions give the code and the message, translated by DRF's catalogue, as its views would.
    return api_error(status=error.status_code, code=error.default_code, message=str(error.detail))


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return _api_answer(exceptions.ParseError())
    return defaults.bad_request(request, exception)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return _api_answer(exceptions.PermissionDenied())
    return defaults.permission_denied(request, exception)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return _api_answer(exceptions.NotFound())
    return defaults.page_not_found(request, exception)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """Renders without a request context: the database, the session or the user may be what failed."""
    if is_api(request):
        return _api_answer(exceptions.APIException())
    return defaults.server_error(request)
