"""Pages and endpoints: the upload protocol over HTTP, live job state, retry, and role checks on each."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from studies.models import Interview, Study
from studies.tests.factories import ConsentFactory, InterviewFactory, ParticipantFactory
from transcription.models import MediaFile, TranscriptionJob
from transcription.tests.factories import MediaFileFactory, TranscriptFactory, TranscriptionJobFactory
from transcription.tests.jobkit import private_media, speech_wav, stored_files, temp_files

__all__ = ["private_media"]
PERSONAS = ("owner", "researcher", "interviewer", "coder", "viewer", "outsider")


@pytest.fixture
def interview(study: Study) -> Interview:
    participant = ParticipantFactory(study=study)
    ConsentFactory(participant=participant)
    return InterviewFactory(participant=participant)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def upload_over_http(client: Client, interview: Interview, data: bytes, *, chunk: int = 50_000) -> str:
    slug = interview.study.slug
    started = post_json(client, reverse("transcription:upload-start", args=[slug, interview.id]), {"size": len(data)})
    assert started.status_code == 201, started.content
    upload_id = started.json()["id"]
    url = reverse("transcription:upload-chunk", args=[slug, interview.id, upload_id])
    offset = 0
    while offset < len(data):
        sent = client.put(
            f"{url}?offset={offset}", data[offset : offset + chunk], content_type="application/octet-stream"
        )
        assert sent.status_code == 200, sent.content
        offset = sent.json()["offset"]
    return str(upload_id)


@pytest.mark.django_db
def test_an_interviewer_uploads_over_http_resuming_after_a_mismatch(
    interviewer: User, interview: Interview, private_media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client, slug, data = client_for(interviewer), interview.study.slug, speech_wav()
    started = post_json(client, reverse("transcription:upload-start", args=[slug, interview.id]), {"size": len(data)})
    url = reverse("transcription:upload-chunk", args=[slug, interview.id, started.json()["id"]])
    client.put(f"{url}?offset=0", data[:30_000], content_type="application/octet-stream")
    skipped = client.put(f"{url}?offset=60000", data[60_000:70_000], content_type="application/octet-stream")
    assert (skipped.status_code, skipped.json()["offset"]) == (409, 30_000)
    assert client.get(url).json()["offset"] == 30_000
    client.put(f"{url}?offset=30000", data[30_000:], content_type="application/octet-stream")
    finish_url = reverse("transcription:upload-finish", args=[slug, interview.id])
    with django_capture_on_commit_callbacks() as callbacks:
        finished = post_json(client, finish_url, {"layout": "mixed", "uploads": [started.json()["id"]]})
    assert finished.status_code == 201, finished.content
    assert MediaFile.objects.get().sha256 == hashlib.sha256(data).hexdigest()
    assert TranscriptionJob.objects.get().id == finished.json()["job"]
    assert len(callbacks) == 1
    assert temp_files() == []


@pytest.mark.django_db
def test_a_finish_that_storage_fails_keeps_the_bytes_and_a_second_finish_needs_nothing_sent_again(
    interviewer: User, interview: Interview, private_media: Path, settings: Any
) -> None:
    client = client_for(interviewer)
    upload_id = upload_over_http(client, interview, speech_wav())
    url = reverse("transcription:upload-finish", args=[interview.study.slug, interview.id])
    healthy = settings.STORAGES["default"]
    blocked = private_media.parent / "not-a-folder"
    blocked.write_bytes(b"")  # storage's folder is a file: every write fails, as on a full or read-only disk
    settings.STORAGES = {**settings.STORAGES, "default": {**healthy, "OPTIONS": {"location": str(blocked)}}}
    failed = post_json(client, url, {"layout": "mixed", "uploads": [upload_id]})
    assert failed.status_code == 503
    assert failed["Retry-After"] == "30"
    assert failed.json()["retry"] is True
    assert "Nothing was lost" in failed.json()["error"]
    assert len(temp_files()) == 1  # the received bytes are still there
    assert not MediaFile.objects.exists()

    settings.STORAGES = {**settings.STORAGES, "default": healthy}
    finished = post_json(client, url, {"layout": "mixed", "uploads": [upload_id]})
    assert finished.status_code == 201, finished.content
    assert MediaFile.objects.get().sha256 == hashlib.sha256(speech_wav()).hexdigest()
    assert temp_files() == []


@pytest.mark.django_db
def test_a_refused_file_over_http_gets_a_clear_message_and_leaves_nothing(
    interviewer: User, interview: Interview, private_media: Path
) -> None:
    client = client_for(interviewer)
    upload_id = upload_over_http(client, interview, b"%PDF-1.7 not audio at all" * 400)
    url = reverse("transcription:upload-finish", args=[interview.study.slug, interview.id])
    refused = post_json(client, url, {"layout": "mixed", "uploads": [upload_id]})
    assert refused.status_code == 400
    assert "could not be decoded" in refused.json()["error"]
    assert stored_files(private_media) == []
    assert temp_files() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [{"size": -1}, {"size": "ten"}, {"size": True}, {}, [], {"size": 10**30}],
)
def test_hostile_start_requests_get_a_400_or_413_never_a_500(
    interviewer: User, interview: Interview, private_media: Path, body: Any
) -> None:
    url = reverse("transcription:upload-start", args=[interview.study.slug, interview.id])
    response = post_json(client_for(interviewer), url, body)
    assert response.status_code in (400, 413)
    assert "error" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"layout": "mixed", "uploads": ["not-a-uuid"]},
        {"layout": "mixed", "uploads": "x"},
        {"layout": "chaos", "uploads": ["7c9e6679-7425-40de-944b-e07fc1f90ae7"]},
        {"layout": "mixed", "uploads": [], "speakers": [1]},
    ],
)
def test_hostile_finish_requests_are_refused_with_a_message(
    interviewer: User, interview: Interview, private_media: Path, body: dict[str, Any]
) -> None:
    url = reverse("transcription:upload-finish", args=[interview.study.slug, interview.id])
    response = post_json(client_for(interviewer), url, body)
    assert response.status_code == 400
    assert response.json()["error"]


@pytest.mark.django_db
def test_the_status_endpoint_reports_progress_eta_and_queue_position(owner: User, interview: Interview) -> None:
    first = TranscriptionJobFactory(recording__interview=interview)
    url = reverse("transcription:interview-status", args=[interview.study.slug, interview.id])
    (state,) = client_for(owner).get(url).json()["recordings"]
    assert state["job"]["id"] == first.id
    assert state["job"]["status"] == "queued"
    assert state["job"]["queue_position"] >= 1
    TranscriptionJob.objects.filter(id=first.id).update(status="failed", error_message="The file is damaged.")
    (state,) = client_for(owner).get(url).json()["recordings"]
    assert state["job"]["error"] == "The file is damaged."
    assert state["job"]["retry_url"].endswith(f"/jobs/{first.id}/retry/")


def expected(persona: str, allowed: set[str]) -> int:
    if persona == "outsider":
        return 404
    return 200 if persona in allowed else 403


ALL = set(PERSONAS) - {"outsider"}
UPLOADERS = {"owner", "researcher", "interviewer"}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_and_endpoint_checks_the_study_role(
    persona: str, request: pytest.FixtureRequest, interview: Interview, private_media: Path
) -> None:
    user: User = request.getfixturevalue(persona)
    client, slug = client_for(user), interview.study.slug
    job = TranscriptionJobFactory(recording__interview=interview, status="failed")
    media = MediaFileFactory(recording=job.recording)
    reads = {
        reverse("transcription:interview", args=[slug, interview.id]): ALL,
        reverse("transcription:interview-status", args=[slug, interview.id]): ALL,
        reverse("transcription:jobs", args=[slug]): ALL,
        reverse("transcription:jobs-status", args=[slug]): ALL,
    }
    for url, allowed in reads.items():
        assert client.get(url).status_code == expected(persona, allowed), url
    start = post_json(client, reverse("transcription:upload-start", args=[slug, interview.id]), {"size": 10})
    assert start.status_code == {200: 201}.get(expected(persona, UPLOADERS), expected(persona, UPLOADERS))
    finish = post_json(client, reverse("transcription:upload-finish", args=[slug, interview.id]), {})
    assert finish.status_code == {200: 400}.get(expected(persona, UPLOADERS), expected(persona, UPLOADERS))
    retry = client.post(reverse("transcription:retry", args=[slug, job.id]))
    assert retry.status_code == {200: 302}.get(expected(persona, UPLOADERS), expected(persona, UPLOADERS))
    # The stored file does not exist here, so a permitted listener would fail later; the role check comes first.
    if expected(persona, UPLOADERS) != 200:
        played = client.get(reverse("transcription:media", args=[slug, media.id]))
        assert played.status_code == expected(persona, UPLOADERS)


@pytest.mark.django_db
def test_a_chunk_endpoint_of_another_interview_is_not_found(
    interviewer: User, interview: Interview, private_media: Path
) -> None:
    client = client_for(interviewer)
    upload_id = upload_over_http(client, interview, b"x" * 10)
    other = InterviewFactory(participant=ParticipantFactory(study=interview.study))
    url = reverse("transcription:upload-chunk", args=[interview.study.slug, other.id, upload_id])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_sign_in(interview: Interview) -> None:
    response = Client().get(reverse("transcription:interview", args=[interview.study.slug, interview.id]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_interview_page_shows_the_transcript_state_and_hides_audio_from_coders(
    coder: User, researcher: User, interview: Interview
) -> None:
    job = TranscriptionJobFactory(recording__interview=interview, status="succeeded", progress=100)
    TranscriptFactory(recording=job.recording, language="es")
    MediaFileFactory(recording=job.recording)
    url = reverse("transcription:interview", args=[interview.study.slug, interview.id])
    for_researcher = client_for(researcher).get(url).content.decode()
    for_coder = client_for(coder).get(url).content.decode()
    assert "Transcript: Transcribed (es)" in for_researcher
    assert "Transcript: Transcribed (es)" in for_coder
    assert "<audio" in for_researcher
    assert "<audio" not in for_coder
    assert 'id="upload-form"' in for_researcher
    assert 'id="upload-form"' not in for_coder
