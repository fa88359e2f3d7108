"""Hold a signed-in person at the second factor until they have verified it.

Deny by default: the check runs on the resolved view (`process_view`), and only the views named in `OPEN_VIEWS`
(signing in and out, the second step itself, password reset by e-mail, the language switch, the health check)
and the participants' own pages, which no account uses, are reachable with a password alone. A new route is
held like every other unless it is added here, and tests/test_two_factor_url_walk.py walks every route to prove it.

Who is held: anyone with a confirmed authenticator; anyone whose study role or staff status requires one
(`requires_two_factor`); and everyone on the views that act on the account's own credentials (`ALWAYS_HELD`:
API tokens, password change, the authenticator and recovery codes) or on the admin.

`UserTimeZoneMiddleware` (below) shows and reads times in the signed-in person's own time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.two_factor import confirmed_device, requires_two_factor
from config.time_zones import zone_or_utc

SETUP_VIEW = "accounts:two_factor_setup"
OPEN_VIEWS = frozenset(
    {
        "login",
        "logout",
        "healthz",
        "set_language",
        "accounts:two_factor_verify",
        "accounts:password_reset",
        "accounts:password_reset_done",
        "accounts:password_reset_confirm",
        "accounts:password_reset_complete",
    }
)
# Joining a study's team by e-mail invitation (studies/invitation_views.py, `invitations:accept`) is not in the list:
# people without an account reach it signed out (the signed, single-use link is their credential and they create
# the account there); a signed-in account is held like everywhere else, so it joins only after its second step.
# Participants' pages (screening, portal, the portal's voice interview and member checking): a magic link is their
# credential, never a team member's account.
OPEN_NAMESPACES = frozenset({"participate", "voice", "checking"})
ALWAYS_HELD = frozenset(
    {
        "api_tokens:list",  # the token page lists studies, so it is studies' (studies/token_urls.py)
        "api_tokens:revoke",
        "accounts:password_change",
        "accounts:password_change_done",
        "accounts:reauthenticate",
        "accounts:two_factor_remove",
        "accounts:recovery_codes",
        "accounts:security",
    }
)


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        # An API token is DRF's to check, later, on a request without a session: its user here is anonymous.
        if not user.is_authenticated or user.is_verified():  # type: ignore[attr-defined]  # set by OTPMiddleware
            return None
        match = request.resolver_match
        if match is None:  # never: process_view runs only for a resolved URL
            return None
        view = match.view_name
        if view in OPEN_VIEWS or OPEN_NAMESPACES.intersection(match.namespaces):
            return None
        has_device = confirmed_device(user) is not None
        if view == SETUP_VIEW and not has_device:
            return None  # enrolling a first authenticator is how one gets past this point
        held = has_device or view in ALWAYS_HELD or "admin" in match.namespaces or requires_two_factor(user)
        if not held:
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("Two-factor verification is required.")}, status=403)
        target = "accounts:two_factor_verify" if has_device else SETUP_VIEW
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


class UserTimeZoneMiddleware:
    """Show and read times in the signed-in person's own zone (their profile's `time_zone`; empty means UTC): every
    `{{ datetime }}` in a template and every DateTimeField of a form follows `timezone.activate`.

    The API keeps UTC whoever calls it, so its answers do not depend on how the caller signed in. The zone is
    deactivated after the response, so the next request served by this thread starts from UTC.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        name = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
        if name and not request.path.startswith("/api/"):
            timezone.activate(zone_or_utc(name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
