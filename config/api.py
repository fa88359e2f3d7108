"""REST API plumbing shared by every app: error bodies, per-token throttling, the /api/v1/ router."""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError
from rest_framework import exceptions
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from config.redis_client import redis_client

logger = logging.getLogger(__name__)


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
    if isinstance(error, ServiceUnavailable):
        response["Retry-After"] = str(error.retry_after_seconds)
    return response


class FastJSONRenderer(JSONRenderer):
    """DRF's JSON renderer, encoded by orjson: the same compact UTF-8 bytes several times faster (the standard
    library's encoder was the largest single cost of a list page after the database).

    Dates, times, decimals, lazy translations and the rest go through DRF's own encoder (`OPT_PASSTHROUGH_*`), so
    they read exactly as before. Indented output (`Accept: application/json; indent=4`, the browsable API) and
    anything orjson refuses (an integer beyond 64 bits, say) fall back to DRF's renderer. One difference: NaN and
    infinity become null (valid JSON) where DRF's strict mode raised a server error.
    """

    OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}) is None:
            try:
                encoded = orjson.dumps(data, default=self.encoder_class().default, option=self.OPTIONS)
            except orjson.JSONEncodeError:
                pass
            else:
                # As DRF does: U+2028 and U+2029 escaped, so the JSON is also valid JavaScript.
                if b"\xe2\x80\xa8" in encoded or b"\xe2\x80\xa9" in encoded:
                    encoded = encoded.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
                return encoded
        return super().render(data, accepted_media_type, renderer_context)


class ServiceUnavailable(exceptions.APIException):
    """A dependency of every request (Redis, for the throttle's count) is down or frozen: a clear 503 with
    Retry-After instead of a server error, and nothing half-done (the count comes before the view)."""

    status_code = 503
    default_detail = _("A service the API needs is unavailable for a moment. Try again shortly.")
    default_code = "unavailable"
    retry_after_seconds = 30


class TokenRateThrottle(BaseThrottle):
    """Requests per API token (each token its own bucket); session users fall back to their user id.

    A sliding-window counter: two fixed-window counts, the previous one weighted by how much of it still lies in
    the sliding window. Constant work per request (DRF's SimpleRateThrottle re-reads and re-writes a list of every
    request's time, up to the whole limit, on each call); with Redis it is one round trip. Refused requests are
    not counted.
    """

    scope = "token"
    clock = staticmethod(time.time)

    def __init__(self) -> None:
        self.limit, self.period = parse_rate(str(api_settings.DEFAULT_THROTTLE_RATES[self.scope]))
        self.retry_after: float | None = None

    def ident(self, request: Request) -> str:
        # A session request has no auth object; a token request's is its token (accounts.tokens), a saved row.
        token_id = getattr(request.auth, "pk", None)
        if token_id is not None:
            return f"token-{token_id}"
        if request.user and request.user.is_authenticated:
            return f"user-{request.user.pk}"
        return f"ip-{self.get_ident(request)}"

    def allow_request(self, request: Request, view: Any) -> bool:
        window, into = divmod(self.clock(), self.period)
        base = f"throttle:{self.scope}:{self.ident(request)}:"
        current, previous = cache.make_key(f"{base}{int(window)}"), cache.make_key(f"{base}{int(window) - 1}")
        try:
            count, earlier = _count_request(current, previous, self.period)
        except RedisError as error:
            logger.warning("API throttle: Redis unavailable (%s); answering 503", type(error).__name__)
            raise ServiceUnavailable from error
        weight = 1 - into / self.period
        if earlier * weight + count <= self.limit:
            return True
        _uncount_request(current)
        self.retry_after = self._seconds_until_allowed(count - 1, earlier, into)
        return False

    def _seconds_until_allowed(self, count: int, earlier: int, into: float) -> float:
        """When the estimate leaves room for one more request: earlier * weight + count <= limit - 1."""
        room = self.limit - 1
        if count <= room:  # the previous window has to slide out far enough
            wait = (1 - into / self.period - room_share(room - count, earlier)) * self.period
        else:  # this window alone is full: wait for the next one, and for this one to slide out far enough there
            wait = (self.period - into) + (1 - room_share(room, count)) * self.period
        return max(1.0, wait)

    def wait(self) -> float | None:
        return self.retry_after


def parse_rate(rate: str) -> tuple[int, int]:
    """A DRF rate such as 3000/hour as (requests, seconds): (3000, 3600)."""
    count, _, unit = rate.partition("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit[:1]]


def room_share(room: int, count: int) -> float:
    return min(1.0, room / count) if count else 1.0


def _count_request(current: str, previous: str, period: int) -> tuple[int, int]:
    """Add one to this window's count; return it and the previous window's count."""
    if settings.REDIS_URL:
        pipe = redis_client().pipeline(transaction=False)
        pipe.incr(current).expire(current, 2 * period).get(previous)
        count, _, earlier = pipe.execute()
        return int(count), int(earlier or 0)
    if not cache.add(current, 1, timeout=2 * period):
        cache.incr(current)
    counts = cache.get_many([current, previous])
    return int(counts.get(current, 1)), int(counts.get(previous, 0))


def _uncount_request(current: str) -> None:
    if settings.REDIS_URL:
        redis_client().decr(current)
    else:
        cache.decr(current)


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

    def decode_cursor(self, request: Request) -> Cursor | None:
        # Every ordering here is a whole-number key: a cursor holding anything else was not made by us (forged or
        # damaged) and is as invalid as one that does not decode, instead of a database error about its type.
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and not _whole_number(str(cursor.position)):
            raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


def _whole_number(text: str) -> bool:
    digits = text.removeprefix("-")
    return digits.isascii() and digits.isdigit() and len(digits) < 20


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
