"""Invitations to a study's team by e-mail, for people with or without an account.

The e-mailed link carries a signed token (django.core.signing, with its own salt) naming the invitation's id and
nonce; the token itself is never stored. The row keeps the nonce: resending draws a new one (every earlier link
dies, the expiry moves on), revoking sets revoked_at, and accepting sets accepted_at with the row locked, so a link
works once. A link also dies with its signature's age (TEAM_INVITATION_DAYS) and with the row's `expires_at`.

Every write locks the study row first, then the invitation, as the team's other writes do
(studies.services.team), so two owners acting at once, or an owner revoking while the invitee accepts, take turns.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import User
from studies.models import OutboxMessage, Study, StudyMembership, TeamInvitation
from studies.services.outbox import queue_message

SALT = "studies.team-invitation"
# The account backend the new member is signed in with (django-axes' backend only counts failed sign-ins).
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"
# Why a link cannot be used. "invalid" (not ours, or altered) is a bad request; the others are gone for good.
INVALID, GONE, EXPIRED, REPLACED, REVOKED, ACCEPTED = "invalid", "gone", "expired", "replaced", "revoked", "accepted"


class InvitationError(Exception):
    """A change that cannot be made; the message is for the person who asked, in their language."""


class InvitationUnusable(Exception):
    """The link cannot be used: `reason` is one of invalid, gone, expired, replaced, revoked, accepted."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def open_invitations(study: Study) -> QuerySet[TeamInvitation]:
    """The study's invitations that were neither accepted nor revoked (expired ones included), newest first."""
    return study.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True).order_by("-created_at")


def invitation_token(invitation: TeamInvitation) -> str:
    return signing.dumps([invitation.pk, invitation.nonce], salt=SALT)


def invitation_url(invitation: TeamInvitation) -> str:
    """The absolute link of the invitation's e-mail (the token in the query string, which the access log omits)."""
    query = urlencode({"token": invitation_token(invitation)})
    return f"{settings.SITE_URL}{reverse('invitations:accept')}?{query}"


def _lifetime() -> timedelta:
    return timedelta(days=settings.TEAM_INVITATION_DAYS)


def _lock_study(study_id: int) -> Study:
    return Study.objects.select_for_update().get(pk=study_id)


def _locked(invitation: TeamInvitation) -> TeamInvitation:
    """The invitation, its study locked first and then itself; InvitationError when it is no longer open."""
    _lock_study(invitation.study_id)
    locked = TeamInvitation.objects.select_for_update().select_related("study").get(pk=invitation.pk)
    if locked.accepted_at is not None or locked.revoked_at is not None:
        raise InvitationError(_("This invitation was already accepted or revoked."))
    return locked


def _send(invitation: TeamInvitation) -> None:
    queue_message(kind=OutboxMessage.Kind.TEAM_INVITATION, team_invitation_id=invitation.pk)


@transaction.atomic
def invite_member(
    *, study: Study, email: str, role: str, invited_by: User, request: HttpRequest | None = None
) -> TeamInvitation:
    """Invite an e-mail address to the study's team with a role and queue the e-mail with its link.

    The caller has checked that the acting person is an owner. Refused for a current member's address and for an
    address with an open invitation (resend or revoke that one instead).
    """
    _lock_study(study.pk)
    email = email.strip().lower()
    if study.memberships.filter(user__email__iexact=email).exists():
        raise InvitationError(_("This person is already on the team. Change their role in the list of members."))
    if open_invitations(study).filter(email__iexact=email).exists():
        raise InvitationError(
            _("An invitation to this address is still open. Resend it, or revoke it to invite with another role.")
        )
    invitation = TeamInvitation.objects.create(
        study=study,
        email=email,
        role=role,
        nonce=secrets.token_urlsafe(24),
        invited_by=invited_by,
        expires_at=timezone.now() + _lifetime(),
        sent_count=1,
    )
    _send(invitation)
    record_event(action="team.invited", request=request, study_id=study.pk, target=invitation, detail={"role": role})
    return invitation


@transaction.atomic
def resend_invitation(*, invitation: TeamInvitation, request: HttpRequest | None = None) -> TeamInvitation:
    """Send the invitation again with a new link: the earlier links stop working and the expiry starts over.

    The caller has checked that the acting person is an owner."""
    invitation = _locked(invitation)
    invitation.nonce = secrets.token_urlsafe(24)
    invitation.expires_at = timezone.now() + _lifetime()
    invitation.sent_count += 1
    invitation.save(update_fields=["nonce", "expires_at", "sent_count", "updated_at"])
    _send(invitation)
    detail = {"role": invitation.role, "sent_count": invitation.sent_count}
    record_event(
        action="team.invitation_resent", request=request, study_id=invitation.study_id, target=invitation, detail=detail
    )
    return invitation


