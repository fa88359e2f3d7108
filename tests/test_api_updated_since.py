"""A sync script that asks for `?updated_since=` sees every transcript people changed after its last sync: a new
version (an edit, a restore, a redaction) and every state change (review, approval, coding) move `updated_at`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.tokens import create_api_token
from coding.models import CodingAssignment
from coding.services.codings import finish_assignment
from review.services import redaction, versions
from review.services.approval import approve_version
from review.tests.factories import machine_transcript
from studies.models import Study
from transcription.models import Transcript

pytestmark = pytest.mark.django_db

TEXTS = ["Call me on 07911 123456.", "It helped."]
README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture(autouse=True)
def fresh_throttle() -> None:
    cache.clear()  # token and user ids restart with each test database while Redis keeps throttle history


def synced_since(user: User, study: Study, since: datetime) -> list[int]:
    client = Client()
    client.force_login(user)
    response = client.get(f"/api/v1/studies/{study.slug}/transcripts/", {"updated_since": since.isoformat()})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def last_synced(transcript: Transcript) -> datetime:
    """The transcript as a sync script saw it yesterday; returns the moment of its last sync (now)."""
    Transcript.objects.filter(pk=transcript.pk).update(updated_at=timezone.now() - timedelta(days=1))
    return timezone.now()


def redacted(study: Study, user: User) -> Transcript:
    transcript = machine_transcript(study, TEXTS)
    redaction.accept_undecided(version=transcript.versions.get(), user=user)
    redaction.redact_latest(transcript=transcript, base_number=1, user=user)
    return transcript


def approved(study: Study, user: User) -> Transcript:
    transcript = redacted(study, user)
    approve_version(transcript=transcript, number=2, user=user)
    return transcript


def edit(transcript: Transcript, user: User) -> None:
    number = transcript.versions.order_by("-number").values_list("number", flat=True)[0]
    ops = [{"op": "text", "index": 1, "text": "Yes."}]
    versions.save_edits(transcript=transcript, base_number=number, ops=ops, author=user)


STEPS: dict[str, tuple[Callable[[Study, User], Transcript], Callable[[Transcript, User], object]]] = {
    "a first edit": (lambda s, u: machine_transcript(s, TEXTS), edit),
    "an edit of a transcript already in review": (redacted, edit),
    "an edit after approval": (approved, edit),
    "a restore": (redacted, lambda t, u: versions.restore_version(transcript=t, number=1, base_number=2, author=u)),
    "a redaction": (
        lambda s, u: machine_transcript(s, TEXTS),
        lambda t, u: (
            redaction.accept_undecided(version=t.versions.get(), user=u),
            redaction.redact_latest(transcript=t, base_number=1, user=u),
        ),
    ),
    "an approval": (redacted, lambda t, u: approve_version(transcript=t, number=2, user=u)),
    "the last coder finishing": (approved, lambda t, u: finish_assignment(assignment=t.assignments.get())),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_a_transcript_changed_after_the_last_sync_is_in_the_next_one(
    study: Study, researcher: User, coder: User, step: str
) -> None:
    prepare, change = STEPS[step]
    transcript = prepare(study, researcher)
    since = last_synced(transcript)
    assert synced_since(researcher, study, since) == []
    change(transcript, researcher)
    assert synced_since(researcher, study, since) == [transcript.id]


def test_approval_and_the_coding_queue_each_leave_the_transcript_newer(
    study: Study, researcher: User, coder: User
) -> None:
    transcript = redacted(study, researcher)
    since = last_synced(transcript)
    approve_version(transcript=transcript, number=2, user=researcher)
    transcript.refresh_from_db()
    assert transcript.state == Transcript.State.IN_CODING
    assert transcript.updated_at >= since
    moved = transcript.updated_at
    finish_assignment(assignment=CodingAssignment.objects.get(transcript=transcript))
    transcript.refresh_from_db()
    assert transcript.state == Transcript.State.CODED
    assert transcript.updated_at > moved


def test_the_readmes_sync_example_finds_a_transcript_whose_coding_was_finished(
    study: Study, researcher: User, coder: User
) -> None:
    [query] = re.findall(r'/transcripts/\?([^"]+)"', README.read_text(encoding="utf-8"))
    transcript = approved(study, researcher)
    since = last_synced(transcript)
    params = {**QueryDict(query).dict(), "updated_since": since.isoformat()}
    token = create_api_token(user=researcher, name="sync", study_ids=[study.pk], read_only=True, expires_at=None)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token.plaintext}")
    url = f"/api/v1/studies/{study.slug}/transcripts/"
    assert client.get(url, params).json()["results"] == []
    finish_assignment(assignment=transcript.assignments.get())
    [row] = client.get(url, params).json()["results"]
    assert row["id"] == transcript.id
    assert client.get(f"{url}{transcript.id}/export/", {"format": "srt"}).status_code == 200
