"""Account pages: two-factor set-up, verification, replacement and recovery codes, and the profile (display name, time
zone); the API token page, which lists studies, is studies.token_views."""

from __future__ import annotations

import time
from typing import cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import two_factor
from accounts.audit import record_event
from accounts.forms import CurrentFactorForm, ProfileForm, SecondFactorForm, TokenForm
from accounts.models import User
from accounts.profile import update_profile

# When the person last typed their current second factor again (a Unix time), for changes to the factor itself.
REAUTHENTICATED_AT = "accounts_reauthenticated_at"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else "/"


def _recently_confirmed(request: HttpRequest) -> bool:
    """True when the person typed their current factor on `reauthenticate` within REAUTHENTICATION_SECONDS."""
    confirmed_at = request.session.get(REAUTHENTICATED_AT)
    return isinstance(confirmed_at, int | float) and time.time() - confirmed_at < settings.REAUTHENTICATION_SECONDS


def _confirm_first(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('accounts:reauthenticate')}?{urlencode({'next': request.get_full_path()})}")


@login_required
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Ask for the current factor again before the authenticator or the recovery codes change."""
    user = cast(User, request.user)
    form = CurrentFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.matching_device(user=user, code=form.cleaned_data["current"]) is not None:
            request.session[REAUTHENTICATED_AT] = time.time()
            return redirect(_next_url(request))
        record_event(action="account.two_factor.failed", request=request)
        form.add_error("current", _("That is not a current code or an unused recovery code."))
    context = {"form": form, "next": _next_url(request)}
    return render(request, "accounts/reauthenticate.html", context, status=400 if form.errors else 200)


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app; replacing an existing one needs the current factor first."""
    user = cast(User, request.user)
    if two_factor.confirmed_device(user) is not None and not _recently_confirmed(request):
        return _confirm_first(request)
    device = two_factor.pending_device(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.enrol_device(device=device, token=form.cleaned_data["token"])
        if codes is not None:
            otp_login(request, device)
            return render(request, "accounts/recovery_codes_issued.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("token", _("That code did not match. Check your phone's clock and try the newest code."))
    context = {
        "form": form,
        "qr": two_factor.qr_svg(device),
        "secret": two_factor.manual_key(device),
        "next": _next_url(request),
    }
    return render(request, "accounts/two_factor_setup.html", context, status=400 if form.errors else 200)


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app, or one recovery code."""
    user = cast(User, request.user)
    if two_factor.confirmed_device(user) is None:
        return redirect("accounts:two_factor_setup")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.matching_device(user=user, code=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            record_event(action="account.two_factor.verified", request=request)
            return redirect(_next_url(request))
        record_event(action="account.two_factor.failed", request=request)
        form.add_error("token", _("That code did not match. Try the newest code, or an unused recovery code."))
    context = {"form": form, "next": _next_url(request)}
    return render(request, "accounts/two_factor_verify.html", context, status=400 if form.errors else 200)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The person's display name and time zone (every time they see or type is in that zone)."""
    user = cast(User, request.user)
    form = ProfileForm(request.POST or None, initial={"display_name": user.display_name, "time_zone": user.time_zone})
    if request.method == "POST" and form.is_valid():
        update_profile(user=user, **form.cleaned_data)
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """The person's sign-in security: authenticator, recovery codes, password, API tokens."""
    user = cast(User, request.user)
    context = {
        "device": two_factor.confirmed_device(user),
        "recovery_left": two_factor.remaining_recovery_codes(user),
        "required": two_factor.requires_two_factor(user),
    }
    return render(request, "accounts/security.html", context)


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """A new set of recovery codes, shown once; the old set stops working."""
    if not _recently_confirmed(request):
        return _confirm_first(request)
    codes = two_factor.issue_recovery_codes(user=cast(User, request.user))
    return render(
        request, "accounts/recovery_codes_issued.html", {"codes": codes, "next": reverse("accounts:security")}
    )


@login_required
@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    if not _recently_confirmed(request):
        return _confirm_first(request)
    two_factor.remove_two_factor(user=cast(User, request.user))
    messages.success(request, _("Two-factor sign-in was turned off, and your recovery codes no longer work."))
    return redirect("accounts:security")
