"""Reminders ("nudges") to people who stopped at a step: invited but not consented, or consented but not booked.

studies.tasks.send_nudges runs `send_nudges` hourly. In a study that is recruiting or paused with reminders on
(`nudge_max_count` > 0), a person gets a reminder once their last step, or their last reminder if that is later, is
at least `nudge_after_days` old, and fewer than `nudge_max_count` reminders went out for the step they are at.

When the last step was taken:
- invited: when their invitation e-mail was sent (`sent_at` of their latest sent INVITATION outbox row). An
  invitation that was not sent (no address, failed, still queued) starts no clock: a reminder to the same address
  would not arrive either. People invited before the outbox existed have no such row and are not reminded.
- consented: the later of their latest signature (`Consent.signed_at`) and the last time a booking of theirs ended
  without an interview (cancelled or missed: that interview's `updated_at`), so someone who cancels or misses an
  interview waits the whole delay again before a reminder to book.

Never reminded: people at any other stage (withdrawn, ineligible, flagged, waitlisted, booked, interviewed), people
whose screening still awaits review, and people with a booked interview. A voice-answer study books a slot like any
other, so a consented person there is reminded to book; once booked, recording the answers is not reminded. A
reminder to book goes only while the study has a free slot ahead: one with nothing to book would mislead.

Claims: a conditional update on (status, nudges_sent, last_nudged_at) counts the reminder in the transaction that
queues it, so two beats at once send it once. studies.services.consent and .scheduling reset `nudges_sent` when
the person takes the step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Subquery, When
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import record_event
from accounts.models import User
from studies.models import Consent, Interview, OutboxMessage, Participant, ScreeningResponse, Study
from studies.services.outbox import queue_message
from studies.services.scheduling import open_slots
from studies.services.study_setup import BOOKING_STATUSES, check_setup_editable

S = Participant.Status
NUDGE_KINDS: dict[str, str] = {
    S.INVITED: OutboxMessage.Kind.NUDGE_CONSENT,
    S.CONSENTED: OutboxMessage.Kind.NUDGE_BOOKING,
}
MAX_AFTER_DAYS = 90
MAX_COUNT = 10


@dataclass(frozen=True)
class DueNudge:
    """A person owed a reminder, with the counter values the claim expects to find unchanged."""

    participant_id: int
    status: str
    nudges_sent: int
    last_nudged_at: datetime | None


def _later(first: Any, second: Any) -> Greatest:
    """The later of two moments, either of which may be NULL (then the other): PostgreSQL's GREATEST skips NULLs,
    SQLite's (the embedded run's database) returns NULL, so each side falls back on the other first."""
    return Greatest(Coalesce(first, second), Coalesce(second, first), output_field=DateTimeField())


def _last_step() -> Case:
    """When the person took the step they are at (see the module's docstring); NULL when unknown."""
    person = OuterRef("pk")
    invited = OutboxMessage.objects.filter(
        participant=person, kind=OutboxMessage.Kind.INVITATION, status=OutboxMessage.Status.SENT
    )
    signed = Consent.objects.filter(participant=person)
    unbooked = Interview.objects.filter(
        participant=person, status__in=(Interview.Status.CANCELLED, Interview.Status.NO_SHOW)
    )
    # A person who never booked counts from their signature.
    consented = _later(
        Subquery(signed.order_by("-signed_at").values("signed_at")[:1]),
        Subquery(unbooked.order_by("-updated_at").values("updated_at")[:1]),
    )
    return Case(
        When(status=S.INVITED, then=Subquery(invited.order_by("-sent_at").values("sent_at")[:1])),
        default=consented,
        output_field=DateTimeField(),
    )


def due_nudges(*, study: Study, now: datetime) -> list[DueNudge]:
    """The study's people owed a reminder at `now` (at most one each)."""
    statuses = [S.INVITED]
    if open_slots(study=study, now=now).exists():
        statuses.append(S.CONSENTED)
    awaiting_review = ScreeningResponse.objects.filter(
        participant=OuterRef("pk"), review=ScreeningResponse.Review.PENDING
    )
    booked = Interview.objects.filter(participant=OuterRef("pk"), status=Interview.Status.SCHEDULED)
    cutoff = now - timedelta(days=max(study.nudge_after_days, 1))
    people = (
        Participant.objects.filter(study=study, status__in=statuses, nudges_sent__lt=study.nudge_max_count)
        .exclude(Exists(awaiting_review))
        .exclude(Exists(booked))
        .annotate(since=_later(_last_step(), F("last_nudged_at")))
        .filter(since__lte=cutoff)
        .order_by("pk")
    )
    rows = people.values_list("pk", "status", "nudges_sent", "last_nudged_at")
    return [DueNudge(*row) for row in rows]


def claim_nudge(*, due: DueNudge, now: datetime) -> bool:
    """Count the reminder if nothing changed since `due` was read: True for exactly one caller."""
    claimed = Participant.objects.filter(
        pk=due.participant_id, status=due.status, nudges_sent=due.nudges_sent, last_nudged_at=due.last_nudged_at
    ).update(nudges_sent=F("nudges_sent") + 1, last_nudged_at=now)
    return bool(claimed)


def send_nudges(*, now: datetime | None = None) -> int:
    """Queue every reminder due at `now` (a later `now` stands for time passing); returns how many were queued.

    Each claim and its outbox row commit together, one person at a time: a crash leaves no counted reminder unsent.
    """
    now = now or timezone.now()
    queued = 0
    studies = Study.objects.filter(status__in=BOOKING_STATUSES, nudge_max_count__gt=0).order_by("pk")
    for study in studies:
        for due in due_nudges(study=study, now=now):
            with transaction.atomic():
                if not claim_nudge(due=due, now=now):
                    continue  # another beat had it, or the person moved on meanwhile
                kind = NUDGE_KINDS[due.status]
                queue_message(kind=kind, participant_id=due.participant_id)
                detail = {"participant": due.participant_id, "kind": kind, "count": due.nudges_sent + 1}
                record_event(action="participant.nudged", actor_label="system", study_id=study.id, detail=detail)
            queued += 1
    return queued


@transaction.atomic
def update_reminder_settings(
    *, study: Study, after_days: int, max_count: int, user: User, request: HttpRequest | None = None
) -> Study:
    """Set after how many days without a step people are reminded, and how often at most (0 turns reminders off).
    The caller has checked the role (owners and researchers)."""
    check_setup_editable(study)
    study = Study.objects.select_for_update().get(pk=study.pk)
    study.nudge_after_days = min(max(after_days, 1), MAX_AFTER_DAYS)
    study.nudge_max_count = min(max(max_count, 0), MAX_COUNT)
    study.save(update_fields=["nudge_after_days", "nudge_max_count", "updated_at"])
    detail = {"after_days": study.nudge_after_days, "max_count": study.nudge_max_count}
    record_event(action="study.reminders_set", actor=user, request=request, study_id=study.id, detail=detail)
    return study
