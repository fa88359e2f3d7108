"""Crisis resources for a country and language, safety events for risk-item answers, and their follow-up."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from studies.models import CrisisResource, OutboxMessage, Participant, SafetyEvent, Study
from studies.permissions import CONTACT_ROLES, MANAGERS, require_role
from studies.services.outbox import queue_message

FollowUp = SafetyEvent.FollowUp
# Who sees safety events and follows them up: the dashboard's safety panel audience. Interviewers meet people
# but a risk-item trigger is health information the study's safety protocol gives to its leads.
FOLLOW_UP_ROLES = MANAGERS
# Who may be given a follow-up by a distress protocol (and then record it): the people who meet participants.
ASSIGNABLE_ROLES = CONTACT_ROLES
NOTE_MAX_LENGTH = 1000
# Each state and the states it may move to; a resolved event may be reopened if it was closed too soon.
TRANSITIONS: dict[str, frozenset[str]] = {
    FollowUp.OPEN: frozenset({FollowUp.CONTACTED, FollowUp.RESOLVED}),
    FollowUp.CONTACTED: frozenset({FollowUp.RESOLVED}),
    FollowUp.RESOLVED: frozenset({FollowUp.OPEN}),
}


class SafetyFollowUpError(Exception):
    """A follow-up change that is not allowed (a transition, a missing or long note): nothing was changed."""


def crisis_resources_for(*, study: Study | None, country: str, language: str) -> list[CrisisResource]:
    """Resources for the country first, then the worldwide ones, in the person's language where one exists.

    A study with resources of its own shows only those; otherwise the platform's defaults. A language-specific row
    replaces the language-neutral row of the same country and name (its translated twin); rows for other
    languages are left out.
    """
    own = study is not None and CrisisResource.objects.filter(study=study).exists()
    rows = (
        CrisisResource.objects.filter(study=study if own else None)
        .filter(Q(country=country.upper()) | Q(country=""))
        .filter(Q(language="") | Q(language=language))
        .order_by("-country", "position", "name")
    )
    translated = {(row.country, row.name) for row in rows if row.language}
    return [row for row in rows if row.language or (row.country, row.name) not in translated]


def record_safety_events(*, participant: Participant, question_keys: list[str]) -> list[SafetyEvent]:
    """Log one event per triggered risk item and email the safety contact once committed.

    Must run inside the caller's transaction. The event holds the question key, never the answer.
    """
    events = [
        SafetyEvent.objects.create(study_id=participant.study_id, participant=participant, question_key=key)
        for key in question_keys
    ]
    for event in events:  # urgent: their own priority, sent first by the sweep
        queue_message(kind=OutboxMessage.Kind.SAFETY_ALERT, participant_id=participant.id, safety_event_id=event.id)
    return events


def follow_up_safety_event(
    *, event: SafetyEvent, to: str, note: str, user: Any, request: HttpRequest | None = None
) -> SafetyEvent:
    """Move an event's follow-up to `to` (contacted, resolved, or open again), with the acting person's note.

    Checks the role itself (404 for outsiders, 403 for members outside FOLLOW_UP_ROLES, via
    studies.permissions), except for the person a distress protocol gave the follow-up to, who may record their own
    (an interviewer who calls the participant the next day). The note replaces the stored one (pages offer the
    current note for editing) and is required to resolve. The row is locked and the transition checked against its
    current state, so two people clicking at once cannot both move it; the audit entry holds the states, never the
    note.
    """
    membership = require_role(user, event.study.slug, ASSIGNABLE_ROLES)
    if membership.role not in FOLLOW_UP_ROLES and event.follow_up_assignee_id != user.pk:
        raise PermissionDenied
    note = note.strip()
    if to not in TRANSITIONS:
        raise SafetyFollowUpError(_("Choose a follow-up status."))
    if len(note) > NOTE_MAX_LENGTH:
        raise SafetyFollowUpError(
            _("The note is too long (at most %(limit)d characters).") % {"limit": NOTE_MAX_LENGTH}
        )
    with transaction.atomic():
        locked = SafetyEvent.objects.select_for_update().get(pk=event.pk)
        previous = locked.follow_up
        _check_transition(previous, to, note)
        locked.follow_up = to
        locked.follow_up_note = note
        reopened = to == FollowUp.OPEN
        locked.followed_up_by = None if reopened else user
        locked.followed_up_at = None if reopened else timezone.now()
        locked.save(update_fields=["follow_up", "follow_up_note", "followed_up_by", "followed_up_at", "updated_at"])
        record_event(
            action="safety_event.followed_up",
            actor=user,
            request=request,
            study_id=locked.study_id,
            target=locked,
            detail={"from": previous, "to": to},
        )
    return locked


def _check_transition(previous: str, to: str, note: str) -> None:
    if to in TRANSITIONS[previous]:
        if to == FollowUp.RESOLVED and not note:
            raise SafetyFollowUpError(_("Write a short note on how the event was resolved."))
        return
    if to == FollowUp.OPEN:
        raise SafetyFollowUpError(_("Only a resolved event can be reopened."))
    if to == previous:
        raise SafetyFollowUpError(_("The event is already marked as %(status)s.") % {"status": FollowUp(to).label})
    raise SafetyFollowUpError(_("A resolved event must be reopened before it is marked as contacted."))
