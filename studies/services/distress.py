"""The distress protocol of interviews: the study's protocol, marking distress in a live interview, the
interviewer's assessment and its outcome, a participant asking for support in a voice interview, and the follow-up
each outcome schedules.

Every write is one transaction that locks the row it changes and leaves an audit entry with ids and codes only
(never a note). Notes are encrypted (`SafetyEvent.assessment_note`) and read by owners and researchers only.
Safety alerts and follow-up reminders go through the outbox in the same transaction (studies.services.outbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record_event
from studies.models import (
    DistressProtocol,
    GuideQuestion,
    Interview,
    OutboxMessage,
    Participant,
    Role,
    SafetyEvent,
    Study,
)
from studies.permissions import MANAGERS, require_role
from studies.services.outbox import queue_message
from studies.services.scheduling import complete_interview

Kind = SafetyEvent.Kind
Outcome = SafetyEvent.Outcome
# Who runs interviews, so may mark distress and record the assessment.
INTERVIEW_ROLES = frozenset({Role.OWNER, Role.RESEARCHER, Role.INTERVIEWER})
# Interviews an interviewer runs with the participant, so starts and marks distress in (a voice interview's
# participant asks for support instead: open_support).
LIVE_MODES = (Interview.Mode.VIDEO, Interview.Mode.PHONE, Interview.Mode.IN_PERSON)
NOTE_MAX_LENGTH = 2000
QUESTION_MAX_LENGTH = 300
MAX_QUESTIONS = 12
DEFAULT_NOTIFY = (Outcome.STOP, Outcome.URGENT_HELP)
DEFAULT_FOLLOW_UP = (Outcome.PAUSE, Outcome.RESCHEDULE, Outcome.STOP, Outcome.URGENT_HELP)
# The platform's assessment questions, asked in the participant's language (each catalog translates them).
DEFAULT_QUESTIONS = (
    gettext_lazy("How are you feeling right now?"),
    gettext_lazy("What would help you most at this moment: a break, stopping for today, or going on?"),
    gettext_lazy("Are you having any thoughts of hurting yourself?"),
    gettext_lazy("Is there someone you can be with or talk to after we finish today?"),
    gettext_lazy("May we contact you tomorrow to see how you are?"),
)


class DistressError(Exception):
    """A protocol step that is refused (a wrong outcome, a long note, an event already assessed): nothing changed."""


@dataclass(frozen=True)
class Protocol:
    """A study's protocol as it applies: its own row's settings, else the platform's defaults."""

    study: Study
    questions: list[dict[str, str]]
    notify_outcomes: tuple[str, ...]
    follow_up_outcomes: tuple[str, ...]
    follow_up_hours: int
    follow_up_assignee_id: int | None
    follow_up_channel: str
    is_default: bool

    def questions_in(self, language: str) -> list[str]:
        """The assessment questions in `language`, else the study's first language; the platform's translated."""
        if not self.questions:
            with translation.override(language):
                return [str(question) for question in DEFAULT_QUESTIONS]
        fallback = (self.study.languages or ["en"])[0]
        code = language.split("-")[0]
        return [texts.get(code) or texts.get(fallback) or next(iter(texts.values()), "") for texts in self.questions]


def protocol_for(study: Study) -> Protocol:
    row = DistressProtocol.objects.filter(study=study).first()
    if row is None:
        return Protocol(study, [], DEFAULT_NOTIFY, DEFAULT_FOLLOW_UP, 24, None, SafetyEvent.Channel.PHONE, True)
    return Protocol(
        study,
        list(row.questions),
        tuple(row.notify_outcomes),
        tuple(row.follow_up_outcomes),
        row.follow_up_hours,
        row.follow_up_assignee_id,
        row.follow_up_channel,
        False,
    )


def check_live(interview: Interview) -> None:
    """Only a live interview that is still scheduled (under way) is started or has distress marked in it."""
    if interview.mode not in LIVE_MODES:
        raise DistressError(_("In a voice interview the participant asks for support themselves."))
    if interview.status != Interview.Status.SCHEDULED:
        raise DistressError(_("This interview is over or was cancelled: distress is marked while it runs."))


