"""The review pages and endpoints: roles, audit of every raw read, autosave answers, and the redaction flow."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from review.models import RedactionTag
from review.services import redaction, versions
from review.services.approval import approve_version
from review.tests.factories import machine_transcript
from studies.models import Study
from transcription.models import Transcript

TEXTS = ["Call me on 07911 123456 any time.", "It helped me at night."]
RAW = "07911 123456"


@pytest.fixture
def transcript(study: Study) -> Transcript:
    return machine_transcript(study, TEXTS, flags={1: ["low_confidence"]})


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, study: Study, transcript: Transcript | None = None) -> str:
    return reverse(f"review:{name}", args=[study.slug, transcript.id] if transcript else [study.slug])


def redact_and_approve(transcript: Transcript, user: User) -> None:
    redaction.accept_undecided(version=transcript.versions.get(number=1), user=user)
    redaction.redact_latest(transcript=transcript, base_number=1, user=user)
    approve_version(transcript=transcript, number=2, user=user)


RAW_PAGES = ["editor", "history", "redaction"]


@pytest.mark.parametrize("name", RAW_PAGES)
def test_coders_interviewers_and_viewers_cannot_open_raw_pages(
    study: Study, transcript: Transcript, coder: User, interviewer: User, viewer: User, name: str
) -> None:
    for user in (coder, interviewer, viewer):
        assert client_for(user).get(url(name, study, transcript)).status_code == 403


def test_coders_cannot_read_the_tag_table_the_list_or_post_edits(
    study: Study, transcript: Transcript, coder: User
) -> None:
    client = client_for(coder)
    assert client.get(url("tags", study)).status_code == 403
    assert client.get(url("identifiers", study)).status_code == 403
    body = json.dumps({"base": 1, "ops": []})
    assert client.post(url("save", study, transcript), body, content_type="application/json").status_code == 403
    assert client.post(url("approve", study, transcript), {"version": 1}).status_code == 403
    for name in ("redaction-decide", "redaction-mark", "restore"):
        assert client.post(url(name, study, transcript), {"version": 1, "number": 1, "base": 1}).status_code == 403
    assert transcript.versions.count() == 1


def test_outsiders_get_not_found(study: Study, transcript: Transcript, outsider: User) -> None:
    for name in ["read", *RAW_PAGES]:
        assert client_for(outsider).get(url(name, study, transcript)).status_code == 404


def test_a_coder_reads_only_the_approved_redacted_text(
    study: Study, transcript: Transcript, researcher: User, coder: User
) -> None:
    client = client_for(coder)
    page = client.get(url("read", study, transcript)).content.decode()
    assert RAW not in page
    assert "No reviewed, redacted text" in page
    redact_and_approve(transcript, researcher)
    versions.save_edits(
        transcript=transcript, base_number=2, ops=[{"op": "text", "index": 1, "text": RAW}], author=researcher
    )
    page = client.get(url("read", study, transcript)).content.decode()
    assert "[PHONE-1]" in page
    assert RAW not in page


def test_every_raw_view_leaves_an_audit_entry(study: Study, transcript: Transcript, researcher: User) -> None:
    versions.save_edits(transcript=transcript, base_number=1, ops=[{"op": "merge", "index": 0}], author=researcher)
    client = client_for(researcher)
    for name in ["read", *RAW_PAGES]:
        before = AuditEntry.objects.filter(action="transcript.raw_viewed").count()
        response = client.get(url(name, study, transcript))
        assert response.status_code == 200
        assert AuditEntry.objects.filter(action="transcript.raw_viewed").count() > before, name
    client.get(url("tags", study))
    assert AuditEntry.objects.filter(action="redaction.tags_viewed", actor=researcher).count() == 1


def test_the_editor_page_carries_segments_flags_and_the_recording(
    study: Study, transcript: Transcript, owner: User
) -> None:
    response = client_for(owner).get(url("editor", study, transcript))
    data = response.context["data"]
    assert data["version"] == 1
    assert [s["t"] for s in data["segments"]] == TEXTS
    assert data["segments"][1]["f"] == ["low_confidence"]
    assert 'id="editor-data"' in response.content.decode()
    assert "<script>" not in response.content.decode()  # the page's script is a static file (CSP)


def test_autosave_answers_the_new_version_then_a_conflict_for_an_old_base(
    study: Study, transcript: Transcript, researcher: User, owner: User
) -> None:
    ops = [{"op": "text", "index": 1, "text": "It helped me."}]
    first = client_for(owner).post(
        url("save", study, transcript), json.dumps({"base": 1, "ops": ops}), content_type="application/json"
    )
    assert first.json() == {"version": 2}
    second = client_for(researcher).post(
        url("save", study, transcript), json.dumps({"base": 1, "ops": ops}), content_type="application/json"
    )
    assert second.status_code == 409
    assert second.json()["conflict"] is True
    assert "saved version 2" in second.json()["error"]
    bad = client_for(researcher).post(url("save", study, transcript), "not json", content_type="application/json")
    assert bad.status_code == 400
    no_base = client_for(researcher).post(url("save", study, transcript), {"ops": "[]"})
    assert no_base.status_code == 400
    assert transcript.versions.count() == 2


def test_the_redaction_form_accepts_applies_and_the_editor_approves(
    study: Study, transcript: Transcript, researcher: User, coder: User
) -> None:
    client = client_for(researcher)
    page = client.get(url("redaction", study, transcript))
    assert "looks like a phone number" in page.content.decode()
    decide = url("redaction-decide", study, transcript)
    client.post(decide, {"version": 1, "action": "accept_rest"})
    client.post(
        url("redaction-mark", study, transcript), {"version": 1, "segment": 2, "phrase": "at night", "kind": "OTHER"}
    )
    response = client.post(decide, {"version": 1, "action": "apply"})
    assert response.status_code == 302
    assert [r["text"] for r in versions.rows_of(transcript.versions.get(number=2))] == [
        "Call me on [PHONE-1] any time.",
        "It helped me [OTHER-1].",
    ]
    client.post(url("approve", study, transcript), {"version": 2})
    transcript.refresh_from_db()
    assert transcript.state == Transcript.State.IN_CODING
    tags = client.get(url("tags", study)).content.decode()
    assert RAW in tags
    assert RedactionTag.objects.filter(study=study).count() == 2


def test_history_compares_and_restores(study: Study, transcript: Transcript, researcher: User) -> None:
    versions.save_edits(
        transcript=transcript, base_number=1, ops=[{"op": "text", "index": 1, "text": "It helped."}], author=researcher
    )
    client = client_for(researcher)
    page = client.get(url("history", study, transcript), {"a": 1, "b": 2}).content.decode()
    assert "<del>" in page
    assert "night." in page.split("<del>", 1)[1]
    client.post(url("restore", study, transcript), {"number": 1, "base": 2})
    assert versions.rows_of(transcript.versions.get(number=3))[1]["text"] == TEXTS[1]


def test_the_list_shows_every_recordings_state(study: Study, transcript: Transcript, viewer: User) -> None:
    page = client_for(viewer).get(url("list", study)).content.decode()
    assert "state-transcribed" in page
    assert "Review and edit" not in page
