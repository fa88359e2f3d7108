"""The outbox's write side: queue a message in the caller's transaction, hand its id to the broker once that
commits, and sweep for messages the broker lost or workers dropped.

Delivery is at least once, claimed so that it is almost always exactly once: studies.services.emails claims a row
(pending → sending) before it sends. The one duplicate left: a worker that dies after the mail server accepted a
message but before the row says "sent" leaves it in "sending"; the sweep releases it after SENDING_TIMEOUT and it
is sent again. We accept that over a message lost for good.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError

from studies.models import OutboxMessage

logger = logging.getLogger(__name__)
Kind = OutboxMessage.Kind
Status = OutboxMessage.Status

# The task is addressed by name: studies.tasks imports the renderers, which import the services that queue mail.
SEND_TASK = "studies.tasks.send_outbox_message"
QUEUE = "default"  # never "transcription": mail and safety alerts must not wait behind Whisper
# Redis priorities: 0 is served first (kombu keeps one list per step, 0 3 6 9).
URGENT_PRIORITY, NORMAL_PRIORITY = 0, 6
RESEND_AFTER = timedelta(seconds=60)  # a pending row older than this was lost on the way: the sweep sends it again
SENDING_TIMEOUT = timedelta(minutes=10)  # a row "sending" this long belonged to a worker that died
MAX_ATTEMPTS = 8
SWEEP_BATCH = 500


def queue_message(
    *,
    kind: str,
    participant_id: int | None = None,
    interview_id: int | None = None,
    consent_id: int | None = None,
    membership_id: int | None = None,
    safety_event_id: int | None = None,
    questionnaire_id: int | None = None,
    reminder_hours: int | None = None,
    team_invitation_id: int | None = None,
    incentive_id: int | None = None,
    send_at: datetime | None = None,
) -> OutboxMessage:
    """Write the message in the caller's transaction; its id goes to the broker once that commits.

    A broker that is down then is logged (ids only) and is not the caller's error: the row waits for the sweep.
    With `send_at` in the future nothing is published now: the sweep sends the row once it is due.
    """
    later = send_at is not None and send_at > timezone.now()
    message = OutboxMessage.objects.create(
        kind=kind,
        urgent=kind == Kind.SAFETY_ALERT,
        participant_id=participant_id,
        interview_id=interview_id,
        consent_id=consent_id,
        membership_id=membership_id,
        safety_event_id=safety_event_id,
        questionnaire_id=questionnaire_id,
        reminder_hours=reminder_hours,
        team_invitation_id=team_invitation_id,
        incentive_id=incentive_id,
        next_attempt_at=send_at if later and send_at is not None else timezone.now() + RESEND_AFTER,
    )
    if later:
        return message
    message_id, urgent = message.id, message.urgent
    # robust: anything the callback did not foresee is logged by Django and still leaves the commit standing.
    transaction.on_commit(lambda: publish(message_id=message_id, urgent=urgent), robust=True)
    return message


def publish(*, message_id: int, urgent: bool) -> bool:
    """Hand one id to the broker; False when it cannot be reached (the sweep will try again).

    retry=False: the user's request must not wait out publish retries; the sweep owns re-delivery.
    """
    try:
        current_app.send_task(
            SEND_TASK,
            args=[message_id],
            queue=QUEUE,
            priority=URGENT_PRIORITY if urgent else NORMAL_PRIORITY,
            retry=False,
        )
    except (OperationalError, OSError) as error:
        # The error's text can carry the broker URL (with its password): log its class only.
        logger.warning("outbox message %s not handed to the broker (%s)", message_id, type(error).__name__)
        return False
    return True


def claim_message(*, message_id: int, now: datetime | None = None) -> bool:
    """pending → sending, counting the attempt. False when someone else has it, or it is done."""
    now = now or timezone.now()
    claimed = OutboxMessage.objects.filter(id=message_id, status=Status.PENDING).update(
        status=Status.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    return bool(claimed)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def release_message(*, message_id: int, error: str, now: datetime | None = None) -> str:
    """A transient failure: back to pending with back-off, or failed after MAX_ATTEMPTS. Returns the new status."""
    now = now or timezone.now()
    message = OutboxMessage.objects.filter(id=message_id, status=Status.SENDING).first()
    if message is None:
        return ""
    status = Status.FAILED if message.attempts >= MAX_ATTEMPTS else Status.PENDING
    OutboxMessage.objects.filter(id=message_id, status=Status.SENDING).update(
        status=status, last_error=error, claimed_at=None, next_attempt_at=now + backoff(message.attempts)
    )
    return status


def finish_message(*, message_id: int, sent: bool, reason: str = "", now: datetime | None = None) -> None:
    """sending → sent, or → skipped with the permanent reason it was not sent."""
    now = now or timezone.now()
    OutboxMessage.objects.filter(id=message_id, status=Status.SENDING).update(
        status=Status.SENT if sent else Status.SKIPPED, sent_at=now if sent else None, last_error=reason
    )


@dataclass(frozen=True)
class SweepResult:
    released: int
    failed: int
    resent: int


def sweep_outbox(*, now: datetime | None = None) -> SweepResult:
    """Release rows stuck in "sending" (their worker died), then hand every due pending row to the broker again,
    safety alerts first. Each resent row's next attempt moves on, so a queued message is not sent every sweep."""
    now = now or timezone.now()
    stuck = OutboxMessage.objects.filter(status=Status.SENDING, claimed_at__lt=now - SENDING_TIMEOUT)
    failed = stuck.filter(attempts__gte=MAX_ATTEMPTS).update(status=Status.FAILED, last_error="worker_lost")
    released = stuck.update(status=Status.PENDING, claimed_at=None, last_error="worker_lost", next_attempt_at=now)
    due = OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
    rows = list(due.order_by("-urgent", "next_attempt_at", "id").values_list("id", "urgent")[:SWEEP_BATCH])
    resent = 0
    for message_id, urgent in rows:
        if not publish(message_id=message_id, urgent=urgent):
            break  # the broker is down: the rest waits for the next sweep
        OutboxMessage.objects.filter(id=message_id, status=Status.PENDING).update(next_attempt_at=now + RESEND_AFTER)
        resent += 1
    return SweepResult(released=released, failed=failed, resent=resent)
