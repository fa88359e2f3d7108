"""The team's e-mails of the distress protocol: the safety alert says what happened for each kind of event, the
follow-up reminder goes to whoever follows up once it is due, and no e-mail carries a note or anything the person
said. The mail server is the one thing mocked (Django's locmem backend; the file backend for the real worker)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from studies.models import GuideQuestion, Interview, OutboxMessage, SafetyContact, SafetyEvent, Study, StudyMembership
from studies.services import distress, outbox
from studies.services.emails import deliver_message
from studies.services.safety import follow_up_safety_event, record_safety_events
from studies.tests.factories import InterviewFactory, ParticipantFactory
from studies.tests.mailkit import send_queued
from transcription.tests.jobkit import private_media
from transcription.tests.workerkit import StartWorker, start_worker, wait_for

__all__ = ["private_media", "start_worker"]
pytestmark = pytest.mark.django_db
Kind, Status = OutboxMessage.Kind, OutboxMessage.Status
Outcome = SafetyEvent.Outcome
NOTE = "She said she has a plan and her sister is on the way; gave her the helpline number."


@pytest.fixture
def contact(study: Study) -> SafetyContact:
    return SafetyContact.objects.create(study=study, name="Safety lead", email="safety@example.org")


@pytest.fixture
def interview(study: Study) -> Interview:
    return InterviewFactory(
        participant__study=study, status=Interview.Status.SCHEDULED, scheduled_start=timezone.now() - timedelta(hours=1)
    )


def assessed(interview: Interview, user: User, outcome: str = Outcome.URGENT_HELP) -> SafetyEvent:
    event = distress.mark_distress(interview=interview, user=user)
    return distress.record_assessment(event=event, outcome=outcome, note=NOTE, user=user)


def reminder_of(event: SafetyEvent) -> OutboxMessage:
    return OutboxMessage.objects.get(kind=Kind.FOLLOW_UP_DUE, safety_event=event)


def every_mail() -> str:
    return "\n".join(f"{message.subject}\n{message.body}" for message in mail.outbox)


# --- The safety alert, by kind --------------------------------------------------------------------------------


def test_an_urgent_outcome_tells_the_safety_contact_when_and_what_was_decided_never_the_note(
    interview: Interview, interviewer: User, contact: SafetyContact
) -> None:
    event = assessed(interview, interviewer)

    assert send_queued(Kind.SAFETY_ALERT) == [Status.SENT]

    (message,) = mail.outbox
    code = interview.participant.code
    assert message.to == ["safety@example.org"]
    assert message.subject == f"Safety alert: {interview.study.title}, participant {code}"
    assert (
        f"The interviewer marked distress during the interview with participant {code} of the study "
        f'"{interview.study.title}" on {event.marked_at:%Y-%m-%d} ' in message.body
    )
    assert "; outcome: Get urgent help." in message.body
    assert f"/safety/#event-{event.id}" in message.body
    assert f"/participants/{code}/" in message.body
    assert "sister" not in every_mail()
    assert "plan" not in every_mail()
    event.refresh_from_db()
    assert event.notified_at is not None


def test_a_participant_who_asked_for_support_and_stopped_is_reported_without_any_content(
    interview: Interview, contact: SafetyContact
) -> None:
    question = GuideQuestion.objects.create(
        study=interview.study, position=1, prompt={"en": "Tell me about the night of the fire."}
    )
    event = distress.stop_voice_interview(event=distress.open_support(interview=interview, question=question))

    assert send_queued(Kind.SAFETY_ALERT) == [Status.SENT]

    body = mail.outbox[0].body
    code = interview.participant.code
    assert (
        f'Participant {code} of the study "{interview.study.title}" asked for support in their voice interview and '
        "stopped" in body
    )
    assert f"#event-{event.id}" in body
    assert "fire" not in every_mail()
    assert "risk item" not in body
    assert "interviewer" not in body


def test_a_risk_item_alert_names_the_item_as_before(study: Study, contact: SafetyContact) -> None:
    participant = ParticipantFactory(study=study)
    record_safety_events(participant=participant, question_keys=["crisis"])

    assert send_queued(Kind.SAFETY_ALERT) == [Status.SENT]

    assert f'Participant {participant.code} of the study "{study.title}" answered the risk item "crisis"' in (
        mail.outbox[0].body
    )


def test_an_outcome_the_protocol_does_not_alert_for_sends_no_alert(
    interview: Interview, interviewer: User, contact: SafetyContact
) -> None:
    assessed(interview, interviewer, Outcome.CONTINUE)
    assert not OutboxMessage.objects.filter(kind=Kind.SAFETY_ALERT).exists()
    assert not OutboxMessage.objects.filter(kind=Kind.FOLLOW_UP_DUE).exists()


# --- The follow-up reminder -------------------------------------------------------------------------------------


def test_the_follow_up_reminder_tells_the_assignee_who_by_which_channel_and_where_to_record_it(
    interview: Interview, interviewer: User, owner: User
) -> None:
    event = assessed(interview, interviewer, Outcome.STOP)
    reminder = reminder_of(event)
    assert reminder.next_attempt_at == event.follow_up_due_at  # queued for its due time

    assert deliver_message(message_id=reminder.id) == Status.SENT

    (message,) = mail.outbox
    code = interview.participant.code
    assert message.to == [interviewer.email]  # the interviewer who marked it: the protocol's default
    assert message.subject == f"Safety follow-up due: {interview.study.title}, participant {code}"
    assert f'A follow-up for participant {code} of the study "{interview.study.title}" is due' in message.body
    assert f"{event.follow_up_due_at:%Y-%m-%d %H:%M} UTC" in message.body
    assert "by: Phone call." in message.body
    assert f"/interviews/{interview.pk}/#event-{event.id}" in message.body  # where the assignee records it
    assert "sister" not in every_mail()


def test_without_an_assignee_the_reminder_goes_to_every_owner_and_researcher_only(
    interview: Interview, owner: User, researcher: User, interviewer: User, coder: User, viewer: User
) -> None:
    event = distress.stop_voice_interview(event=distress.open_support(interview=interview, question=None))
    assert event.follow_up_assignee_id is None

    assert deliver_message(message_id=reminder_of(event).id) == Status.SENT

    assert sorted(mail.outbox[0].to) == sorted([owner.email, researcher.email])


def test_an_assignee_who_left_the_team_is_not_told_and_the_owners_are(
    interview: Interview, interviewer: User, owner: User
) -> None:
    event = assessed(interview, interviewer, Outcome.RESCHEDULE)
    StudyMembership.objects.filter(user=interviewer).delete()

    assert deliver_message(message_id=reminder_of(event).id) == Status.SENT

    assert mail.outbox[0].to == [owner.email]


def test_the_reminder_is_skipped_once_the_follow_up_is_recorded_as_done(
    interview: Interview, interviewer: User, researcher: User
) -> None:
    event = assessed(interview, interviewer, Outcome.STOP)
    follow_up_safety_event(event=event, to=SafetyEvent.FollowUp.RESOLVED, note="Called; she is well.", user=researcher)
    reminder = reminder_of(event)

    assert deliver_message(message_id=reminder.id) == Status.SKIPPED

    reminder.refresh_from_db()
    assert (reminder.last_error, reminder.sent_at) == ("not_applicable", None)
    assert mail.outbox == []


def test_an_erased_participants_reminder_is_gone_with_them(interview: Interview, interviewer: User) -> None:
    event = assessed(interview, interviewer, Outcome.STOP)
    reminder = reminder_of(event)
    SafetyEvent.objects.filter(id=event.id).delete()  # what erasure does (studies.services.withdrawal)

    assert not OutboxMessage.objects.filter(id=reminder.id).exists()
    assert deliver_message(message_id=reminder.id) == ""
    assert mail.outbox == []


# --- A reminder for later waits for its time --------------------------------------------------------------------


def test_a_reminder_for_later_is_not_published_and_the_sweep_sends_it_once_when_due(
    interview: Interview, interviewer: User, django_capture_on_commit_callbacks: object
) -> None:
    event = assessed(interview, interviewer, Outcome.PAUSE)
    due = event.follow_up_due_at
    assert due is not None
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        later = outbox.queue_message(kind=Kind.FOLLOW_UP_DUE, safety_event_id=event.id, send_at=due)
        outbox.queue_message(kind=Kind.FOLLOW_UP_DUE, safety_event_id=event.id)
    assert len(callbacks) == 1  # only the message due now goes to the broker on commit
    OutboxMessage.objects.exclude(id=later.id).delete()

    assert outbox.sweep_outbox(now=due - timedelta(seconds=1)).resent == 0  # a day of sweeps: nothing
    later.refresh_from_db()
    assert (later.status, later.next_attempt_at, later.attempts) == (Status.PENDING, due, 0)

    assert outbox.sweep_outbox(now=due + timedelta(seconds=1)).resent == 1  # due: handed to the real broker
    assert deliver_message(message_id=later.id) == Status.SENT
    assert outbox.sweep_outbox(now=due + timedelta(hours=1)).resent == 0
    assert deliver_message(message_id=later.id) == ""
    assert len(mail.outbox) == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_gets_the_reminder_from_the_sweep_only_once_it_is_due(
    start_worker: StartWorker, interview: Interview, interviewer: User, tmp_path: Path
) -> None:
    mailbox = tmp_path / "mail"
    start_worker(
        "mail",
        queue="default",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mailbox),
    )
    event = assessed(interview, interviewer, Outcome.STOP)
    reminder = reminder_of(event)
    due = timezone.now() + timedelta(seconds=4)
    OutboxMessage.objects.filter(id=reminder.id).update(next_attempt_at=due)
    SafetyEvent.objects.filter(id=event.id).update(follow_up_due_at=due)

    outbox.sweep_outbox()
    time.sleep(2)  # the worker is up by now or soon; nothing of the reminder reached it
    assert OutboxMessage.objects.get(id=reminder.id).status == Status.PENDING

    while timezone.now() <= due:
        time.sleep(0.2)
    assert outbox.sweep_outbox().resent >= 1
    sent = Status.SENT
    wait_for(lambda: OutboxMessage.objects.get(id=reminder.id).status == sent, timeout=60, what="the reminder")
    outbox.sweep_outbox(now=timezone.now() + timedelta(hours=1))
    time.sleep(1)
    mails = [path.read_text() for path in mailbox.glob("*")]
    assert sum("Safety follow-up due" in text for text in mails) == 1
    assert all("sister" not in text for text in mails)
