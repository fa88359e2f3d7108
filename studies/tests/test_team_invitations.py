"""Inviting people to a study's team by e-mail: the outbox, the signed single-use link, accepting with or without
an account, and every way a link can stop working (nothing changes then)."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEntry, User
from accounts.tests.factories import UserFactory, code_for
from studies.models import OutboxMessage, Role, Study, StudyMembership, TeamInvitation
from studies.services import invitations
from studies.tests.mailkit import send_queued

pytestmark = pytest.mark.django_db
PASSWORD = "a long and uncommon passphrase 7"
LINK = re.compile(r"https?://\S+/invitations/accept/\?token=\S+")


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def invite(owner: User, email: str, role: str = Role.VIEWER) -> TeamInvitation:
    url = reverse("studies:team", args=[owner.memberships.get().study.slug])
    response = signed_in(owner).post(url, {"email": email, "role": role})
    assert response.status_code == 302, response.content.decode()[:2000]
    return TeamInvitation.objects.get(email=email.lower(), accepted_at=None, revoked_at=None)


def mailed_link() -> str:
    """The path and query of the link in the last e-mail sent, as a browser would request it."""
    found = LINK.search(str(mail.outbox[-1].body))
    assert found is not None, mail.outbox[-1].body
    url = urlsplit(found.group(0))
    return f"{url.path}?{url.query}"


def create_account(client: Client, link: str, **fields: str) -> Any:
    data = {"display_name": "Dr Newcomer", "password1": PASSWORD, "password2": PASSWORD} | fields
    return client.post(link, data)


def test_an_invitation_goes_through_the_outbox_as_a_mail_with_a_working_link(study: Study, owner: User) -> None:
    owner.display_name = "Professor Inviter"
    owner.save()
    invitation = invite(owner, "New.Person@Example.org", Role.INTERVIEWER)
    assert invitation.email == "new.person@example.org"
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.TEAM_INVITATION)
    assert message.team_invitation_id == invitation.pk
    assert send_queued(OutboxMessage.Kind.TEAM_INVITATION) == [OutboxMessage.Status.SENT]

    sent = mail.outbox[-1]
    assert sent.to == ["new.person@example.org"]
    assert study.title in sent.subject
    for shown in ("Professor Inviter", "Interviewer", f"{invitation.expires_at:%Y-%m-%d}", settings.SITE_URL):
        assert shown in sent.body
    link = mailed_link()
    token = parse_qs(urlsplit(link).query)["token"][0]
    stored = str(list(TeamInvitation.objects.values())) + str(list(OutboxMessage.objects.values()))
    assert token not in stored  # the token is never stored
    page = Client().get(link)
    assert page.status_code == 200
    shown = page.content.decode()
    assert all(text in shown for text in (study.title, "Interviewer", "Professor Inviter", 'name="password1"'))


def test_the_invitation_expires_after_the_configured_days(study: Study, owner: User, settings: Any) -> None:
    settings.TEAM_INVITATION_DAYS = 3
    invitation = invite(owner, "later@example.org")
    assert abs(invitation.expires_at - (timezone.now() + timedelta(days=3))) < timedelta(minutes=1)


def test_accepting_creates_the_account_and_the_membership_and_signs_in(study: Study, owner: User) -> None:
    invitation = invite(owner, "viewer@example.org", Role.VIEWER)
    send_queued()
    client = Client()
    link = mailed_link()
    assert client.get(link).status_code == 200
    assert TeamInvitation.objects.get().accepted_at is None  # showing the page spends nothing (mail scanners)

    response = create_account(client, link)
    detail = reverse("studies:detail", args=[study.slug])
    assert response.status_code == 302
    assert response["Location"] == detail  # a viewer needs no second factor
    user = User.objects.get(email="viewer@example.org")
    assert user.display_name == "Dr Newcomer"
    assert user.check_password(PASSWORD)
    assert StudyMembership.objects.get(study=study, user=user).role == Role.VIEWER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by == user
    assert client.get(detail).status_code == 200  # signed in
    entry = AuditEntry.objects.get(action="team.invitation_accepted")
    assert entry.actor == user
    assert entry.study_id == study.pk
    assert "viewer@example.org" not in str(entry.detail)


@pytest.mark.usefixtures("production_two_factor_roles")
@pytest.mark.parametrize("role", [Role.OWNER, Role.RESEARCHER])
def test_an_owner_or_researcher_enrols_the_second_factor_before_anything_else(
    study: Study, owner: User, role: str
) -> None:
    invitations.invite_member(study=study, email="manager@example.org", role=role, invited_by=owner)
    send_queued()
    client = Client()
    response = create_account(client, mailed_link())
    detail = reverse("studies:detail", args=[study.slug])
    setup = reverse("accounts:two_factor_setup")
    assert response.status_code == 302
    assert response["Location"] == f"{setup}?next={detail.replace('/', '%2F')}"
    held = client.get(detail)
    assert held.status_code == 302
    assert held["Location"].startswith(setup)

    assert client.get(setup).status_code == 200
    user = User.objects.get(email="manager@example.org")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    codes = client.post(setup, {"token": code_for(device), "next": detail})
    assert codes.status_code == 200
    assert f'href="{detail}"' in codes.content.decode()
    assert client.get(detail).status_code == 200


def test_a_link_works_once(study: Study, owner: User) -> None:
    invite(owner, "once@example.org")
    send_queued()
    link = mailed_link()
    assert create_account(Client(), link).status_code == 302
    again = Client()
    assert again.get(link).status_code == 410
    refused = create_account(again, link, display_name="Someone else")
    assert refused.status_code == 410
    assert "accepted already" in refused.content.decode()
    assert User.objects.filter(email="once@example.org").count() == 1
    assert StudyMembership.objects.filter(study=study).count() == 2


def test_a_revoked_link_changes_nothing(study: Study, owner: User) -> None:
    invitation = invite(owner, "revoked@example.org")
    send_queued()
    link = mailed_link()
    invitations.revoke_invitation(invitation=invitation)
    response = create_account(Client(), link)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert not User.objects.filter(email="revoked@example.org").exists()
    assert StudyMembership.objects.filter(study=study).count() == 1


def test_an_expired_link_changes_nothing(study: Study, owner: User) -> None:
    invitation = invite(owner, "expired@example.org")
    send_queued()
    link = mailed_link()
    TeamInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = create_account(Client(), link)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not User.objects.filter(email="expired@example.org").exists()
    assert TeamInvitation.objects.get().accepted_at is None


def test_a_link_older_than_its_signature_allows_is_expired_whatever_the_row_says(
    study: Study, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    invitation = invite(owner, "old@example.org")
    signed_at = time.time() - settings.TEAM_INVITATION_DAYS * 86400 - 60
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: signed_at)  # the clock django.core.signing reads
        token = invitations.invitation_token(invitation)
    response = create_account(Client(), f"{reverse('invitations:accept')}?token={token}")
    assert response.status_code == 410
    assert not User.objects.filter(email="old@example.org").exists()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token, invitation: token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"),
        lambda token, invitation: signing.dumps([invitation.pk, invitation.nonce]),  # no salt: another link's key
        lambda token, invitation: signing.dumps([invitation.pk + 1, invitation.nonce], salt=invitations.SALT + "x"),
        lambda token, invitation: "",
    ],
    ids=["altered", "unsalted", "other-salt", "missing"],
)
def test_a_tampered_link_changes_nothing(study: Study, owner: User, tamper: Any) -> None:
    invitation = invite(owner, "tampered@example.org")
    token = tamper(invitations.invitation_token(invitation), invitation)
    link = f"{reverse('invitations:accept')}?token={token}"
    assert Client().get(link).status_code == 400
    response = create_account(Client(), link)
    assert response.status_code == 400
    assert "incomplete or was changed" in response.content.decode()
    assert not User.objects.filter(email="tampered@example.org").exists()
    assert TeamInvitation.objects.get().accepted_at is None


def test_resending_kills_the_old_link_and_starts_the_expiry_again(study: Study, owner: User) -> None:
    invitation = invite(owner, "again@example.org")
    send_queued()
    old_link, old_expiry = mailed_link(), invitation.expires_at
    TeamInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + timedelta(hours=1))
    resend = reverse("studies:team_invitation_resend", args=[study.slug])
    response = signed_in(owner).post(resend, {"invitation": invitation.pk})
    assert response.status_code == 302
    assert send_queued() == [OutboxMessage.Status.SENT]
    new_link = mailed_link()
    assert new_link != old_link
    invitation.refresh_from_db()
    assert invitation.sent_count == 2
    assert invitation.expires_at >= old_expiry

    stale = create_account(Client(), old_link)
    assert stale.status_code == 410
    assert "newer invitation" in stale.content.decode()
    assert not User.objects.filter(email="again@example.org").exists()
    assert create_account(Client(), new_link).status_code == 302
    entry = AuditEntry.objects.get(action="team.invitation_resent")
    assert entry.detail == {"role": Role.VIEWER, "sent_count": 2}


def test_an_existing_account_signs_in_and_then_joins(study: Study, owner: User) -> None:
    colleague = UserFactory(email="colleague@example.org")
    invite(owner, "Colleague@example.org", Role.CODER)
    send_queued()
    link = mailed_link()
    client = Client()
    page = client.get(link)
    assert page.status_code == 200
    assert 'name="password1"' not in page.content.decode()  # no second account for the same address
    login = f"{reverse('login')}?next="
    assert login in page.content.decode()

    credentials = {"username": "colleague@example.org", "password": "correct horse battery staple", "next": link}
    signed = client.post(reverse("login"), credentials)
    assert signed.status_code == 302
    assert signed["Location"] == link
    assert "Join the team</button>" in client.get(link).content.decode()
    joined = client.post(link)
    assert joined.status_code == 302
    assert joined["Location"] == reverse("studies:detail", args=[study.slug])
    assert StudyMembership.objects.get(study=study, user=colleague).role == Role.CODER
    assert User.objects.filter(email="colleague@example.org").count() == 1
    assert AuditEntry.objects.get(action="team.invitation_accepted").detail["new_account"] is False


def test_another_signed_in_account_cannot_accept(study: Study, owner: User) -> None:
    invite(owner, "intended@example.org")
    send_queued()
    link = mailed_link()
    stranger = signed_in(UserFactory(email="stranger@example.org"))
    page = stranger.get(link)
    assert page.status_code == 200
    assert "signed in with another account" in page.content.decode()
    assert "Join the team</button>" not in page.content.decode()
    assert stranger.post(link).status_code == 403
    assert StudyMembership.objects.filter(study=study).count() == 1
    assert TeamInvitation.objects.get().accepted_at is None


def test_inviting_a_current_member_or_an_invited_address_again_gets_a_clear_message(
    study: Study, owner: User, researcher: User
) -> None:
    url = reverse("studies:team", args=[study.slug])
    member = signed_in(owner).post(url, {"email": researcher.email.upper(), "role": Role.CODER})
    assert member.status_code == 400
    assert "already on the team" in member.content.decode()
    assert researcher.email.upper() in member.content.decode()  # the form keeps what was typed
    invite(owner, "twice@example.org")
    twice = signed_in(owner).post(url, {"email": "twice@example.org", "role": Role.CODER})
    assert twice.status_code == 400
    assert "still open" in twice.content.decode()
    assert TeamInvitation.objects.count() == 1
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.TEAM_INVITATION).count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password2": PASSWORD + "x"}, "The two passwords differ."),
        ({"password1": "short", "password2": "short"}, "too short"),
        ({"password1": "newcomer@example.org", "password2": "newcomer@example.org"}, "too similar"),
        ({"display_name": ""}, "This field is required."),
    ],
)
def test_a_refused_account_form_keeps_what_was_typed_and_creates_nothing(
    study: Study, owner: User, fields: dict[str, str], message: str
) -> None:
    invite(owner, "newcomer@example.org")
    send_queued()
    response = create_account(Client(), mailed_link(), **fields)
    assert response.status_code == 400
    shown = response.content.decode()
    assert message in shown
    assert "error-summary" in shown
    if fields.get("display_name", "x"):
        assert 'value="Dr Newcomer"' in shown
    assert not User.objects.filter(email="newcomer@example.org").exists()
    assert TeamInvitation.objects.get().accepted_at is None


@pytest.mark.parametrize("ending", ["revoked", "accepted", "expired"])
def test_the_sender_skips_an_invitation_that_ended_before_its_mail_went(study: Study, owner: User, ending: str) -> None:
    invitation = invite(owner, "late@example.org")
    changes = {
        "revoked": {"revoked_at": timezone.now()},
        "accepted": {"accepted_at": timezone.now()},
        "expired": {"expires_at": timezone.now() - timedelta(seconds=1)},
    }
    TeamInvitation.objects.filter(pk=invitation.pk).update(**changes[ending])
    assert send_queued() == [OutboxMessage.Status.SKIPPED]
    assert OutboxMessage.objects.get().last_error == ending
    assert mail.outbox == []


def test_the_audit_trail_has_every_step_with_ids_and_role_codes_only(study: Study, owner: User) -> None:
    first = invite(owner, "audited@example.org", Role.RESEARCHER)
    invitations.resend_invitation(invitation=first)
    invitations.revoke_invitation(invitation=first)
    entries = AuditEntry.objects.filter(study_id=study.pk, action__startswith="team.").order_by("id")
    assert [entry.action for entry in entries] == ["team.invited", "team.invitation_resent", "team.invitation_revoked"]
    assert entries[0].actor == owner
    assert entries[0].target_id == str(first.pk)
    assert entries[0].detail == {"role": Role.RESEARCHER}
    assert all("audited" not in str(entry.detail) for entry in entries)


def test_a_revoked_invitation_cannot_be_resent_or_revoked_again(study: Study, owner: User) -> None:
    invitation = invite(owner, "done@example.org")
    invitations.revoke_invitation(invitation=invitation)
    with pytest.raises(invitations.InvitationError):
        invitations.resend_invitation(invitation=invitation)
    with pytest.raises(invitations.InvitationError):
        invitations.revoke_invitation(invitation=invitation)
    assert AuditEntry.objects.filter(action="team.invitation_revoked").count() == 1


def test_a_signed_in_account_with_an_authenticator_joins_only_after_its_second_step(study: Study, owner: User) -> None:
    member = UserFactory(email="has.device@example.org")
    TOTPDevice.objects.create(user=member, name="phone", confirmed=True)
    invitation = invitations.invite_member(study=study, email=member.email, role=Role.VIEWER, invited_by=owner)
    link = f"{reverse('invitations:accept')}?token={invitations.invitation_token(invitation)}"
    client = Client()
    client.force_login(member)  # a password alone: the second step not taken in this session
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert client.post(link).status_code == 302
    assert not StudyMembership.objects.filter(study=study, user=member).exists()
