"""The study's team page: members and their roles, open invitations, inviting by e-mail.

Every member of the study reads it; only owners change the team, so every POST here is 403 for other roles.
The writes are studies.services.team (roles, removal) and studies.services.invitations.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from studies.forms.team import InvitationActionForm, InviteForm, MemberRoleForm, RemoveMemberForm, member_auto_id
from studies.models import Role, StudyMembership
from studies.permissions import study_role
from studies.services import invitations, team

OWNERS = (Role.OWNER,)


def _team_page(
    request: HttpRequest,
    membership: StudyMembership,
    *,
    invite_form: InviteForm | None = None,
    refused: forms.Form | None = None,
) -> HttpResponse:
    """The page, with a refused form (kept as typed, its errors summarised) in place of its fresh twin."""
    study = membership.study
    manages = membership.role == Role.OWNER
    members = []
    for member in study.memberships.select_related("user").order_by("user__display_name", "user__email"):
        role_form = MemberRoleForm(study=study, initial={"member": member.pk, "role": member.role})
        role_form.auto_id = member_auto_id(member.pk)
        if isinstance(refused, MemberRoleForm) and refused.data.get("member") == str(member.pk):
            role_form = refused
        members.append((member, role_form))
    context = {
        "study": study,
        "membership": membership,
        "manages": manages,
        "members": members,
        # Pending invitees are not yet members: their addresses are for the owners who invited them.
        "invitations": invitations.open_invitations(study).select_related("invited_by") if manages else [],
        "invite_form": invite_form or InviteForm(),
        "refused": refused,
        "now": timezone.now(),
    }
    failed = bool((invite_form and invite_form.errors) or (refused and refused.errors))
    return render(request, "studies/setup/team.html", context, status=400 if failed else 200)


@study_role()
def study_team(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """GET: the team as this member may see it. POST (owners): invite an e-mail address with a role."""
    if request.method != "POST":
        return _team_page(request, membership)
    if membership.role != Role.OWNER:
        raise PermissionDenied
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitations.invite_member(
                study=membership.study,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=cast(User, request.user),
                request=request,
            )
        except invitations.InvitationError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, _("The invitation is on its way."))
            return redirect("studies:team", slug=membership.study.slug)
    return _team_page(request, membership, invite_form=form)


@require_POST
@study_role(*OWNERS)
def member_role(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    form = MemberRoleForm(request.POST, study=membership.study, auto_id=member_auto_id(request.POST.get("member")))
    if form.is_valid():
        try:
            team.change_member_role(
                membership=form.cleaned_data["member"], role=form.cleaned_data["role"], request=request
            )
        except team.TeamError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The role was changed."))
            return redirect("studies:team", slug=membership.study.slug)
    return _team_page(request, membership, refused=form)


@require_POST
@study_role(*OWNERS)
def member_remove(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    form = RemoveMemberForm(request.POST, study=membership.study)
    if form.is_valid():
        removed = form.cleaned_data["member"]
        try:
            team.remove_member(membership=removed, request=request)
        except team.TeamError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The person was removed from the team. Their work stays in the study."))
            if removed.pk == membership.pk:  # they removed themselves: the study is no longer theirs to see
                return redirect("studies:list")
            return redirect("studies:team", slug=membership.study.slug)
    return _team_page(request, membership, refused=form)


def _invitation_action(request: HttpRequest, membership: StudyMembership, *, resend: bool) -> HttpResponse:
    form = InvitationActionForm(request.POST, study=membership.study)
    if form.is_valid():
        try:
            if resend:
                invitations.resend_invitation(invitation=form.cleaned_data["invitation"], request=request)
            else:
                invitations.revoke_invitation(invitation=form.cleaned_data["invitation"], request=request)
        except invitations.InvitationError as error:
            form.add_error(None, str(error))
        else:
            done = _("The invitation was sent again with a new link.") if resend else _("The invitation was revoked.")
            messages.success(request, done)
            return redirect("studies:team", slug=membership.study.slug)
    return _team_page(request, membership, refused=form)


@require_POST
@study_role(*OWNERS)
def invitation_resend(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    return _invitation_action(request, membership, resend=True)


@require_POST
@study_role(*OWNERS)
def invitation_revoke(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    return _invitation_action(request, membership, resend=False)