def start_interview(*, interview: Interview, user: Any, request: HttpRequest | None = None) -> Interview:
    """Note when a live interview started (once): a distress mark's time in the recording counts from here."""
    require_role(user, interview.study.slug, INTERVIEW_ROLES)
    check_live(interview)
    with transaction.atomic():
        started = Interview.objects.filter(
            pk=interview.pk, status=Interview.Status.SCHEDULED, started_at__isnull=True
        ).update(started_at=timezone.now())
        if started:
            record_event(
                action="interview.started", actor=user, request=request, study_id=interview.study_id, target=interview
            )
    interview.refresh_from_db(fields=["started_at"])
    return interview


def mark_distress(*, interview: Interview, user: Any, request: HttpRequest | None = None) -> SafetyEvent:
    """Mark distress now in a live interview, to be assessed next. Pressing twice before the assessment gives the
    same event (one moment, one assessment)."""
    require_role(user, interview.study.slug, INTERVIEW_ROLES)
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        check_live(locked)
        pending = SafetyEvent.objects.filter(interview=locked, kind=Kind.INTERVIEW_DISTRESS, outcome="").first()
        if pending is not None:
            return pending
        now = timezone.now()
        since = locked.started_at or locked.scheduled_start
        offset = (now - since).total_seconds() if since is not None and since <= now else None
        event = SafetyEvent.objects.create(
            study_id=locked.study_id,
            participant_id=locked.participant_id,
            kind=Kind.INTERVIEW_DISTRESS,
            interview=locked,
            marked_at=now,
            marked_by=user,
            recording_offset=offset,
        )
        record_event(
            action="safety_event.distress_marked", actor=user, request=request, study_id=locked.study_id, target=event
        )
    return event


def record_assessment(
    *, event: SafetyEvent, outcome: str, note: str, user: Any, request: HttpRequest | None = None
) -> SafetyEvent:
    """Record the assessment's outcome and the interviewer's note; alert and schedule as the protocol says."""
    require_role(user, event.study.slug, INTERVIEW_ROLES)
    note = note.strip()
    if outcome not in Outcome.values:
        raise DistressError(_("Choose what you decided together."))
    if len(note) > NOTE_MAX_LENGTH:
        raise DistressError(_("The note is too long (at most %(limit)d characters).") % {"limit": NOTE_MAX_LENGTH})
    with transaction.atomic():
        locked = SafetyEvent.objects.select_for_update().select_related("study").get(pk=event.pk)
        if locked.kind != Kind.INTERVIEW_DISTRESS:
            raise DistressError(_("Only distress marked in an interview is assessed here."))
        if locked.outcome:
            raise DistressError(_("This moment was already assessed. Mark distress again if it happens again."))
        locked.assessment_note = note
        _conclude(locked, outcome=outcome, default_assignee_id=locked.marked_by_id)
        record_event(
            action="safety_event.assessed",
            actor=user,
            request=request,
            study_id=locked.study_id,
            target=locked,
            detail={"outcome": outcome},
        )
    return locked


def _conclude(event: SafetyEvent, *, outcome: str, default_assignee_id: int | None) -> None:
    """Write the outcome, alert the safety contacts and schedule the follow-up as the protocol says. The caller
    holds the event's lock inside its transaction."""
    protocol = protocol_for(event.study)
    now = timezone.now()
    event.outcome = outcome
    event.assessed_at = now
    if outcome in protocol.follow_up_outcomes:
        event.follow_up_due_at = now + timedelta(hours=protocol.follow_up_hours)
        event.follow_up_assignee_id = protocol.follow_up_assignee_id or default_assignee_id
        event.follow_up_channel = protocol.follow_up_channel
    event.save()
    if outcome in protocol.notify_outcomes:
        queue_message(
            kind=OutboxMessage.Kind.SAFETY_ALERT, participant_id=event.participant_id, safety_event_id=event.id
        )
    if event.follow_up_due_at is not None:
        queue_message(kind=OutboxMessage.Kind.FOLLOW_UP_DUE, safety_event_id=event.id, send_at=event.follow_up_due_at)


