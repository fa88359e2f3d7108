"""Hostile input at the consent form (participant portal) and the recording upload endpoints: never a server
error, never half-saved (no consent without every required part; no upload row, temp file or stored object
left by a refused request)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from studies.models import Consent, ConsentItem, Participant, Study
from studies.tests.factories import InterviewFactory
from studies.tests.test_portal_and_consent import document, invited, portal_client
from tests.hypothesis_profiles import examples
from tests.test_hostile_input import HOSTILE
from transcription.models import MediaFile, Recording, Upload
from transcription.tests.jobkit import private_media, stored_files, temp_files

__all__ = ["private_media"]
AUDIO, ASR = ConsentItem.AUDIO_RECORDING, ConsentItem.AUTOMATIC_TRANSCRIPTION
CONSENT_FIELDS = (f"item_{AUDIO}", f"item_{ASR}", "check_0", "signature_name")
FUZZ = settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def portal(study: Study) -> tuple[Client, Participant]:
    document(study)
    participant = invited(study)
    return portal_client(participant), participant


@pytest.mark.slow
@pytest.mark.django_db
@FUZZ
@given(values=st.fixed_dictionaries({}, optional=dict.fromkeys(CONSENT_FIELDS, HOSTILE)))
def test_hostile_consent_answers_never_cause_a_server_error(
    portal: tuple[Client, Participant], values: dict[str, str]
) -> None:
    client, participant = portal
    response = client.post(reverse("participate:portal_consent"), values)
    assert response.status_code < 500
    for consent in Consent.objects.filter(participant=participant):
        # Saved only whole: every required item said yes, a real signature, the exact text's hash.
        assert consent.choices.get(AUDIO) is True
        assert consent.choices.get(ASR) is True
        assert consent.signature_name.strip()
        assert len(consent.text_sha256) == 64


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | HOSTILE,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(HOSTILE, children, max_size=4),
    max_leaves=12,
)


SIZES = st.one_of(st.integers(), st.floats(allow_nan=True), HOSTILE, st.just(4 * 1024**3 + 1))
STARTS = st.one_of(JSON_VALUES, st.fixed_dictionaries({"size": SIZES}))
FINISHES = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {
            "layout": st.one_of(st.sampled_from(["mixed", "stereo", "tracks"]), HOSTILE),
            "uploads": st.lists(st.one_of(st.uuids().map(str), HOSTILE), max_size=10),
            "speakers": st.lists(HOSTILE, max_size=3),
        },
        optional={"expected_speakers": SIZES, "translate_to_english": JSON_VALUES},
    ),
)


def nothing_left_behind(media: Path) -> None:
    assert not Recording.objects.exists()
    assert not MediaFile.objects.exists()
    assert stored_files(media) == []


@pytest.mark.slow
@pytest.mark.django_db
@FUZZ
@given(start=STARTS, finish=FINISHES, raw=st.binary(max_size=200))
def test_hostile_upload_requests_never_cause_a_server_error_or_leave_anything(
    private_media: Path, interviewer: User, start: Any, finish: Any, raw: bytes
) -> None:
    interview = InterviewFactory(participant__study=interviewer.memberships.get().study)
    client = Client()
    client.force_login(interviewer)
    slug, pk = interview.study.slug, interview.pk
    for body in (json.dumps(start), raw):
        response = client.post(
            reverse("transcription:upload-start", args=[slug, pk]), body, content_type="application/json"
        )
        assert response.status_code < 500
    for body in (json.dumps(finish), raw):
        response = client.post(
            reverse("transcription:upload-finish", args=[slug, pk]), body, content_type="application/json"
        )
        assert response.status_code < 500
    nothing_left_behind(private_media)
    for upload in Upload.objects.filter(interview=interview):
        # An accepted start makes an empty upload awaiting chunks; a hostile chunk must not break it.
        url = reverse("transcription:upload-chunk", args=[slug, pk, upload.pk])
        response = client.generic("PUT", f"{url}?offset=0", raw, content_type="application/octet-stream")
        assert response.status_code < 500
    assert len(temp_files()) <= Upload.objects.count()
