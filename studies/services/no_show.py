"""A booked live interview the participant did not come to: marked as missed (no-show) by the team.

The interview becomes NO_SHOW, which frees its slot (the one-booking-per-slot constraint counts scheduled interviews
only); the participant is back at "consented", so they can book again, with a fresh reminder count; and once
committed they get an e-mail inviting them to book again (outbox NO_SHOW, in their language, with their link).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import User
from studies.models import Interview, OutboxMessage, Participant
from studies.services.distress import LIVE_MODES
from studies.services.outbox import queue_message
from studies.services.study_setup import accepts_new_bookings


class NoShowRefused(Exception):
    """The interview cannot be marked as missed (the message says why); nothing was changed."""


def may_mark_no_show(interview: Interview, *, now: datetime | None = None) -> bool:
    """A booked live interview whose start has passed and that nobody started on the interview page."""
    now = now or timezone.now()
    return (
        interview.status == Interview.Status.SCHEDULED
        and interview.mode in LIVE_MODES
        and interview.scheduled_start is not None
        and interview.scheduled_start <= now
        and interview.started_at is None
    )


@transaction.atomic
def mark_no_show(
    *, interview: Interview, user: User, request: HttpRequest | None = None, now: datetime | None = None
) -> Interview:
    """Mark `interview` as missed. The caller has checked the role (owners, researchers, interviewers).

    The participant is locked before the interview, in the order booking takes them, so a booking made at the same
    moment waits rather than deadlocks."""
    participant = (
        Participant.objects.select_for_update(of=("self",)).select_related("study").get(pk=interview.participant_id)
    )
    interview = Interview.objects.select_for_update().get(pk=interview.pk)
    if not may_mark_no_show(interview, now=now):
        raise NoShowRefused(
            _("Only a booked live interview whose time has come, and that was not started, can be marked as missed.")
        )
    interview.status = Interview.Status.NO_SHOW
    interview.save(update_fields=["status", "updated_at"])
    invited = False
    # A withdrawn person stays withdrawn and hears nothing; one with another booking keeps it.
    others = participant.interviews.filter(status=Interview.Status.SCHEDULED).exists()
    if participant.status == Participant.Status.SCHEDULED and not others:
        participant.status = Participant.Status.CONSENTED
        participant.nudges_sent = 0
        participant.save(update_fields=["status", "nudges_sent", "updated_at"])
        invited = accepts_new_bookings(participant.study)
    if invited:
        queue_message(kind=OutboxMessage.Kind.NO_SHOW, participant_id=participant.id, interview_id=interview.id)
    record_event(
        action="interview.no_show",
        actor=user,
        request=request,
        study_id=interview.study_id,
        target=interview,
        detail={"participant": participant.id, "rebook_invited": invited},
    )
    return interview
