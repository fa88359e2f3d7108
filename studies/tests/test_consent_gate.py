"""The consent read other apps rely on: the current consent must say yes to every item asked about."""

from __future__ import annotations

import pytest
from django.utils import timezone

from studies.consent import consent_allows
from studies.models import ConsentItem, ContactDetails, Participant
from studies.tests.factories import ConsentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db
AUDIO, ASR = ConsentItem.AUDIO_RECORDING, ConsentItem.AUTOMATIC_TRANSCRIPTION


def test_it_allows_what_the_current_consent_says_yes_to() -> None:
    consent = ConsentFactory()
    assert consent_allows(consent.participant, AUDIO, ASR)


def test_it_refuses_when_one_item_is_declined() -> None:
    consent = ConsentFactory(choices={AUDIO: True, ASR: False})
    assert consent_allows(consent.participant, AUDIO)
    assert not consent_allows(consent.participant, AUDIO, ASR)


def test_it_refuses_without_consent_after_supersession_or_withdrawal() -> None:
    assert not consent_allows(ParticipantFactory(), AUDIO)
    consent = ConsentFactory()
    consent.superseded_at = timezone.now()
    consent.save()
    assert not consent_allows(consent.participant, AUDIO)
    fresh = ConsentFactory()
    Participant.objects.filter(pk=fresh.participant.pk).update(status=Participant.Status.WITHDRAWN)
    fresh.participant.refresh_from_db()
    assert not consent_allows(fresh.participant, AUDIO)


def test_contact_details_are_not_readable_in_the_database_without_the_key() -> None:
    participant = ParticipantFactory()
    ContactDetails.objects.create(participant=participant, name="Ana Pérez", email="ana@example.org")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name, email FROM studies_contactdetails WHERE participant_id = %s", [participant.pk])
        raw_name, raw_email = cursor.fetchone()
    assert "Ana" not in raw_name
    assert "ana@example.org" not in raw_email
    assert ContactDetails.objects.get(participant=participant).email == "ana@example.org"
