"""Playback: an authenticated stream with HTTP Range over the decrypting reader, audited on every access."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from studies.models import Study
from studies.tests.factories import ConsentFactory, InterviewFactory, ParticipantFactory
from transcription.models import MediaFile
from transcription.services import RecordingPlan, add_recording
from transcription.tests.jobkit import private_media, speech_wav, upload_bytes
from transcription.views.playback import parse_range

__all__ = ["private_media"]


@pytest.fixture
def stored(study: Study, owner: User, private_media: Path) -> tuple[MediaFile, bytes]:
    participant = ParticipantFactory(study=study)
    ConsentFactory(participant=participant)
    interview = InterviewFactory(participant=participant)
    data = speech_wav()
    upload = upload_bytes(interview, owner, data)
    recording = add_recording(interview=interview, user=owner, plan=RecordingPlan("mixed", [upload.pk]))
    return recording.files.get(), data


def play(user: User, media: MediaFile, **headers: str) -> object:
    client = Client()
    client.force_login(user)
    url = reverse("transcription:media", args=[media.recording.interview.study.slug, media.id])
    return client.get(url, headers=headers)


@pytest.mark.django_db
def test_a_range_request_returns_exactly_those_plaintext_bytes(
    researcher: User, stored: tuple[MediaFile, bytes]
) -> None:
    media, data = stored
    response = play(researcher, media, Range="bytes=70000-70099")
    assert response.status_code == 206  # type: ignore[attr-defined]
    assert b"".join(response.streaming_content) == data[70000:70100]  # type: ignore[attr-defined]
    assert response["Content-Range"] == f"bytes 70000-70099/{len(data)}"  # type: ignore[index]
    assert response["Content-Type"] == "audio/wav"  # type: ignore[index]
    assert response["Content-Disposition"].startswith("attachment")  # type: ignore[index]


@pytest.mark.django_db
def test_a_whole_file_and_a_suffix_range_stream_correctly(interviewer: User, stored: tuple[MediaFile, bytes]) -> None:
    media, data = stored
    whole = play(interviewer, media)
    assert whole.status_code == 200  # type: ignore[attr-defined]
    assert b"".join(whole.streaming_content) == data  # type: ignore[attr-defined]
    tail = play(interviewer, media, Range="bytes=-10")
    assert b"".join(tail.streaming_content) == data[-10:]  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_an_unsatisfiable_range_is_a_416(owner: User, stored: tuple[MediaFile, bytes]) -> None:
    media, data = stored
    response = play(owner, media, Range=f"bytes={len(data) + 5}-")
    assert response.status_code == 416  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_every_access_is_audited_with_who_and_which_bytes(owner: User, stored: tuple[MediaFile, bytes]) -> None:
    media, _data = stored
    play(owner, media, Range="bytes=0-99")
    play(owner, media, Range="bytes=100-199")
    entries = AuditEntry.objects.filter(action="recording.streamed").order_by("id")
    assert [entry.detail["first_byte"] for entry in entries] == [0, 100]
    assert all(entry.actor_id == owner.id and entry.target_id == str(media.id) for entry in entries)


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "status"), [("coder", 403), ("viewer", 403), ("outsider", 404)])
def test_coders_viewers_and_outsiders_cannot_listen(
    persona: str, status: int, request: pytest.FixtureRequest, stored: tuple[MediaFile, bytes]
) -> None:
    media, _data = stored
    assert play(request.getfixturevalue(persona), media).status_code == status  # type: ignore[attr-defined]
    assert not AuditEntry.objects.filter(action="recording.streamed").exists()


@pytest.mark.parametrize(
    ("header", "result"),
    [
        (None, None),
        ("bytes=0-9", (0, 9)),
        ("bytes=5-", (5, 99)),
        ("bytes=-5", (95, 99)),
        ("bytes=90-200", (90, 99)),
        ("bytes=100-", False),
        ("bytes=9-3", False),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
    ],
)
def test_range_headers_are_parsed_strictly(header: str | None, result: object) -> None:
    assert parse_range(header, 100) == result
