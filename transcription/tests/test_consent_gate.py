"""The consent gate and withdrawal: no recording without consent, no result after a withdrawal."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from django.db import connections
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.tests.factories import UserFactory
from studies.models import Participant
from transcription import services
from transcription.models import MediaFile, Recording, Transcript, TranscriptionJob, Upload
from transcription.services import RecordingPlan, RecordingRefused, add_recording
from transcription.tests import speech
from transcription.tests.jobkit import (
    consented_interview,
    private_media,
    speech_wav,
    stored_files,
    temp_files,
    upload_bytes,
)

__all__ = ["private_media"]
Status = TranscriptionJob.Status


def withdraw(participant: Participant) -> None:
    """What the journey's withdrawal does to the participant row (studies owns that service)."""
    Participant.objects.filter(id=participant.id).update(
        status=Participant.Status.WITHDRAWN, withdrawn_at=timezone.now()
    )


@pytest.mark.django_db
def test_a_recording_without_consent_to_automatic_transcription_is_refused(private_media: Path) -> None:
    interview = consented_interview(transcription=False)
    user = UserFactory()
    upload = upload_bytes(interview, user, speech_wav())
    with pytest.raises(RecordingRefused, match="consent"):
        add_recording(interview=interview, user=user, plan=RecordingPlan("mixed", [upload.pk]))
    assert not Recording.objects.exists()
    assert stored_files(private_media) == []
    assert temp_files() == []


@pytest.mark.django_db(transaction=True)
def test_a_queued_job_of_a_participant_who_withdrew_is_cancelled_unrun(private_media: Path) -> None:
    interview = consented_interview()
    user = UserFactory()
    upload = upload_bytes(interview, user, speech_wav())
    job = add_recording(interview=interview, user=user, plan=RecordingPlan("mixed", [upload.pk])).jobs.get()
    withdraw(interview.participant)
    assert services.run_transcription_job(job_id=job.id, worker="w") == "cancelled"
    job.refresh_from_db()
    assert job.status == Status.CANCELLED
    assert "consent" in job.error_message
    assert not Transcript.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_withdrawal_during_a_running_job_discards_its_result(private_media: Path, settings: SettingsWrapper) -> None:
    settings.TRANSCRIPTION_HEARTBEAT_SECONDS = 0.2
    interview = consented_interview()
    user = UserFactory()
    sentences = [speech.synthesize(f"This is sentence number {n} of a long answer.") for n in range(12)]
    upload = upload_bytes(interview, user, speech.wav_bytes(speech.join(*sentences)))
    job = add_recording(interview=interview, user=user, plan=RecordingPlan("mixed", [upload.pk])).jobs.get()
    outcome: list[str] = []

    def work() -> None:
        try:
            outcome.append(services.run_transcription_job(job_id=job.id, worker="w"))
        finally:
            connections.close_all()

    worker = threading.Thread(target=work)
    worker.start()
    deadline = time.monotonic() + 60
    while not TranscriptionJob.objects.filter(id=job.id, status=Status.RUNNING).exists():
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.05)
    withdraw(interview.participant)
    services.withdraw_participant_work(participant=interview.participant, erase=False)
    worker.join(timeout=120)
    job.refresh_from_db()
    assert outcome in (["cancelled"], ["discarded"])
    assert job.status == Status.CANCELLED
    assert not Transcript.objects.exists()
    # keep_data: the recording itself stays.
    assert MediaFile.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_erasing_deletes_recordings_transcripts_uploads_and_the_stored_files(private_media: Path) -> None:
    interview = consented_interview()
    user = UserFactory()
    upload = upload_bytes(interview, user, speech_wav())
    job = add_recording(interview=interview, user=user, plan=RecordingPlan("mixed", [upload.pk])).jobs.get()
    assert services.run_transcription_job(job_id=job.id, worker="w") == "succeeded"
    upload_bytes(interview, user, speech.wav_bytes(np.zeros(1600, dtype=np.float32)))  # one in progress
    assert len(stored_files(private_media)) == 1
    assert len(temp_files()) == 1
    withdraw(interview.participant)
    services.withdraw_participant_work(participant=interview.participant, erase=True)
    assert stored_files(private_media) == []
    assert temp_files() == []
    for model in (Recording, MediaFile, TranscriptionJob, Transcript, Upload):
        assert not model.objects.exists(), model


@pytest.mark.django_db
def test_erasing_also_removes_codings_that_protect_the_transcript(private_media: Path) -> None:
    from coding.models import Coding
    from coding.services.codebook import record_codebook_version
    from coding.tests.factories import CodeFactory

    interview = consented_interview()
    study = interview.study
    recording = Recording.objects.create(interview=interview)
    transcript = Transcript.objects.create(recording=recording, language="en")
    version = transcript.versions.create(number=1, is_machine=True)
    version.segments.create(index=0, start=0.0, end=2.0, text="I talk to it at night.")
    coder = UserFactory()
    Coding.objects.create(
        transcript_version=version,
        start=0,
        end=6,
        text="I talk",
        code=CodeFactory(study=study),
        coder=coder,
        codebook_version=record_codebook_version(study=study, actor=coder, change="test"),
    )
    services.withdraw_participant_work(participant=interview.participant, erase=True)
    assert not Coding.objects.exists()
    assert not Transcript.objects.exists()
    assert not Recording.objects.exists()
