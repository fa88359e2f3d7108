"""Send signed-in people who must (or chose to) use two-factor authentication through it first."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.two_factor import confirmed_device, requires_two_factor

EXEMPT_PREFIXES = ("/static/", "/healthz", "/accounts/", "/p/")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # Nobody is signed in without a session (an API token is DRF's to check, later): no need to load the
            # anonymous user and its devices, which cost an API request a few percent.
            return self.get_response(request)
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]  # added by OTPMiddleware
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            has_device = confirmed_device(user) is not None
            if has_device or requires_two_factor(user):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "Two-factor verification is required."}, status=403)
                target = "accounts:two_factor_verify" if has_device else "accounts:two_factor_setup"
                return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
