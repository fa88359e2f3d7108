"""Writes for studies and their teams (typed, keyword-only, one transaction each)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import User
from studies.models import OutboxMessage, Role, Study, StudyMembership
from studies.services.outbox import queue_message


class TeamError(Exception):
    """A team change that would break the study (for example removing its last owner)."""


@transaction.atomic
def create_study(*, owner: User, title: str, slug: str, languages: list[str] | None = None) -> Study:
    """Create a draft study with `owner` as its first owner."""
    study = Study.objects.create(title=title, slug=slug, languages=languages or ["en"])
    StudyMembership.objects.create(study=study, user=owner, role=Role.OWNER)
    return study


def set_member_role(*, study: Study, user: User, role: str) -> StudyMembership:
    """Give `user` a role on `study` (adding or changing it) and tell them by email once committed.

    The caller has checked that the acting person may manage the team.
    """
    with transaction.atomic():
        membership, created = StudyMembership.objects.select_for_update().get_or_create(
            study=study, user=user, defaults={"role": role}
        )
        if not created and membership.role != role:
            if membership.role == Role.OWNER and _owner_count(study) == 1:
                raise TeamError("A study must keep at least one owner.")
            membership.role = role
            membership.save(update_fields=["role", "updated_at"])
        queue_message(kind=OutboxMessage.Kind.MEMBERSHIP, membership_id=membership.id)
    return membership


def _owner_count(study: Study) -> int:
    return StudyMembership.objects.filter(study=study, role=Role.OWNER).count()


def _locked_membership(membership: StudyMembership) -> StudyMembership:
    """The membership as it is now, its study row locked first: team changes of one study take turns, so two owners
    demoting each other at once cannot leave it without an owner."""
    Study.objects.select_for_update().get(pk=membership.study_id)
    return StudyMembership.objects.select_related("study").get(pk=membership.pk)


def _refuse_losing_the_last_owner(membership: StudyMembership) -> None:
    if membership.role == Role.OWNER and _owner_count(membership.study) == 1:
        raise TeamError(_("A study must keep at least one owner. Make someone else an owner first."))


@transaction.atomic
def change_member_role(
    *, membership: StudyMembership, role: str, request: HttpRequest | None = None
) -> StudyMembership:
    """Give a member another role and tell them by e-mail; refused when it would leave the study without an owner.

    The caller has checked that the acting person is an owner."""
    membership = _locked_membership(membership)
    previous = membership.role
    if role == previous:
        return membership
    _refuse_losing_the_last_owner(membership)
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    queue_message(kind=OutboxMessage.Kind.MEMBERSHIP, membership_id=membership.id)
    detail = {"user_id": membership.user_id, "from": previous, "to": role}
    record_event(
        action="team.role_changed", request=request, study_id=membership.study_id, target=membership, detail=detail
    )
    return membership


@transaction.atomic
def remove_member(*, membership: StudyMembership, request: HttpRequest | None = None) -> None:
    """Take a person off the study's team; refused for its last owner. Only the membership row goes: the account
    stays, and their codings, transcript edits and audit entries stay attributed to them.

    The caller has checked that the acting person is an owner."""
    membership = _locked_membership(membership)
    _refuse_losing_the_last_owner(membership)
    detail = {"user_id": membership.user_id, "role": membership.role}
    record_event(
        action="team.member_removed", request=request, study_id=membership.study_id, target=membership, detail=detail
    )
    membership.delete()
