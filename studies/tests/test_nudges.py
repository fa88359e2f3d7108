"""Reminders to people who stopped at a step, and interviews marked as missed (studies.services.nudges, .no_show).

A later `now` stands for time passing. The mail server is the one thing mocked (Django's locmem backend; the file
backend for the real worker)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.audit import AuditEntry
from accounts.models import User
from studies import tasks
from studies.models import (
    ContactDetails,
    Interview,
    MessageTemplate,
    OutboxMessage,
    Participant,
    ScreeningResponse,
    Slot,
    Study,
)
from studies.services import nudges
from studies.services.consent import sign_consent
from studies.services.no_show import NoShowRefused, mark_no_show
from studies.services.scheduling import book_slot
from studies.tests.factories import (
    ConsentDocumentFactory,
    ConsentFactory,
    ParticipantFactory,
    QuestionnaireFactory,
    SlotFactory,
)
from studies.tests.mailkit import send_queued
from transcription.tests.jobkit import private_media
from transcription.tests.workerkit import StartWorker, start_worker, wait_for

__all__ = ["private_media", "start_worker"]
pytestmark = pytest.mark.django_db
Kind, Status = OutboxMessage.Kind, OutboxMessage.Status
S = Participant.Status
DAY = timedelta(days=1)


@pytest.fixture
def reminding(study: Study) -> Study:
    Study.objects.filter(pk=study.pk).update(nudge_after_days=3, nudge_max_count=2)
    study.refresh_from_db()
    return study


def person(
    study: Study, status: str = S.INVITED, *, email: str = "person@example.org", language: str = "en"
) -> Participant:
    participant = ParticipantFactory(study=study, status=status, language=language)
    ContactDetails.objects.create(participant=participant, name="Ana Person", email=email)
    return participant


def invited(
    study: Study, *, sent: datetime, status: str = S.INVITED, email: str = "person@example.org", language: str = "en"
) -> Participant:
    """At `status` (invited unless said), with the invitation e-mail sent at `sent`."""
    participant = person(study, status, email=email, language=language)
    OutboxMessage.objects.create(
        kind=Kind.INVITATION, participant=participant, status=Status.SENT, sent_at=sent, next_attempt_at=sent
    )
    return participant


def nudges_of(participant: Participant) -> list[str]:
    return list(
        OutboxMessage.objects.filter(participant=participant, kind__startswith="nudge").values_list("kind", flat=True)
    )


def free_slot(study: Study) -> Slot:
    return SlotFactory(study=study, start=timezone.now() + 10 * DAY)


# --- Who is reminded, and when -----------------------------------------------------------------------------------


def test_it_reminds_an_invited_person_once_the_delay_since_the_invitation_has_passed(reminding: Study) -> None:
    now = timezone.now()
    ana = invited(reminding, sent=now - 2 * DAY)
    assert nudges.send_nudges(now=now) == 0
    assert nudges.send_nudges(now=now + DAY + timedelta(minutes=1)) == 1
    assert nudges_of(ana) == [Kind.NUDGE_CONSENT]
    ana.refresh_from_db()
    assert (ana.nudges_sent, ana.last_nudged_at) == (1, now + DAY + timedelta(minutes=1))
    entry = AuditEntry.objects.get(action="participant.nudged")
    assert entry.detail == {"participant": ana.id, "kind": Kind.NUDGE_CONSENT, "count": 1}


def test_it_waits_the_delay_again_after_each_reminder_and_stops_at_the_maximum(reminding: Study) -> None:
    now = timezone.now()
    ana = invited(reminding, sent=now - 4 * DAY)
    assert nudges.send_nudges(now=now) == 1
    assert nudges.send_nudges(now=now + 2 * DAY) == 0  # the first reminder is the clock now
    assert nudges.send_nudges(now=now + 3 * DAY) == 1
    assert nudges.send_nudges(now=now + 30 * DAY) == 0  # two at most
    assert nudges_of(ana) == [Kind.NUDGE_CONSENT, Kind.NUDGE_CONSENT]


def test_an_invitation_that_was_never_sent_starts_no_clock(reminding: Study) -> None:
    ana = person(reminding, S.INVITED)
    OutboxMessage.objects.create(kind=Kind.INVITATION, participant=ana, status=Status.SKIPPED, last_error="no_address")
    assert nudges.send_nudges(now=timezone.now() + 30 * DAY) == 0


def test_withdrawn_ineligible_flagged_and_unreviewed_people_are_never_reminded(reminding: Study) -> None:
    long_ago = timezone.now() - 30 * DAY
    for status in (S.WITHDRAWN, S.INELIGIBLE, S.FLAGGED, S.WAITLISTED, S.SCHEDULED, S.INTERVIEWED):
        invited(reminding, sent=long_ago, status=status)
    unreviewed = invited(reminding, sent=long_ago)
    ScreeningResponse.objects.create(
        study=reminding,
        questionnaire=QuestionnaireFactory(study=reminding),
        participant=unreviewed,
        form_token="unreviewed",
        language="en",
        started_at=long_ago,
        submitted_at=long_ago,
        review=ScreeningResponse.Review.PENDING,
    )
    free_slot(reminding)
    assert nudges.send_nudges(now=timezone.now()) == 0
    assert not OutboxMessage.objects.filter(kind__startswith="nudge").exists()


def test_reminders_are_off_at_zero_and_in_studies_that_do_not_take_bookings(study: Study) -> None:
    long_ago = timezone.now() - 30 * DAY
    Study.objects.filter(pk=study.pk).update(nudge_max_count=0)
    invited(study, sent=long_ago)
    closed = Study.objects.create(title="Closed", slug="closed", status=Study.Status.CLOSED, languages=["en"])
    invited(closed, sent=long_ago)
    assert nudges.send_nudges() == 0
    Study.objects.filter(pk=study.pk).update(nudge_max_count=1, status=Study.Status.PAUSED)
    assert nudges.send_nudges() == 1  # a paused study still looks after the people already taking part


def test_a_consented_person_is_reminded_to_book_only_while_a_slot_is_free(reminding: Study) -> None:
    ana = person(reminding, S.CONSENTED)
    ConsentFactory(participant=ana, signed_at=timezone.now() - 5 * DAY)
    assert nudges.send_nudges() == 0  # nothing to book
    free_slot(reminding)
    assert nudges.send_nudges() == 1
    assert nudges_of(ana) == [Kind.NUDGE_BOOKING]


def test_a_cancelled_booking_restarts_the_clock_for_the_reminder_to_book(reminding: Study) -> None:
    ana = person(reminding, S.CONSENTED)
    ConsentFactory(participant=ana, signed_at=timezone.now() - 10 * DAY)
    Interview.objects.create(
        study=reminding, participant=ana, status=Interview.Status.CANCELLED, scheduled_start=timezone.now()
    )
    free_slot(reminding)
    assert nudges.send_nudges() == 0
    assert nudges.send_nudges(now=timezone.now() + 3 * DAY) == 1


# --- The claim ---------------------------------------------------------------------------------------------------


def test_a_reminder_claimed_by_another_beat_is_not_sent_again(reminding: Study) -> None:
    now = timezone.now()
    invited(reminding, sent=now - 5 * DAY)
    [due] = nudges.due_nudges(study=reminding, now=now)
    assert nudges.claim_nudge(due=due, now=now) is True
    assert nudges.claim_nudge(due=due, now=now) is False  # the second beat read the same row before the first wrote
    assert nudges.send_nudges(now=now) == 0


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_the_same_moment_send_one_reminder(reminding: Study) -> None:
    now = timezone.now()
    ana = invited(reminding, sent=now - 5 * DAY)
    start = threading.Barrier(2)
    counts: list[int] = []

    def beat() -> None:
        try:
            start.wait(timeout=10)
            counts.append(nudges.send_nudges(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(counts) == [0, 1]
    assert nudges_of(ana) == [Kind.NUDGE_CONSENT]


# --- Taking the step resets the count ----------------------------------------------------------------------------


def test_consenting_and_booking_reset_the_count_for_the_next_step(reminding: Study) -> None:
    now = timezone.now()
    ana = invited(reminding, sent=now - 5 * DAY)
    nudges.send_nudges(now=now)
    document = ConsentDocumentFactory(study=reminding, comprehension_questions=[])
    sign_consent(
        participant=ana,
        document=document,
        choices={},
        comprehension_answers=[],
        signature_name="Ana",
        ip_address="",
        language="en",
    )
    ana.refresh_from_db()
    assert (ana.status, ana.nudges_sent) == (S.CONSENTED, 0)
    slot = free_slot(reminding)
    assert nudges.send_nudges(now=now + 2 * DAY) == 0  # three days from the signature, not from the reminder
    assert nudges.send_nudges(now=now + 3 * DAY + timedelta(minutes=1)) == 1
    book_slot(participant=ana, slot=slot)
    ana.refresh_from_db()
    assert (ana.status, ana.nudges_sent) == (S.SCHEDULED, 0)
    assert nudges.send_nudges(now=now + 30 * DAY) == 0


# --- The e-mail --------------------------------------------------------------------------------------------------


def test_the_reminder_is_worded_by_the_team_in_the_persons_language_with_a_fresh_link(reminding: Study) -> None:
    MessageTemplate.objects.create(
        study=reminding,
        kind=MessageTemplate.Kind.NUDGE_CONSENT,
        language="es",
        subject="{study}: un recordatorio",
        body="Hola {code}, su página: {link}",
    )
    ana = invited(reminding, sent=timezone.now() - 5 * DAY, language="es")
    ben = invited(reminding, sent=timezone.now() - 5 * DAY, email="ben@example.org")
    nudges.send_nudges()
    assert send_queued() == [Status.SENT, Status.SENT]
    spanish, english = sorted(mail.outbox, key=lambda message: message.to != ["person@example.org"])
    assert spanish.subject == f"{reminding.title}: un recordatorio"
    assert spanish.body.startswith(f"Hola {ana.code}, su página: {settings.SITE_URL}/p/")
    assert english.subject == f"A reminder: {reminding.title}"  # no English wording saved: the platform's
    assert f"{settings.SITE_URL}/p/" in english.body
    assert english.to == [ben.contact.email]


def test_a_reminder_for_a_step_taken_meanwhile_is_not_sent(reminding: Study) -> None:
    ana = invited(reminding, sent=timezone.now() - 5 * DAY)
    nudges.send_nudges()
    Participant.objects.filter(pk=ana.pk).update(status=S.CONSENTED)
    assert send_queued() == [Status.SKIPPED]
    assert mail.outbox == []


def test_the_hourly_beat_runs_the_reminders(reminding: Study) -> None:
    assert settings.CELERY_BEAT_SCHEDULE["nudges"] == {"task": "studies.tasks.send_nudges", "schedule": 3600.0}
    invited(reminding, sent=timezone.now() - 5 * DAY)
    tasks.send_nudges()
    assert OutboxMessage.objects.filter(kind=Kind.NUDGE_CONSENT).count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_reminder_once(start_worker: StartWorker, reminding: Study, tmp_path: Path) -> None:
    mailbox = tmp_path / "mail"
    backend = "django.core.mail.backends.filebased.EmailBackend"
    start_worker("mail", queue="default", EMAIL_BACKEND=backend, EMAIL_FILE_PATH=str(mailbox))
    invited(reminding, sent=timezone.now() - 5 * DAY)
    tasks.send_nudges()
    tasks.send_nudges()
    sent = Status.SENT
    wait_for(
        lambda: OutboxMessage.objects.filter(kind=Kind.NUDGE_CONSENT, status=sent).exists(), timeout=60, what="a nudge"
    )
    mails = [path.read_text() for path in mailbox.glob("*")]
    assert sum(f"A reminder: {reminding.title}" in text for text in mails) == 1


# --- No-shows ----------------------------------------------------------------------------------------------------


def booked_and_missed(study: Study) -> Interview:
    """Booked for a time that has now passed (the slot moved back after booking: a booking is always ahead)."""
    ana = person(study, S.CONSENTED, language="es")
    slot = free_slot(study)
    interview = book_slot(participant=ana, slot=slot)
    past = timezone.now() - timedelta(hours=2)
    Slot.objects.filter(pk=slot.pk).update(start=past)
    Interview.objects.filter(pk=interview.pk).update(scheduled_start=past)
    interview.refresh_from_db()
    return interview


def test_a_missed_interview_frees_the_slot_and_invites_the_person_to_book_again(
    study: Study, interviewer: User
) -> None:
    interview = booked_and_missed(study)
    Participant.objects.filter(pk=interview.participant_id).update(nudges_sent=1)
    mark_no_show(interview=interview, user=interviewer)
    interview.refresh_from_db()
    ana = interview.participant
    ana.refresh_from_db()
    assert interview.status == Interview.Status.NO_SHOW
    assert not Interview.objects.filter(slot=interview.slot, status=Interview.Status.SCHEDULED).exists()
    assert (ana.status, ana.nudges_sent) == (S.CONSENTED, 0)
    row = OutboxMessage.objects.get(kind=Kind.NO_SHOW)
    assert (row.participant_id, row.interview_id) == (ana.id, interview.id)
    entry = AuditEntry.objects.get(action="interview.no_show")
    assert (entry.actor_id, entry.target_id, entry.detail["rebook_invited"]) == (
        interviewer.id,
        str(interview.id),
        True,
    )
    assert send_queued(Kind.NO_SHOW) == [Status.SENT]
    assert "/p/" in mail.outbox[0].body  # Spanish falls back to the platform's wording until it is translated


def test_an_interview_still_ahead_started_or_not_live_cannot_be_marked_missed(study: Study, interviewer: User) -> None:
    ahead = book_slot(participant=person(study, S.CONSENTED), slot=free_slot(study))
    started = booked_and_missed(study)
    Interview.objects.filter(pk=started.pk).update(started_at=timezone.now() - timedelta(hours=2))
    started.refresh_from_db()
    for interview in (ahead, started):
        with pytest.raises(NoShowRefused):
            mark_no_show(interview=interview, user=interviewer)
    assert not Interview.objects.filter(status=Interview.Status.NO_SHOW).exists()
    assert not OutboxMessage.objects.filter(kind=Kind.NO_SHOW).exists()


def test_a_withdrawn_person_who_missed_an_interview_stays_withdrawn_and_hears_nothing(
    study: Study, interviewer: User
) -> None:
    interview = booked_and_missed(study)
    Participant.objects.filter(pk=interview.participant_id).update(status=S.WITHDRAWN)
    mark_no_show(interview=interview, user=interviewer)
    assert Participant.objects.get(pk=interview.participant_id).status == S.WITHDRAWN
    assert not OutboxMessage.objects.filter(kind=Kind.NO_SHOW).exists()


def test_the_interview_page_offers_the_no_show_button_to_the_people_who_meet_participants(
    study: Study, interviewer: User, coder: User
) -> None:
    interview = booked_and_missed(study)
    url = reverse("transcription:interview", args=[study.slug, interview.id])
    action = reverse("studies:interview_no_show", args=[study.slug, interview.id])
    team, coding = Client(), Client()
    team.force_login(interviewer)
    coding.force_login(coder)
    assert action in team.get(url).content.decode()
    assert action not in coding.get(url).content.decode()
    assert coding.post(action).status_code == 403
    response = team.post(action, follow=True)
    assert "The interview was marked as missed." in response.content.decode()
    assert action not in response.content.decode()  # done: the button is gone
    assert Interview.objects.get(pk=interview.pk).status == Interview.Status.NO_SHOW
