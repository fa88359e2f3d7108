"""REST API plumbing shared by every app: error bodies, per-token throttling, the /api/v1/ router."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken


def _fields_of(detail: Any) -> dict[str, Any] | None:
    return detail if isinstance(detail, dict) else None


def exception_handler(error: Exception, context: dict[str, Any]) -> Response | None:
    """Every error body has the same shape: {"error": {"status", "code", "message", "fields"?}}."""
    # Imported here: rest_framework.views reads the API settings, which name classes of this module, so a
    # module-level import makes a cycle when this module is the first to be imported (celery beat does).
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(error, Http404):
        error = exceptions.NotFound()
    elif isinstance(error, PermissionDenied):
        error = exceptions.PermissionDenied()
    response = drf_exception_handler(error, context)
    if response is None or not isinstance(error, exceptions.APIException):
        return response
    fields = _fields_of(error.detail)
    body: dict[str, Any] = {
        "status": response.status_code,
        "code": error.default_code if fields else getattr(error.detail, "code", error.default_code),
        "message": "The request has invalid fields." if fields else str(error.detail),
    }
    if fields:
        body["fields"] = fields
    response.data = {"error": body}
    return response


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per API token (each token its own bucket); session users fall back to their user id."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class StableCursorPagination(CursorPagination):
    """Cursor pagination over the primary key: stable under inserts, fine for incremental sync."""

    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int | None:
        # A bad page_size is the caller's mistake to hear about, not something to ignore silently.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise exceptions.ValidationError({"page_size": [f"Give a whole number from 1 to {self.max_page_size}."]})
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True},
            },
        }
    },
}
ERROR_RESPONSES = {
    "400": "The request is invalid; `fields` says which fields and why.",
    "401": "No valid credentials.",
    "403": "Signed in, but this role or token may not do this.",
    "404": "Not found, or not visible to the caller.",
    "429": "Too many requests for this token.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular hook: every operation documents the shared error body for each error status."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status_code, description in ERROR_RESPONSES.items():
                responses.setdefault(
                    status_code, {"description": description, "content": {"application/json": {"schema": reference}}}
                )
    return result
