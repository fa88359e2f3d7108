"""Booking in the participant's time zone, rescheduling, .ics, reminders, and no double booking."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from studies.models import ContactDetails, Interview, OutboxMessage, Participant, Slot, Study
from studies.services.emails import send_booking_confirmation
from studies.services.scheduling import BookingError, book_slot
from studies.tasks import send_interview_reminders
from studies.tests.factories import ParticipantFactory, SlotFactory, StudyFactory
from studies.tests.mailkit import send_queued
from studies.tests.test_portal_and_consent import portal_client

START = datetime(2031, 3, 14, 15, 0, tzinfo=UTC)


def consented(study: Study) -> Participant:
    participant = ParticipantFactory(study=study, status=Participant.Status.CONSENTED)
    ContactDetails.objects.create(participant=participant, email=f"{participant.code}@example.org")
    return participant


@pytest.mark.django_db
def test_slots_show_in_the_chosen_time_zone_and_booking_keeps_it(study: Study) -> None:
    slot = SlotFactory(study=study, start=START)
    participant = consented(study)
    client = portal_client(participant)
    page = client.get(reverse("participate:portal_book"), {"tz": "Asia/Kolkata"}).content.decode()
    assert "2031-03-14 20:30" in page  # 15:00 UTC is 20:30 in India
    response = client.post(reverse("participate:portal_book"), {"slot": slot.id, "tz": "Asia/Kolkata"})
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.status == Participant.Status.SCHEDULED
    assert participant.time_zone == "Asia/Kolkata"
    interview = Interview.objects.get(participant=participant)
    assert interview.slot == slot
    assert interview.scheduled_start == START
    assert "2031-03-14 20:30" in client.get(reverse("participate:portal")).content.decode()


@pytest.mark.django_db
def test_rescheduling_frees_the_old_slot_and_confirms_with_an_ics_file(study: Study) -> None:
    first, second = SlotFactory(study=study, start=START), SlotFactory(study=study, start=START + timedelta(days=1))
    participant = consented(study)
    book_slot(participant=participant, slot=first, time_zone="America/Mexico_City")
    interview = book_slot(participant=participant, slot=second)
    assert list(Interview.objects.filter(status="scheduled").values_list("slot", flat=True)) == [second.id]
    other = consented(study)
    book_slot(participant=other, slot=first)  # the freed slot can be booked again
    send_booking_confirmation(interview.id)
    message = mail.outbox[-1]
    assert "2031-03-15 09:00 (America/Mexico_City)" in message.body
    _name, content, mimetype = message.attachments[0]
    assert mimetype == "text/calendar"
    assert "DTSTART:20310315T150000Z" in (content.decode() if isinstance(content, bytes) else content)


@pytest.mark.django_db
def test_a_participant_without_consent_cannot_book(study: Study) -> None:
    slot = SlotFactory(study=study)
    participant = ParticipantFactory(study=study, status=Participant.Status.INVITED)
    with pytest.raises(BookingError):
        book_slot(participant=participant, slot=slot)
    assert not Interview.objects.exists()


@pytest.mark.django_db
def test_reminders_go_out_24_hours_and_1_hour_before_once_each_without_sensitive_content(study: Study) -> None:
    participant = consented(study)
    slot = SlotFactory(study=study, start=timezone.now() + timedelta(hours=20))
    book_slot(participant=participant, slot=slot)
    send_interview_reminders()
    send_interview_reminders()
    assert send_queued(OutboxMessage.Kind.REMINDER) == ["sent"]
    assert len(mail.outbox) == 1
    assert "interview" in mail.outbox[0].body
    assert study.title not in mail.outbox[0].body
    assert study.title not in mail.outbox[0].subject
    assert mail.outbox[0].attachments == []
    Interview.objects.update(scheduled_start=timezone.now() + timedelta(minutes=50))
    send_interview_reminders()
    send_interview_reminders()
    assert send_queued(OutboxMessage.Kind.REMINDER) == ["sent"]
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_two_people_racing_for_one_slot_get_one_booking() -> None:
    study = StudyFactory()
    slot = SlotFactory(study=study)
    racers = [consented(study) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def race(participant: Participant) -> None:
        try:
            barrier.wait()
            book_slot(participant=participant, slot=Slot.objects.get(pk=slot.pk))
            outcomes.append("booked")
        except BookingError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(p,)) for p in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked", "refused"]
    assert Interview.objects.filter(slot=slot, status=Interview.Status.SCHEDULED).count() == 1
    loser = next(p for p in racers if not p.interviews.exists())
    loser.refresh_from_db()
    assert loser.status == Participant.Status.CONSENTED


@pytest.mark.django_db
def test_the_database_itself_refuses_a_second_booking_of_a_slot(study: Study) -> None:
    from django.db import IntegrityError, transaction

    slot = SlotFactory(study=study)
    book_slot(participant=consented(study), slot=slot)
    other = consented(study)
    with pytest.raises(IntegrityError), transaction.atomic():
        Interview.objects.create(study=study, participant=other, slot=slot, scheduled_start=slot.start)
    assert Client().get(reverse("participate:portal_book")).status_code == 403
