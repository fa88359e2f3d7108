"""API resources of a study: participants, interviews, recordings, jobs, transcripts, segments, exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
import srt  # type: ignore[import-untyped]
import webvtt
from django.core.cache import cache
from django.test import Client
from docx import Document

from accounts.models import AuditEntry, User
from studies.models import Study
from studies.tests.factories import ParticipantFactory
from tests.exportkit import RAW, REDACTED, make_transcript, screen
from transcription.models import Transcript, TranscriptionJob
from transcription.tests.factories import MediaFileFactory, TranscriptionJobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttle() -> None:
    # Token ids restart with each test database while Redis keeps throttle history: start every test afresh.
    cache.clear()


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def base(study: Study) -> str:
    return f"/api/v1/studies/{study.slug}"


def test_participants_carry_pseudonym_and_closed_demographics_never_contact_or_free_text(
    study: Study, researcher: User
) -> None:
    participant = ParticipantFactory(study=study)
    screen(participant, {"region": "europe", "gender": "woman", "story": "I am Maria from Quito"})
    body = signed_in(researcher).get(f"{base(study)}/participants/").json()
    [row] = body["results"]
    assert row["pseudonym"] == participant.code
    assert row["demographics"] == {"region": "europe", "gender": "woman"}
    assert "Maria" not in json.dumps(body)
    assert not {"email", "phone", "contact"} & set(row)


def test_lists_filter_by_status_language_and_updated_since_in_stable_order(study: Study, owner: User) -> None:
    first = make_transcript(study, language="en")
    second = make_transcript(study, language="es", state=Transcript.State.IN_REVIEW)
    client = signed_in(owner)
    ids = [row["id"] for row in client.get(f"{base(study)}/transcripts/").json()["results"]]
    assert ids == sorted([first.id, second.id])
    assert [r["id"] for r in client.get(f"{base(study)}/transcripts/?language=es").json()["results"]] == [second.id]
    approved = client.get(f"{base(study)}/transcripts/?status=approved").json()["results"]
    assert [r["id"] for r in approved] == [first.id]
    Transcript.objects.filter(pk=first.pk).update(updated_at="2020-01-01T00:00:00Z")
    recent = client.get(f"{base(study)}/transcripts/", {"updated_since": "2024-01-01T00:00:00+00:00"}).json()
    assert [r["id"] for r in recent["results"]] == [second.id]


def test_bad_filters_are_a_400_naming_the_field(study: Study, owner: User) -> None:
    client = signed_in(owner)
    for query, field in [("status=nope", "status"), ("updated_since=yesterday", "updated_since"),
                         ("language=English!", "language"), ("page_size=0", "page_size")]:  # fmt: skip
        response = client.get(f"{base(study)}/transcripts/?{query}")
        assert response.status_code == 400, query
        assert field in response.json()["error"]["fields"]


def test_a_cursor_walks_every_row_once(study: Study, owner: User) -> None:
    made = {make_transcript(study).id for _ in range(5)}
    seen: list[int] = []
    url: str | None = f"{base(study)}/transcripts/?page_size=2"
    while url:
        page = signed_in(owner).get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(made)


def test_transcripts_are_redacted_by_default_and_raw_only_for_managers_with_an_audit_entry(
    study: Study, researcher: User, coder: User
) -> None:
    transcript = make_transcript(study)
    url = f"{base(study)}/transcripts/{transcript.id}"
    detail = signed_in(researcher).get(f"{url}/").json()
    assert detail["version"]["redacted"] is True
    assert detail["version"]["number"] == 2
    segments = signed_in(researcher).get(f"{url}/segments/").json()["results"]
    assert [s["text"] for s in segments] == list(REDACTED)
    assert segments[0]["words"][0]["text"] == "Hello,"
    raw = signed_in(researcher).get(f"{url}/segments/?raw=true").json()["results"]
    assert [s["text"] for s in raw] == list(RAW)
    assert AuditEntry.objects.filter(action="api.transcript.raw_read", actor=researcher).count() == 1
    assert signed_in(coder).get(f"{url}/segments/?raw=true").status_code == 403
    assert signed_in(coder).get(f"{url}/segments/").json()["results"][0]["text"] == REDACTED[0]


def test_a_transcript_without_a_redacted_version_is_not_readable_unless_raw(study: Study, owner: User) -> None:
    transcript = make_transcript(study, state=Transcript.State.TRANSCRIBED)
    transcript.versions.filter(number=2).delete()  # only the machine's raw version is left
    url = f"{base(study)}/transcripts/{transcript.id}/export/?format=txt"
    response = signed_in(owner).get(url)
    assert response.status_code == 404
    assert "Maria" not in response.content.decode()
    assert "Maria" in _export(signed_in(owner), f"{url}&raw=true").decode()


def _export(client: Client, url: str, **headers: str) -> bytes:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_every_format_parses_back_with_the_redacted_text(study: Study, researcher: User) -> None:
    transcript = make_transcript(study)
    client, url = signed_in(researcher), f"{base(study)}/transcripts/{transcript.id}/export/"
    subtitles = list(srt.parse(_export(client, f"{url}?format=srt").decode()))
    assert len(subtitles) == len(REDACTED)
    assert all(text in s.content for s, text in zip(subtitles, REDACTED, strict=True))
    vtt = webvtt.from_buffer(io.StringIO(_export(client, url, Accept="text/vtt").decode()))
    assert "[PLACE-1]" in vtt.captions[0].text
    document = Document(io.BytesIO(_export(client, f"{url}?format=docx")))
    assert any("[NAME-1]" in p.text for p in document.paragraphs)
    rows = list(csv.DictReader(io.StringIO(_export(client, f"{url}?format=csv").decode())))
    assert len(rows) == 2
    data = json.loads(_export(client, url))
    assert "Maria" not in json.dumps(data)
    assert AuditEntry.objects.filter(action="api.transcript.exported").count() == 5


def test_an_unknown_format_is_refused_with_the_list_of_formats(study: Study, owner: User) -> None:
    transcript = make_transcript(study)
    url = f"{base(study)}/transcripts/{transcript.id}/export/"
    for response in (
        signed_in(owner).get(f"{url}?format=pdf"),
        signed_in(owner).get(url, headers={"Accept": "image/png"}),
    ):
        assert response.status_code == 406
        assert "srt" in response.json()["error"]["message"]


def test_media_links_only_for_roles_that_may_listen(study: Study, interviewer: User, coder: User) -> None:
    transcript = make_transcript(study)
    media = MediaFileFactory(recording=transcript.recording)
    [row] = signed_in(interviewer).get(f"{base(study)}/recordings/").json()["results"]
    assert row["files"][0]["media_url"] == f"/studies/{study.slug}/recordings/media/{media.id}/"
    [row] = signed_in(coder).get(f"{base(study)}/recordings/").json()["results"]
    assert row["files"][0]["media_url"] is None


def test_jobs_show_status_and_progress(study: Study, viewer: User) -> None:
    transcript = make_transcript(study)
    job = TranscriptionJobFactory(recording=transcript.recording, status=TranscriptionJob.Status.QUEUED, progress=0)
    body = signed_in(viewer).get(f"{base(study)}/jobs/?status=queued").json()
    assert [(r["id"], r["status"], r["progress"]) for r in body["results"]] == [(job.id, "queued", 0)]
    interviews = signed_in(viewer).get(f"{base(study)}/interviews/").json()["results"]
    assert interviews[0]["participant"] == transcript.recording.interview.participant.code