@transaction.atomic
def revoke_invitation(*, invitation: TeamInvitation, request: HttpRequest | None = None) -> TeamInvitation:
    """Withdraw an open invitation: its links stop working. The caller has checked that the acting person is an
    owner."""
    invitation = _locked(invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    record_event(
        action="team.invitation_revoked",
        request=request,
        study_id=invitation.study_id,
        target=invitation,
        detail={"role": invitation.role},
    )
    return invitation


def _payload(token: str) -> tuple[int, str]:
    try:
        payload = signing.loads(token, salt=SALT, max_age=_lifetime())
    except signing.SignatureExpired:
        raise InvitationUnusable(EXPIRED) from None
    except signing.BadSignature:
        raise InvitationUnusable(INVALID) from None
    match payload:
        case [int(invitation_id), str(nonce)]:
            return invitation_id, nonce
    raise InvitationUnusable(INVALID)


def _check(invitation: TeamInvitation | None, nonce: str) -> TeamInvitation:
    if invitation is None:  # deleted with its study
        raise InvitationUnusable(GONE)
    if invitation.accepted_at is not None:
        raise InvitationUnusable(ACCEPTED)
    if invitation.revoked_at is not None:
        raise InvitationUnusable(REVOKED)
    if not constant_time_compare(invitation.nonce, nonce):
        raise InvitationUnusable(REPLACED)
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable(EXPIRED)
    return invitation


def invitation_for_token(*, token: str) -> TeamInvitation:
    """The open invitation a link names (its study and inviter loaded), or InvitationUnusable saying why not.

    Reads only: showing the page spends nothing, so a mail scanner that opens the link uses nothing up."""
    invitation_id, nonce = _payload(token)
    rows = TeamInvitation.objects.select_related("study", "invited_by")
    return _check(rows.filter(pk=invitation_id).first(), nonce)


def _spend(token: str) -> TeamInvitation:
    """The open invitation a link names, locked (study first) and checked again under the lock: single use."""
    invitation_id, nonce = _payload(token)
    study_id = TeamInvitation.objects.filter(pk=invitation_id).values_list("study_id", flat=True).first()
    if study_id is None:
        raise InvitationUnusable(GONE)
    _lock_study(study_id)
    rows = TeamInvitation.objects.select_for_update().select_related("study")
    return _check(rows.filter(pk=invitation_id).first(), nonce)


def _join(invitation: TeamInvitation, user: User, request: HttpRequest, *, new_account: bool) -> StudyMembership:
    membership = StudyMembership.objects.create(study=invitation.study, user=user, role=invitation.role)
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    record_event(
        action="team.invitation_accepted",
        actor=user,
        request=request,
        study_id=invitation.study_id,
        target=invitation,
        detail={"role": invitation.role, "membership_id": membership.pk, "new_account": new_account},
    )
    return membership


@transaction.atomic
def join_with_new_account(*, token: str, display_name: str, password: str, request: HttpRequest) -> StudyMembership:
    """Create the invited person's account, sign them in, make them a member and spend the invitation, all at once.

    The caller has validated the password (Django's password validators). Refused when an account with the invited
    address exists (that person signs in and accepts with `join_with_account`)."""
    invitation = _spend(token)
    refused = InvitationError(_("An account with this e-mail address exists already. Sign in to accept."))
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise refused
    try:
        with transaction.atomic():  # a savepoint: the same address signing up at this very moment
            user = User.objects.create_user(email=invitation.email, password=password, display_name=display_name)
    except IntegrityError:
        raise refused from None
    membership = _join(invitation, user, request, new_account=True)
    login(request, user, backend=LOGIN_BACKEND)
    return membership


@transaction.atomic
def join_with_account(*, token: str, user: User, request: HttpRequest) -> StudyMembership:
    """Make the signed-in `user` a member with the invitation's role and spend it; only for the invited address."""
    invitation = _spend(token)
    if user.email.lower() != invitation.email.lower():
        raise InvitationError(
            _("This invitation is for another e-mail address. Sign out, then sign in with the invited address.")
        )
    if StudyMembership.objects.filter(study=invitation.study, user=user).exists():
        raise InvitationError(_("You are already on this study's team."))
    return _join(invitation, user, request, new_account=False)
