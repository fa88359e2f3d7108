"""A participant's data can be exported for them: answers, consent, transcript; managers only, audited."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from review.tests.factories import machine_transcript
from studies.models import ContactDetails, Study
from studies.tests.factories import ConsentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def test_a_researcher_exports_everything_held_about_one_participant(study: Study, researcher: User) -> None:
    participant = ParticipantFactory(study=study)
    ContactDetails.objects.create(participant=participant, name="Amina Diallo", email="amina@example.org")
    ConsentFactory(participant=participant)
    machine_transcript(study, ["I talk to the chatbot when I cannot sleep."], participant=participant)
    client = Client()
    client.force_login(researcher)
    response = client.get(reverse("studies:participant_data", args=[study.slug, participant.code]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{participant.code}-data.json"'
    data = json.loads(response.content)
    assert data["contact"]["email"] == "amina@example.org"
    assert data["consents"][0]["choices"]["audio_recording"] is True
    segments = data["interviews"][0]["transcripts"][0]["segments"]
    assert segments[0]["text"] == "I talk to the chatbot when I cannot sleep."
    assert AuditEntry.objects.filter(action="participant.data_exported", actor=researcher).count() == 1


def test_only_owners_and_researchers_may_export_it(
    study: Study, interviewer: User, coder: User, outsider: User
) -> None:
    participant = ParticipantFactory(study=study)
    url = reverse("studies:participant_data", args=[study.slug, participant.code])
    for user, status in ((interviewer, 403), (coder, 403), (outsider, 404)):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == status
    assert not AuditEntry.objects.filter(action="participant.data_exported").exists()
