"""Accepting an invitation to a study's team (studies.services.invitations), with or without an account.

Open to people without an account (accounts/middleware.py lists it in OPEN_VIEWS): the signed link is the
credential. Showing the page spends nothing; only a POST does. The page says whether the invited address has an
account (to offer signing in rather than a new one), which tells the link's holder nothing about any other address.
"""

from __future__ import annotations

from typing import cast
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from accounts.middleware import SETUP_VIEW
from accounts.models import User
from studies.forms.team import NewAccountForm
from studies.models import StudyMembership, TeamInvitation
from studies.services import invitations
from studies.services.invitations import InvitationError, InvitationUnusable


def _unusable(request: HttpRequest, unusable: InvitationUnusable) -> HttpResponse:
    status = 400 if unusable.reason == invitations.INVALID else 410
    return render(request, "studies/invitation_unusable.html", {"reason": unusable.reason}, status=status)


def _page(request: HttpRequest, invitation: TeamInvitation, status: int = 200, **context: object) -> HttpResponse:
    context |= {
        "invitation": invitation,
        "study": invitation.study,
        "inviter": invitation.invited_by,
        "needs_second_factor": invitation.role in settings.TWO_FACTOR_REQUIRED_ROLES,
    }
    return render(request, "studies/invitation_accept.html", context, status=status)


def _joined(membership: StudyMembership, *, enrol: bool) -> HttpResponse:
    """To the study; a new account whose role needs the second factor enrols it first (the middleware would hold
    them there anyway; going straight there says why)."""
    study_url = reverse("studies:detail", args=[membership.study.slug])
    if enrol and membership.role in settings.TWO_FACTOR_REQUIRED_ROLES:
        return redirect(f"{reverse(SETUP_VIEW)}?{urlencode({'next': study_url})}")
    return redirect(study_url)


@never_cache
def accept(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("token", "")
    try:
        invitation = invitations.invitation_for_token(token=token)
    except InvitationUnusable as unusable:
        return _unusable(request, unusable)
    if request.user.is_authenticated:
        return _accept_signed_in(request, invitation, token)
    if User.objects.filter(email__iexact=invitation.email).exists():
        login_url = f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
        return _page(request, invitation, state="sign_in", login_url=login_url)
    return _accept_new_account(request, invitation, token)


def _accept_signed_in(request: HttpRequest, invitation: TeamInvitation, token: str) -> HttpResponse:
    user = cast(User, request.user)
    if user.email.lower() != invitation.email.lower():
        return _page(request, invitation, 403 if request.method == "POST" else 200, state="other_account")
    if request.method != "POST":
        return _page(request, invitation, state="join")
    try:
        membership = invitations.join_with_account(token=token, user=user, request=request)
    except InvitationUnusable as unusable:
        return _unusable(request, unusable)
    except InvitationError as error:
        return _page(request, invitation, 400, state="refused", error=str(error))
    return _joined(membership, enrol=False)


def _accept_new_account(request: HttpRequest, invitation: TeamInvitation, token: str) -> HttpResponse:
    form = NewAccountForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            membership = invitations.join_with_new_account(
                token=token,
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password1"],
                request=request,
            )
        except InvitationUnusable as unusable:
            return _unusable(request, unusable)
        except InvitationError as error:
            form.add_error(None, str(error))
        else:
            return _joined(membership, enrol=True)
    return _page(request, invitation, 400 if form.errors else 200, state="new_account", form=form)
