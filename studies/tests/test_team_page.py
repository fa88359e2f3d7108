"""The team page: what each role sees, and the owners' changes (roles, removal, invitations), each audited."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.audit import record_event
from accounts.models import AuditEntry, User
from accounts.tests.factories import UserFactory
from coding.models import CodebookVersion, Coding
from coding.tests.factories import CodeFactory, transcript_version_with
from studies.models import OutboxMessage, Role, Study, StudyMembership, TeamInvitation
from studies.services import invitations
from studies.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
READERS = (Role.RESEARCHER, Role.INTERVIEWER, Role.CODER, Role.VIEWER)
POST_ROUTES = ("team", "team_member_role", "team_member_remove", "team_invitation_resend", "team_invitation_revoke")


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(study: Study, name: str) -> str:
    return reverse(f"studies:{name}", args=[study.slug])


@pytest.fixture
def invitation(study: Study, owner: User) -> TeamInvitation:
    return invitations.invite_member(study=study, email="pending@example.org", role=Role.CODER, invited_by=owner)


def test_an_owner_sees_every_member_and_invitation_with_the_forms_to_change_them(
    study: Study, owner: User, coder: User, invitation: TeamInvitation
) -> None:
    response = signed_in(owner).get(url(study, "team"))
    assert response.status_code == 200
    shown = response.content.decode()
    assert coder.display_name in shown
    assert coder.email in shown
    assert "pending@example.org" in shown
    for name in POST_ROUTES:
        assert f'action="{url(study, name)}"' in shown
    assert 'name="email"' in shown
    assert f'id="member-{coder.memberships.get().pk}-role"' in shown  # each member's field has its own id


@pytest.mark.parametrize("role", READERS)
def test_other_roles_read_the_team_without_any_form(study: Study, owner: User, role: str) -> None:
    reader = MembershipFactory(study=study, role=role).user
    invitations.invite_member(study=study, email="pending@example.org", role=Role.CODER, invited_by=owner)
    response = signed_in(reader).get(url(study, "team"))
    assert response.status_code == 200
    shown = response.content.decode()
    assert owner.display_name in shown
    assert "pending@example.org" not in shown  # invitees are not members yet: their address is for the owners
    assert "Only the study's owners change its team." in shown
    assert all(f'action="{url(study, name)}"' not in shown for name in POST_ROUTES)
    assert 'name="email"' not in shown
    assert 'name="role"' not in shown


def test_an_outsider_does_not_learn_that_the_team_exists(study: Study, outsider: User) -> None:
    assert signed_in(outsider).get(url(study, "team")).status_code == 404


@pytest.mark.parametrize("role", READERS)
def test_only_an_owner_changes_the_team(study: Study, owner: User, role: str, invitation: TeamInvitation) -> None:
    reader = MembershipFactory(study=study, role=role).user
    client = signed_in(reader)
    own = reader.memberships.get()
    posts = {
        "team": {"email": "someone@example.org", "role": Role.OWNER},
        "team_member_role": {"member": own.pk, "role": Role.OWNER},
        "team_member_remove": {"member": owner.memberships.get().pk},
        "team_invitation_resend": {"invitation": invitation.pk},
        "team_invitation_revoke": {"invitation": invitation.pk},
    }
    for name, data in posts.items():
        assert client.post(url(study, name), data).status_code == 403, name
    own.refresh_from_db()
    assert own.role == role
    assert StudyMembership.objects.filter(study=study).count() == 2
    invitation.refresh_from_db()
    assert (invitation.sent_count, invitation.revoked_at) == (1, None)
    assert TeamInvitation.objects.count() == 1


def test_an_owner_changes_a_role_the_member_is_told_and_it_is_audited(study: Study, owner: User, coder: User) -> None:
    membership = coder.memberships.get()
    response = signed_in(owner).post(url(study, "team_member_role"), {"member": membership.pk, "role": Role.RESEARCHER})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.RESEARCHER
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.MEMBERSHIP, membership=membership).exists()
    entry = AuditEntry.objects.get(action="team.role_changed")
    assert (entry.actor, entry.study_id, entry.target_id) == (owner, study.pk, str(membership.pk))
    assert entry.detail == {"user_id": coder.pk, "from": Role.CODER, "to": Role.RESEARCHER}


def test_an_unknown_role_is_refused_and_the_page_keeps_the_member_s_form(
    study: Study, owner: User, coder: User
) -> None:
    membership = coder.memberships.get()
    response = signed_in(owner).post(url(study, "team_member_role"), {"member": membership.pk, "role": "admin"})
    assert response.status_code == 400
    shown = response.content.decode()
    assert "error-summary" in shown
    assert f'href="#member-{membership.pk}-role"' in shown
    membership.refresh_from_db()
    assert membership.role == Role.CODER
    assert not AuditEntry.objects.filter(action="team.role_changed").exists()


def test_the_last_owner_cannot_be_demoted(study: Study, owner: User) -> None:
    membership = owner.memberships.get()
    response = signed_in(owner).post(url(study, "team_member_role"), {"member": membership.pk, "role": Role.VIEWER})
    assert response.status_code == 400
    assert "at least one owner" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.OWNER
    assert not AuditEntry.objects.filter(action="team.role_changed").exists()


def test_the_last_owner_cannot_be_removed(study: Study, owner: User) -> None:
    response = signed_in(owner).post(url(study, "team_member_remove"), {"member": owner.memberships.get().pk})
    assert response.status_code == 400
    assert "at least one owner" in response.content.decode()
    assert StudyMembership.objects.filter(study=study, user=owner, role=Role.OWNER).exists()
    assert not AuditEntry.objects.filter(action="team.member_removed").exists()


def test_with_a_second_owner_an_owner_may_step_down(study: Study, owner: User) -> None:
    MembershipFactory(study=study, role=Role.OWNER)
    membership = owner.memberships.get()
    response = signed_in(owner).post(url(study, "team_member_role"), {"member": membership.pk, "role": Role.VIEWER})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER
    assert StudyMembership.objects.filter(study=study, role=Role.OWNER).count() == 1


def test_an_empty_post_changes_nothing(study: Study, owner: User, coder: User, invitation: TeamInvitation) -> None:
    client = signed_in(owner)
    for name in POST_ROUTES:
        assert client.post(url(study, name), {}).status_code == 400, name
    assert StudyMembership.objects.filter(study=study).count() == 2
    assert TeamInvitation.objects.get().revoked_at is None


def test_removing_a_member_keeps_their_account_work_and_audit_entries(study: Study, owner: User, coder: User) -> None:
    version = transcript_version_with(study, ["Hello there."])
    book = CodebookVersion.objects.create(study=study, number=1, change="test", snapshot=[])
    coding = Coding.objects.create(
        transcript_version=version,
        start=0,
        end=5,
        text="Hello",
        code=CodeFactory(study=study),
        coder=coder,
        codebook_version=book,
    )
    earlier = record_event(action="coding.created", actor=coder, study_id=study.pk, target=coding)
    membership = coder.memberships.get()

    response = signed_in(owner).post(url(study, "team_member_remove"), {"member": membership.pk})
    assert response.status_code == 302
    assert not StudyMembership.objects.filter(pk=membership.pk).exists()
    assert User.objects.filter(pk=coder.pk, is_active=True).exists()
    coding.refresh_from_db()
    assert coding.coder == coder
    earlier.refresh_from_db()
    assert earlier.actor == coder
    entry = AuditEntry.objects.get(action="team.member_removed")
    assert entry.detail == {"user_id": coder.pk, "role": Role.CODER}
    assert signed_in(coder).get(url(study, "team")).status_code == 404


def test_an_owner_who_removes_themselves_goes_to_their_studies(study: Study, owner: User) -> None:
    MembershipFactory(study=study, role=Role.OWNER)
    response = signed_in(owner).post(url(study, "team_member_remove"), {"member": owner.memberships.get().pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("studies:list")


def test_a_member_of_another_study_cannot_be_named(study: Study, owner: User, outsider: User) -> None:
    elsewhere = outsider.memberships.get()
    client = signed_in(owner)
    assert client.post(url(study, "team_member_role"), {"member": elsewhere.pk, "role": Role.VIEWER}).status_code == 400
    assert client.post(url(study, "team_member_remove"), {"member": elsewhere.pk}).status_code == 400
    elsewhere.refresh_from_db()
    assert elsewhere.role == Role.OWNER


def test_an_owner_revokes_an_invitation_from_the_page(study: Study, owner: User, invitation: TeamInvitation) -> None:
    response = signed_in(owner).post(url(study, "team_invitation_revoke"), {"invitation": invitation.pk})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    page = signed_in(owner).get(url(study, "team")).content.decode()
    assert "pending@example.org" not in page
    again = signed_in(owner).post(url(study, "team_invitation_revoke"), {"invitation": invitation.pk})
    assert again.status_code == 400  # no longer open: nothing to revoke
    assert AuditEntry.objects.filter(action="team.invitation_revoked").count() == 1


def test_an_invitation_of_another_study_cannot_be_resent(study: Study, owner: User, outsider: User) -> None:
    other = outsider.memberships.get().study
    foreign = invitations.invite_member(study=other, email="x@example.org", role=Role.VIEWER, invited_by=outsider)
    response = signed_in(owner).post(url(study, "team_invitation_resend"), {"invitation": foreign.pk})
    assert response.status_code == 400
    foreign.refresh_from_db()
    assert foreign.sent_count == 1


def test_an_invitation_whose_inviter_was_deleted_still_shows(study: Study, owner: User) -> None:
    inviter = UserFactory()
    StudyMembership.objects.create(study=study, user=inviter, role=Role.OWNER)
    invitations.invite_member(study=study, email="late@example.org", role=Role.VIEWER, invited_by=inviter)
    inviter.delete()
    page = signed_in(owner).get(url(study, "team"))
    assert page.status_code == 200
    assert "late@example.org" in page.content.decode()
