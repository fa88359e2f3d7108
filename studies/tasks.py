"""Celery tasks of the studies app: ids in, one service call each.

Every e-mail goes through the outbox (studies.services.outbox): the task below sends one row, and the beat sweep
sends again what the broker lost.
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from studies.models import OutboxMessage
from studies.services import outbox
from studies.services import questionnaire_notices as notices
from studies.services.emails import deliver_message
from studies.services.nudges import send_nudges as queue_due_nudges
from studies.services.retention import apply_retention
from studies.services.scheduling import claim_reminder, due_reminders


@shared_task(name=outbox.SEND_TASK, ignore_result=True)
def send_outbox_message(message_id: int) -> None:
    """Send one outbox message: claimed first, so a re-delivered task sends nothing more."""
    deliver_message(message_id=message_id)


@shared_task(ignore_result=True)
def sweep_outbox() -> None:
    """Beat, every 30 s: messages the broker lost or a dead worker held go out again (safety alerts first)."""
    outbox.sweep_outbox()


@shared_task(ignore_result=True)
def queue_due_questionnaire_emails() -> None:
    """Beat: catch pairs that became due without a stage change (a questionnaire added later). Idempotent:
    announced pairs are skipped, and a pair queued twice is claimed once."""
    with transaction.atomic():
        notices.queue_due_emails(participant_id=None)


@shared_task(ignore_result=True)
def send_interview_reminders() -> None:
    """Beat, every few minutes: reminders 24 hours and 1 hour before. No sensitive content in them."""
    now = timezone.now()
    for hours in (1, 24):
        for interview_id in due_reminders(now=now, hours=hours).values_list("id", flat=True):
            with transaction.atomic():  # the reminder's claim and its outbox row commit together
                if claim_reminder(interview_id=interview_id, hours=hours, now=now):
                    outbox.queue_message(
                        kind=OutboxMessage.Kind.REMINDER, interview_id=interview_id, reminder_hours=hours
                    )


@shared_task(ignore_result=True)
def send_nudges() -> None:
    """Beat, hourly: reminders to people invited but not consented, or consented but not booked, after the study's
    delay and at most its number of times. Claimed per person, so two beats at once send each reminder once."""
    queue_due_nudges()


@shared_task(ignore_result=True)
def apply_retention_policies() -> None:
    """Daily: each study's retention settings (raw audio after approval, contact details after closing)."""
    apply_retention()
