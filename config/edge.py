"""Text that PostgreSQL cannot store is refused at the edge, once, before any view sees it.

A text column cannot hold U+0000, and a lone surrogate (U+D800 to U+DFFF) is not UTF-8, so either one reaching
a query or a row is a server error, in whichever view happens to store it. Form fields and query strings are
decoded by Django with replacement characters, so they can carry NUL but never a surrogate; JSON can carry both
(`"\\u0000"`, `"\\ud800"` parse in Python). Binary bodies (upload chunks, voice answers) and multipart file parts
are never read here: only the path, the query string, form fields and JSON, keys included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from config.errors import api_error, is_api

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
REFUSAL = _(
    "The text sent contains a character that cannot be saved, such as a null character. Remove it and try again."
)


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _json_texts(value: Any) -> Iterable[str]:
    """Every string in a parsed JSON document, keys included; a loop, not recursion, so nesting depth is free."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            yield from item.keys()
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _request_texts(request: HttpRequest) -> Iterable[str]:
    yield request.path_info
    for key, values in request.GET.lists():
        yield key
        yield from values
    if request.method == "POST" and request.content_type in FORM_TYPES:
        # Parsing a multipart body consumes the stream, after which a view that reads request.body (a JSON endpoint
        # sent a form by mistake) would fail; reading a small body first keeps it, and request.POST parses that
        # copy. A large multipart body (a file upload) is parsed as a stream, as its view does.
        if int(request.META.get("CONTENT_LENGTH") or 0) <= (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0):
            _ = request.body
        # request.POST holds the fields only; file parts go to request.FILES and are not read here.
        for key, values in request.POST.lists():
            yield key
            yield from values
    elif _is_json(request.content_type or ""):
        try:
            document = json.loads(request.body)
        except (ValueError, RecursionError):
            return  # not JSON (or absurdly deep): the view refuses it in its own words
        yield from _json_texts(document)


def _refusal(request: HttpRequest) -> HttpResponse:
    message = str(REFUSAL)  # in the language LocaleMiddleware chose
    if is_api(request):
        return api_error(status=400, code="invalid_character", message=message)
    if _is_json(request.content_type or "") or request.get_preferred_type(["text/html", "application/json"]) == (
        "application/json"
    ):
        # The site's own JSON endpoints answer {"error": message}, which their scripts show as it is.
        return JsonResponse({"error": message}, status=400)
    return HttpResponseBadRequest(render_to_string("400.html", {"reason": message}, request=request))


class UnstorableTextMiddleware:
    """Answers 400 to a request whose path, query, form fields or JSON hold NUL or a lone surrogate."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(UNSTORABLE.search(text) for text in _request_texts(request)):
            return _refusal(request)
        return self.get_response(request)
