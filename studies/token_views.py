"""The personal API token page: a token is issued for studies its owner holds a role on, its secret shown once.

It lives with the studies it lists; the tokens themselves, their authentication and their audit entries are
accounts' (accounts/tokens.py). The URLs stay under /accounts/tokens/ (studies/token_urls.py), and the two-factor
middleware holds them for everyone (accounts/middleware.py, ALWAYS_HELD).
"""

from __future__ import annotations

from datetime import datetime
from datetime import time as day_time
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import ApiToken, User
from accounts.tokens import create_api_token, revoke_api_token
from studies.forms.api_tokens import ApiTokenForm


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The signed-in person's API tokens; a new token's secret is shown on this page once."""
    user = cast(User, request.user)
    form = ApiTokenForm(request.POST or None, user=user)
    issued = None
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        expires_at = (
            datetime.combine(expires_on, day_time.max, tzinfo=timezone.get_current_timezone()) if expires_on else None
        )
        issued = create_api_token(
            user=user,
            name=form.cleaned_data["name"],
            study_ids=[study.pk for study in form.cleaned_data["studies"]],
            read_only=form.cleaned_data["read_only"],
            expires_at=expires_at,
        )
        form = ApiTokenForm(user=user)
    tokens = ApiToken.objects.filter(user=user).prefetch_related("studies")
    context = {"form": form, "tokens": tokens, "issued": issued}
    return render(request, "studies/api_tokens.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def revoke_token(request: HttpRequest, prefix: str) -> HttpResponse:
    user = cast(User, request.user)
    token = get_object_or_404(ApiToken, user=user, prefix=prefix)
    revoke_api_token(token=token, actor=user)
    messages.success(request, _("The token was revoked."))
    return redirect("api_tokens:list")
