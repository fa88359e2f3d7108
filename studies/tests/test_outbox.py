"""The outbox: claimed once, released with back-off on a mail-server error, skipped for a permanent reason, swept.

The SMTP server is the one thing mocked (Django's locmem backend, and a refusing send_mail where a test says so).
"""

from __future__ import annotations

import smtplib
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from studies.models import ContactDetails, OutboxMessage, Participant, Study
from studies.services import emails, outbox
from studies.services.emails import deliver_message
from studies.tests.factories import ParticipantFactory, StudyFactory

Status, Kind = OutboxMessage.Status, OutboxMessage.Kind


def invited(study: Study, email: str = "sam@example.org") -> Participant:
    participant = ParticipantFactory(study=study, status=Participant.Status.INVITED)
    ContactDetails.objects.create(participant=participant, email=email)
    return participant


def invitation(study: Study, *, then: str = "", **contact: str) -> OutboxMessage:
    """An invitation queued, its participant then moved to status `then` (if given)."""
    participant = invited(study, **contact)
    message = outbox.queue_message(kind=Kind.INVITATION, participant_id=participant.id)
    if then:
        Participant.objects.filter(pk=participant.pk).update(status=then)
    return message


def refuse(**_kwargs: object) -> None:
    raise smtplib.SMTPServerDisconnected("gone")


@pytest.mark.django_db
def test_a_queued_message_holds_ids_only_and_waits_for_its_commit(
    study: Study, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        message = invitation(study)
    assert len(callbacks) == 1
    assert (message.status, message.attempts, message.urgent) == (Status.PENDING, 0, False)
    assert message.next_attempt_at > timezone.now()  # the sweep leaves it to the message sent on commit
    assert "sam@example.org" not in str(OutboxMessage.objects.filter(id=message.id).values().get())


@pytest.mark.django_db
def test_a_message_sent_twice_goes_out_once(study: Study) -> None:
    message = invitation(study)
    assert deliver_message(message_id=message.id) == Status.SENT
    assert deliver_message(message_id=message.id) == ""
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 1, "")
    assert message.sent_at is not None
    assert [m.to for m in mail.outbox] == [["sam@example.org"]]


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_one_email() -> None:
    message = invitation(StudyFactory())
    barrier = threading.Barrier(2)
    outcomes: list[bool] = []

    def claim() -> None:
        try:
            barrier.wait(5)
            outcomes.append(outbox.claim_message(message_id=message.id))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == [False, True]
    assert OutboxMessage.objects.get(id=message.id).attempts == 1


@pytest.mark.django_db
def test_a_refused_message_goes_back_with_growing_back_off_and_fails_after_the_last_attempt(
    study: Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = invitation(study)
    monkeypatch.setattr(emails, "send_mail", refuse)
    waits = []
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        before = timezone.now()
        assert deliver_message(message_id=message.id) == Status.PENDING
        message.refresh_from_db()
        assert (message.last_error, message.claimed_at) == ("smtp", None)
        waits.append(round((message.next_attempt_at - before).total_seconds()))
    assert waits[:4] == [30, 60, 120, 240]
    assert waits[-1] <= 3600
    assert deliver_message(message_id=message.id) == Status.FAILED
    assert deliver_message(message_id=message.id) == ""
    assert OutboxMessage.objects.get(id=message.id).attempts == outbox.MAX_ATTEMPTS
    assert mail.outbox == []


@pytest.mark.django_db
def test_permanent_reasons_mark_the_message_done_without_sending_and_say_which(study: Study) -> None:
    no_address = invitation(study, email="")
    withdrawn = invitation(study, then=Participant.Status.WITHDRAWN)
    no_longer_invited = invitation(study, then=Participant.Status.CONSENTED)
    gone = invitation(study)
    erased = OutboxMessage.objects.filter(id=gone.id).values("participant_id")
    Participant.objects.filter(pk__in=erased).delete()  # erased: their messages go with them
    for message, reason in (
        (no_address, "no_address"),
        (withdrawn, "withdrawn"),
        (no_longer_invited, "not_applicable"),
    ):
        assert deliver_message(message_id=message.id) == Status.SKIPPED
        message.refresh_from_db()
        assert (message.last_error, message.sent_at) == (reason, None)
    assert not OutboxMessage.objects.filter(id=gone.id).exists()
    assert deliver_message(message_id=gone.id) == ""
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_sweep_resends_due_messages_safety_first_and_releases_those_a_dead_worker_held(
    study: Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    published: list[tuple[int, bool]] = []

    def publish(*, message_id: int, urgent: bool) -> bool:  # the broker, seen from the sweep
        published.append((message_id, urgent))
        return True

    monkeypatch.setattr(outbox, "publish", publish)
    waiting, later, held = invitation(study), invitation(study), invitation(study)
    alert = outbox.queue_message(kind=Kind.SAFETY_ALERT, participant_id=later.participant_id)
    assert outbox.claim_message(message_id=held.id)
    now = timezone.now() + outbox.RESEND_AFTER + timedelta(seconds=1)
    OutboxMessage.objects.filter(id=later.id).update(next_attempt_at=now + timedelta(minutes=5))  # backing off
    assert outbox.sweep_outbox(now=now) == outbox.SweepResult(released=0, failed=0, resent=2)
    assert published == [(alert.id, True), (waiting.id, False)]
    assert outbox.sweep_outbox(now=now).resent == 0  # sent again only after another RESEND_AFTER
    stuck = now + outbox.SENDING_TIMEOUT + timedelta(seconds=1)
    result = outbox.sweep_outbox(now=stuck)
    assert (result.released, result.resent) == (1, 4)
    held.refresh_from_db()
    assert (held.status, held.attempts, held.last_error) == (Status.PENDING, 1, "worker_lost")


@pytest.mark.django_db
def test_a_message_stuck_sending_after_its_last_attempt_fails(study: Study) -> None:
    message = invitation(study)
    OutboxMessage.objects.filter(id=message.id).update(
        status=Status.SENDING, attempts=outbox.MAX_ATTEMPTS, claimed_at=timezone.now() - outbox.SENDING_TIMEOUT * 2
    )
    assert outbox.sweep_outbox().failed == 1
    assert OutboxMessage.objects.get(id=message.id).status == Status.FAILED


def test_the_sweep_is_scheduled_every_30_seconds() -> None:
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]
    assert (entry["task"], entry["schedule"]) == ("studies.tasks.sweep_outbox", 30.0)
