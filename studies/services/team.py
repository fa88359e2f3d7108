"""Writes for studies and their teams (typed, keyword-only, one transaction each)."""

from __future__ import annotations

from django.db import transaction

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
