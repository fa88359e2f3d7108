"""A phone interview needs a number to call: the booking asks for one when the person has none, refuses one that is
not a phone number, stores a good one encrypted with its keyed hash, and the people who meet participants see it
on the interview page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, User
from config.crypto import keyed_hash
from studies.models import ContactDetails, Interview, Participant, Questionnaire, ScreeningResponse, Slot, Study
from studies.services.phone_booking import book_with_phone, normalise_phone
from studies.services.scheduling import BookingError
from studies.tests.factories import InterviewFactory, ParticipantFactory, SlotFactory
from studies.tests.test_portal_and_consent import portal_client

NUMBER = "+44 20 7946 0018"
E164 = "+442079460018"


def consented(study: Study, *, phone: str = "") -> Participant:
    participant = ParticipantFactory(study=study, status=Participant.Status.CONSENTED)
    ContactDetails.objects.create(participant=participant, email=f"{participant.code}@example.org", phone=phone)
    return participant


def phone_slot(study: Study) -> Slot:
    return SlotFactory(study=study, mode=Interview.Mode.PHONE, details="We call you.")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def book(client: Client, slot: Slot, **fields: str) -> tuple[int, str]:
    response = client.post(reverse("participate:portal_book"), {"slot": slot.pk, "tz": "UTC", **fields})
    return response.status_code, response.content.decode()


def test_a_number_is_checked_with_libphonenumber_and_kept_in_e164() -> None:
    assert normalise_phone(NUMBER) == E164
    assert normalise_phone("020 7946 0018", region="gb") == E164
    for wrong in ("12345", "call me maybe", "020 7946 0018", "+44 20 7946"):
        with pytest.raises(ValueError, match="phone number") as refused:
            normalise_phone(wrong)
        assert wrong not in str(refused.value)


@pytest.mark.django_db
def test_booking_a_phone_slot_asks_for_a_number_and_refuses_a_bad_one(study: Study) -> None:
    slot = phone_slot(study)
    participant = consented(study)
    client = portal_client(participant)
    page = client.get(reverse("participate:portal_book")).content.decode()
    assert 'name="phone"' in page
    assert 'data-mode="phone"' in page
    status, page = book(client, slot)
    assert status == 400
    assert "A phone interview needs the number we should call you on." in page
    status, page = book(client, slot, phone="12345")
    assert status == 400
    assert "This is not a phone number we can call." in page
    assert "data-error-summary" in page
    assert not Interview.objects.exists()
    assert ContactDetails.objects.get(participant=participant).phone == ""


@pytest.mark.django_db
def test_a_good_number_is_stored_encrypted_with_its_keyed_hash_and_the_slot_booked(study: Study) -> None:
    slot = phone_slot(study)
    participant = consented(study)
    status, _page = book(portal_client(participant), slot, phone=NUMBER)
    assert status == 302
    contact = ContactDetails.objects.get(participant=participant)
    assert (contact.phone, contact.phone_hash) == (E164, keyed_hash(E164))
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM studies_contactdetails WHERE id = %s", [contact.pk])
        (stored,) = cursor.fetchone()
    assert "7946" not in stored
    assert Interview.objects.get(participant=participant).slot == slot
    entry = AuditEntry.objects.get(action="contact_details.phone_added")
    assert entry.target_id == str(participant.pk)
    assert "7946" not in str(entry.detail)


@pytest.mark.django_db
def test_a_number_typed_in_the_persons_own_country_format_is_understood(study: Study) -> None:
    slot = phone_slot(study)
    participant = consented(study)
    questionnaire = Questionnaire.objects.create(study=study, kind=Questionnaire.Kind.SCREENING)
    now = timezone.now()
    ScreeningResponse.objects.create(
        study=study, questionnaire=questionnaire, participant=participant, form_token="gb", language="en",
        attributes={"country": "GB"}, started_at=now, submitted_at=now, eligible=True,
    )  # fmt: skip
    status, _page = book(portal_client(participant), slot, phone="020 7946 0018")
    assert status == 302
    assert ContactDetails.objects.get(participant=participant).phone == E164


@pytest.mark.django_db
def test_no_number_is_asked_of_someone_who_gave_one_or_for_a_video_slot(study: Study) -> None:
    video = SlotFactory(study=study, start=timezone.now() + timedelta(days=4))
    known = consented(study, phone="+1 202 555 0143")
    phone_slot(study)
    assert 'name="phone"' not in portal_client(known).get(reverse("participate:portal_book")).content.decode()
    newcomer = consented(study)
    status, _page = book(portal_client(newcomer), video, phone="")
    assert status == 302
    assert ContactDetails.objects.get(participant=newcomer).phone == ""


@pytest.mark.django_db
def test_a_refused_booking_stores_no_number(study: Study) -> None:
    taken = phone_slot(study)
    other = consented(study)
    InterviewFactory(participant=other, slot=taken, status=Interview.Status.SCHEDULED, scheduled_start=taken.start)
    past = SlotFactory(study=study, mode=Interview.Mode.PHONE, start=timezone.now() - timedelta(hours=1))
    participant = consented(study)
    for slot in (taken, past):
        with pytest.raises(BookingError):
            book_with_phone(participant=participant, slot=slot, phone=E164)
    with pytest.raises(BookingError, match="needs the number"):
        book_with_phone(participant=participant, slot=phone_slot(study), phone="")
    assert ContactDetails.objects.get(participant=participant).phone == ""
    assert not AuditEntry.objects.filter(action="contact_details.phone_added").exists()
    assert not Interview.objects.filter(participant=participant).exists()


@pytest.mark.django_db
def test_the_people_who_meet_participants_see_the_number_on_a_phone_interview_page(
    study: Study, interviewer: User, owner: User, coder: User, viewer: User
) -> None:
    participant = consented(study, phone=E164)
    interview = InterviewFactory(participant=participant, mode=Interview.Mode.PHONE, status=Interview.Status.SCHEDULED)
    page = reverse("transcription:interview", args=[study.slug, interview.pk])
    for user in (interviewer, owner):
        html = client_for(user).get(page).content.decode()
        assert 'href="tel:+442079460018"' in html
        assert "+44 20 7946 0018" in html
    assert AuditEntry.objects.filter(action="contact_details.viewed", target_id=str(participant.pk)).count() == 2
    for user in (coder, viewer):
        html = client_for(user).get(page).content.decode()
        assert "7946" not in html
        assert "participant-phone" not in html
