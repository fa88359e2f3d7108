"""django-csp's middleware, with the header of a plain response built once per process.

django-csp builds the enforced and the report-only policy from the settings for every response, copying its
dataclasses deeply on the way: 4% of an API list request. A response that brings no policy of its own (no
`@csp`, `@csp_update`, `@csp_replace` or `@csp_exempt` decorator) and whose page used no nonce gets exactly the
header the settings alone give, so that string is built once and kept (and dropped when a test changes a
setting). With a report-only policy or excluded URL prefixes configured, a nonce, a decorator or a header already
set, django-csp does all the work itself, as before.
"""

from __future__ import annotations

import http.client
from functools import cache
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

# What a response carries when a django-csp decorator gave it a policy of its own or exempted it.
OWN_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt",
    "_csp_exempt_ro",
)
DEBUG_EXEMPT = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)  # django-csp leaves Django's debug pages


@cache
def _settings_policy() -> str | None:
    """The enforced policy from the settings alone, or None when only django-csp itself can answer."""
    if getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None):
        return None
    if (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("EXCLUDE_URL_PREFIXES"):
        return None
    return build_policy()


@receiver(setting_changed)
def _forget_policy(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _settings_policy.cache_clear()


class CSPMiddleware(DjangoCSPMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        policy = _settings_policy()
        if (
            policy is None
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in OWN_POLICY)
            or HEADER in response
            or HEADER_REPORT_ONLY in response
        ):
            return super().process_response(request, response)
        if response.status_code in DEBUG_EXEMPT and settings.DEBUG:
            return response
        if policy:
            response[HEADER] = policy
        # As django-csp does: a nonce asked for after the header is written raises instead of going unused.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