def set_recording_offset(
    *, event: SafetyEvent, seconds: float, user: Any, request: HttpRequest | None = None
) -> SafetyEvent:
    """Correct where the mark falls in the recording, once it is uploaded (owners, researchers, interviewers)."""
    require_role(user, event.study.slug, INTERVIEW_ROLES)
    if not 0 <= seconds <= 24 * 3600:
        raise DistressError(_("Give the time in the recording as minutes and seconds, for example 12:30."))
    if event.kind != Kind.INTERVIEW_DISTRESS:
        raise DistressError(_("Only distress marked in an interview has a time in the recording."))
    with transaction.atomic():
        SafetyEvent.objects.filter(pk=event.pk).update(recording_offset=seconds, updated_at=timezone.now())
        record_event(
            action="safety_event.offset_set", actor=user, request=request, study_id=event.study_id, target=event
        )
    event.refresh_from_db()
    return event


def open_support(*, interview: Interview, question: GuideQuestion | None) -> SafetyEvent:
    """A participant opened "I need support" in their voice interview: the team sees that it happened (never any
    content). Opening it again in the same interview, before stopping, is the same event."""
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        event = SafetyEvent.objects.filter(interview=locked, kind=Kind.PARTICIPANT_SUPPORT, outcome="").first()
        if event is not None:
            return event
        event = SafetyEvent.objects.create(
            study_id=locked.study_id,
            participant_id=locked.participant_id,
            kind=Kind.PARTICIPANT_SUPPORT,
            interview=locked,
            guide_question=question,
            marked_at=timezone.now(),
        )
        record_event(
            action="safety_event.support_opened", actor_label="participant", study_id=locked.study_id, target=event
        )
    return event


def stop_voice_interview(*, event: SafetyEvent) -> SafetyEvent:
    """The participant chose to stop after opening support: the interview ends with what was sent so far, and the
    protocol's alert and follow-up for "stop" apply. The caller checked that the event is the participant's own."""
    with transaction.atomic():
        # The participant row first, in the order answers, withdrawal and partial withdrawal lock it.
        Participant.objects.select_for_update().filter(pk=event.participant_id).first()
        locked = SafetyEvent.objects.select_for_update(of=("self",)).select_related("study").get(pk=event.pk)
        if locked.kind != Kind.PARTICIPANT_SUPPORT or locked.outcome:
            return locked
        # Handed in as finishing does (the person counts as interviewed; what they skipped or did not reach is
        # never held against them).
        complete_interview(interview=Interview.objects.get(safety_events=locked))
        _conclude(locked, outcome=Outcome.STOP, default_assignee_id=None)
        record_event(
            action="safety_event.participant_stopped",
            actor_label="participant",
            study_id=locked.study_id,
            target=locked,
        )
    return locked


def may_request_cut(event: SafetyEvent) -> bool:
    """A participant may ask that what they said after a mark is not used once the interview stopped there."""
    stopped = event.outcome in (Outcome.STOP, Outcome.URGENT_HELP, Outcome.RESCHEDULE)
    return event.kind != Kind.RISK_ITEM and stopped and event.cut_applied_at is None


def request_cut(*, event: SafetyEvent, user: Any = None, request: HttpRequest | None = None) -> SafetyEvent:
    """Record that the participant asked for the part after the mark not to be used (from their page, or by a
    manager who took the request by phone). The team applies it (studies.services.partial_withdrawal)."""
    if user is not None:
        require_role(user, event.study.slug, MANAGERS)
    if not may_request_cut(event):
        raise DistressError(_("This part of the interview can no longer be withdrawn here. Please contact the team."))
    with transaction.atomic():
        asked = SafetyEvent.objects.filter(pk=event.pk, cut_requested_at__isnull=True).update(
            cut_requested_at=timezone.now(), updated_at=timezone.now()
        )
        if not asked:  # asked already (a second press, or the team took it by phone): nothing new to record
            event.refresh_from_db()
            return event
        record_event(
            action="safety_event.cut_requested",
            actor=user,
            actor_label="" if user is not None else "participant",
            request=request if user is not None else None,
            study_id=event.study_id,
            target=event,
        )
    event.refresh_from_db()
    return event
