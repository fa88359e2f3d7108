"""Interview slots: booking, cancelling and rescheduling, calendar files, and reminders.

Double booking is prevented by the database (partial unique constraints on Interview: one scheduled
interview per slot, one booked slot per participant), not by a check-then-write in Python.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from config.time_zones import TIME_ZONES  # the portal's zones are the profile's (studies' callers read it here)
from studies.models import CompensationPlan, Interview, OutboxMessage, Participant, Slot, Study
from studies.services.incentives import earn_incentive
from studies.services.outbox import queue_message
from studies.services.questionnaire_notices import announce_when_due

BOOKABLE = (Participant.Status.CONSENTED, Participant.Status.SCHEDULED)


class BookingError(Exception):
    """A booking that cannot be made; the message is for the participant, in their language."""


def open_slots(*, study: Study, now: datetime | None = None) -> QuerySet[Slot]:
    """Future slots nobody has booked."""
    now = now or timezone.now()
    return Slot.objects.filter(study=study, start__gt=now).exclude(interviews__status=Interview.Status.SCHEDULED)


def current_booking(participant: Participant) -> Interview | None:
    return participant.interviews.filter(status=Interview.Status.SCHEDULED, slot__isnull=False).first()


def book_slot(*, participant: Participant, slot: Slot, time_zone: str = "") -> Interview:
    """Book `slot` (cancelling the participant's current booking: a reschedule) in one transaction.

    Two people racing for one slot: the unique constraint lets one insert commit; the other gets
    BookingError and nothing of theirs changes (their earlier booking is kept).
    """
    try:
        with transaction.atomic():
            participant = Participant.objects.select_for_update().get(pk=participant.pk)
            # Locked and read again: a team member editing or deleting this free slot waits for the booking, or
            # the booking sees the slot as it is now (its time, its meeting details), never a stale copy.
            slot = _locked_slot(slot.pk)
            if participant.status not in BOOKABLE or slot.study_id != participant.study_id:
                raise BookingError(_("Please complete the consent form before booking."))
            if slot.start <= timezone.now():
                raise BookingError(_("This time has already passed. Please choose another."))
            participant.interviews.filter(status=Interview.Status.SCHEDULED, slot__isnull=False).update(
                status=Interview.Status.CANCELLED
            )
            interview = Interview.objects.create(
                study_id=participant.study_id,
                participant=participant,
                interviewer_id=slot.interviewer_id,
                mode=slot.mode,
                scheduled_start=slot.start,
                duration_minutes=slot.duration_minutes,
                slot=slot,
                meeting_link=meeting_link_for(slot),
            )
            participant.status = Participant.Status.SCHEDULED
            participant.nudges_sent = 0  # a new step: its reminders count from zero (studies.services.nudges)
            if time_zone in TIME_ZONES:
                participant.time_zone = time_zone
            participant.save(update_fields=["status", "nudges_sent", "time_zone", "updated_at"])
            announce_when_due(participant_id=participant.id)
            queue_message(
                kind=OutboxMessage.Kind.BOOKING_CONFIRMATION, participant_id=participant.id, interview_id=interview.id
            )
            return interview
    except IntegrityError as error:
        raise BookingError(_("Someone has just booked this time. Please choose another.")) from error


def _locked_slot(slot_id: int) -> Slot:
    try:
        return Slot.objects.select_for_update(of=("self",)).select_related("study").get(pk=slot_id)
    except Slot.DoesNotExist:
        raise BookingError(_("This time is no longer offered. Please choose another.")) from None


def meeting_link_for(slot: Slot) -> str:
    """What the person booking `slot` uses to join: a new video room of their own when the slot generates links (the
    study's video-call address and an unguessable name that says nothing about the person), else the slot's fixed
    details (a link, a phone arrangement or a place)."""
    base = slot.study.video_call_base_url
    if not slot.generate_link or not base:
        return slot.details
    separator = "" if base.endswith(("/", "=")) else "/"
    return f"{base}{separator}{secrets.token_urlsafe(16)}"


def joining_details(interview: Interview) -> str:
    """The booked interview's meeting link or details; bookings made before links were stored use the slot's."""
    if interview.meeting_link:
        return interview.meeting_link
    return interview.slot.details if interview.slot is not None else ""


@transaction.atomic
def cancel_booking(*, participant: Participant) -> bool:
    """Cancel the participant's booked interview; returns False when there was none."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    # updated_at is when the booking ended: a reminder to book again counts from it (studies.services.nudges).
    cancelled = participant.interviews.filter(status=Interview.Status.SCHEDULED, slot__isnull=False).update(
        status=Interview.Status.CANCELLED, updated_at=timezone.now()
    )
    if cancelled and participant.status == Participant.Status.SCHEDULED:
        participant.status = Participant.Status.CONSENTED
        participant.save(update_fields=["status", "updated_at"])
    return bool(cancelled)


def local_time(moment: datetime, time_zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(time_zone if time_zone in TIME_ZONES else "UTC"))


def interview_ics(interview: Interview) -> bytes:
    """An iCalendar file for the booked interview (times in UTC; calendars show them locally)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Interview research platform//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"interview-{interview.pk}@interview-platform")
    event.add("dtstamp", timezone.now())
    start = interview.scheduled_start or timezone.now()
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=interview.duration_minutes))
    event.add("summary", _("Research interview: %(study)s") % {"study": interview.study.title})
    if joining := joining_details(interview):
        event.add("location", joining)
        if joining.startswith(("https://", "http://")):
            event.add("url", joining)
    calendar.add_component(event)
    return calendar.to_ical()


def due_reminders(*, now: datetime, hours: int) -> QuerySet[Interview]:
    """Booked interviews starting within `hours` that have not had that reminder yet."""
    field = "reminder_24h_sent_at" if hours == 24 else "reminder_1h_sent_at"
    return Interview.objects.filter(
        status=Interview.Status.SCHEDULED,
        slot__isnull=False,
        scheduled_start__gt=now,
        scheduled_start__lte=now + timedelta(hours=hours),
        **{f"{field}__isnull": True},
    )


def claim_reminder(*, interview_id: int, hours: int, now: datetime) -> bool:
    """Conditional update: True for exactly one caller, so a reminder is never sent twice."""
    field = "reminder_24h_sent_at" if hours == 24 else "reminder_1h_sent_at"
    claimed = bool(Interview.objects.filter(id=interview_id, **{f"{field}__isnull": True}).update(**{field: now}))
    if claimed and hours == 1:
        # Booked less than a day ahead: the 1-hour reminder replaces the 24-hour one.
        Interview.objects.filter(id=interview_id, reminder_24h_sent_at__isnull=True).update(reminder_24h_sent_at=now)
    return claimed


@transaction.atomic
def complete_interview(*, interview: Interview) -> Interview:
    """Record that a booked interview took place: the participant counts as interviewed from now on (quotas
    at that stage, feedback questionnaires). The caller has checked the team member's role."""
    interview = Interview.objects.select_for_update().get(pk=interview.pk)
    if interview.status != Interview.Status.SCHEDULED:
        return interview
    interview.status = Interview.Status.COMPLETED
    interview.save(update_fields=["status", "updated_at"])
    moved = (
        Participant.objects.filter(pk=interview.participant_id)
        .exclude(status=Participant.Status.WITHDRAWN)
        .update(status=Participant.Status.INTERVIEWED)
    )
    if moved:
        announce_when_due(participant_id=interview.participant_id)
        earn_incentive(participant=interview.participant, reason=CompensationPlan.Trigger.INTERVIEW_DONE)
    return interview
