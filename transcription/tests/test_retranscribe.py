"""Transcribing a recording again: the active job is cancelled and fenced, an unreviewed machine transcript goes,
a new job is queued after commit; reviewed work is never thrown away."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from studies.models import Role
from studies.tests.factories import MembershipFactory
from transcription import services
from transcription.models import Recording, Transcript, TranscriptionJob
from transcription.services.jobs import claim_job, requeue_job
from transcription.tests.factories import RecordingFactory, TranscriptFactory, TranscriptionJobFactory
from transcription.tests.jobkit import consented_interview

pytestmark = pytest.mark.django_db
Status = TranscriptionJob.Status


def recording_with_job(status: str = Status.QUEUED) -> tuple[Recording, TranscriptionJob]:
    recording = RecordingFactory(interview=consented_interview())
    return recording, TranscriptionJobFactory(recording=recording, status=status)


def manager(recording: Recording, role: str = Role.RESEARCHER) -> User:
    return MembershipFactory(study=recording.interview.study, role=role).user


def test_a_running_job_is_cancelled_and_its_claim_can_no_longer_write(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    recording, job = recording_with_job()
    claim = claim_job(job_id=job.id, worker="w1")
    assert claim is not None
    with django_capture_on_commit_callbacks() as callbacks:
        new = services.retranscribe_recording(recording=recording, user=manager(recording))
    job.refresh_from_db()
    assert job.status == Status.CANCELLED
    assert (new.status, new.attempts) == (Status.QUEUED, 0)
    assert len(callbacks) == 1  # the new job is sent once the transaction commits
    assert requeue_job(job=claim, reason="worker restarted") is False  # the old claim is fenced
    assert recording.jobs.filter(status__in=TranscriptionJob.ACTIVE).get() == new


def test_an_unreviewed_machine_transcript_is_replaced_and_the_request_is_audited() -> None:
    recording, _job = recording_with_job(Status.SUCCEEDED)
    TranscriptFactory(recording=recording, state=Transcript.State.TRANSCRIBED)
    user = manager(recording)
    new = services.retranscribe_recording(recording=recording, user=user)
    assert not Transcript.objects.filter(recording=recording).exists()
    entry = AuditEntry.objects.get(action="transcription.recording.retranscribed")
    assert (entry.actor, entry.target_id) == (user, str(recording.pk))
    assert entry.detail == {"job": new.id, "cancelled_jobs": 0, "transcript_deleted": True}


@pytest.mark.parametrize("state", [Transcript.State.IN_REVIEW, Transcript.State.APPROVED, Transcript.State.CODED])
def test_a_transcript_in_review_or_later_is_never_thrown_away(state: str) -> None:
    recording, job = recording_with_job(Status.SUCCEEDED)
    TranscriptFactory(recording=recording, state=state)
    with pytest.raises(services.RetryRefused, match="already in review"):
        services.retranscribe_recording(recording=recording, user=manager(recording))
    assert Transcript.objects.filter(recording=recording, state=state).exists()
    assert list(recording.jobs.all()) == [job]
    assert not AuditEntry.objects.filter(action="transcription.recording.retranscribed").exists()


def test_without_consent_to_transcription_nothing_is_queued() -> None:
    recording = RecordingFactory(interview=consented_interview(transcription=False))
    with pytest.raises(services.RetryRefused, match="consent"):
        services.retranscribe_recording(recording=recording, user=manager(recording))
    assert not recording.jobs.exists()


def test_the_interview_page_offers_it_to_managers_and_the_button_works() -> None:
    recording, _job = recording_with_job(Status.SUCCEEDED)
    TranscriptFactory(recording=recording, state=Transcript.State.TRANSCRIBED)
    page = reverse("transcription:interview", args=[recording.interview.study.slug, recording.interview_id])
    action = reverse("transcription:retranscribe", args=[recording.interview.study.slug, recording.pk])
    interviewer, researcher = Client(), Client()
    interviewer.force_login(manager(recording, Role.INTERVIEWER))
    researcher.force_login(manager(recording, Role.RESEARCHER))
    assert action not in interviewer.get(page).content.decode()
    assert action in researcher.get(page).content.decode()
    assert interviewer.post(action).status_code == 403
    response = researcher.post(action, follow=True)
    assert "queued to be transcribed again" in response.content.decode()
    assert recording.jobs.filter(status=Status.QUEUED).count() == 1
