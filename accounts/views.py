"""Account pages: two-factor setup and verification, personal API tokens."""

from __future__ import annotations

from datetime import datetime, time
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import two_factor
from accounts.audit import record_event
from accounts.forms import ApiTokenForm, TokenForm
from accounts.models import ApiToken, User
from accounts.tokens import create_api_token, revoke_api_token


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else "/"


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    device = two_factor.pending_device(user=request.user)  # type: ignore[arg-type]
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.confirm_device(device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(_next_url(request))
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
    device = two_factor.confirmed_device(request.user)
    if device is None:
        return redirect("accounts:two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            record_event(action="account.two_factor.verified", request=request)
            return redirect(_next_url(request))
        record_event(action="account.two_factor.failed", request=request)
        form.add_error("token", _("That code did not match. Try the newest code."))
    context = {"form": form, "next": _next_url(request)}
    return render(request, "accounts/two_factor_verify.html", context, status=400 if form.errors else 200)


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The signed-in person's API tokens; a new token's secret is shown on this page once."""
    form = ApiTokenForm(request.POST or None, user=request.user)
    issued = None
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        expires_at = (
            datetime.combine(expires_on, time.max, tzinfo=timezone.get_current_timezone()) if expires_on else None
        )
        issued = create_api_token(
            user=request.user,  # type: ignore[arg-type]
            name=form.cleaned_data["name"],
            study_ids=[study.pk for study in form.cleaned_data["studies"]],
            read_only=form.cleaned_data["read_only"],
            expires_at=expires_at,
        )
        form = ApiTokenForm(user=request.user)
    tokens = ApiToken.objects.filter(user=cast(User, request.user)).prefetch_related("studies")
    context = {"form": form, "tokens": tokens, "issued": issued}
    return render(request, "accounts/api_tokens.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def revoke_token(request: HttpRequest, prefix: str) -> HttpResponse:
    token = get_object_or_404(ApiToken, user=cast(User, request.user), prefix=prefix)
    revoke_api_token(token=token, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:api_tokens")
