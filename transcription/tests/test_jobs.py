"""Running jobs through the service with the real bundled Whisper model: one transcript per recording."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.tests.factories import UserFactory
from transcription import services
from transcription.engine import EngineOutOfMemory
from transcription.models import Recording, Segment, Transcript, TranscriptionJob, TranscriptVersion
from transcription.services import RecordingPlan, add_recording
from transcription.services.monitor import JobMonitor
from transcription.tasks import transcribe_recording
from transcription.tests import speech
from transcription.tests.factories import RecordingFactory, TranscriptionJobFactory
from transcription.tests.jobkit import consented_interview, private_media, speech_wav, upload_bytes

__all__ = ["private_media"]
Status = TranscriptionJob.Status


def new_job(data: bytes, *, layout: str = "mixed", speakers: list[str] | None = None) -> TranscriptionJob:
    interview = consented_interview()
    user = UserFactory()
    speakers = [s.replace("P", interview.participant.code) for s in speakers or []]
    upload = upload_bytes(interview, user, data)
    recording = add_recording(interview=interview, user=user, plan=RecordingPlan(layout, [upload.pk], speakers))
    return recording.jobs.get()


@pytest.mark.django_db(transaction=True)
def test_a_job_writes_a_machine_version_one_and_a_second_run_does_nothing(private_media: Path) -> None:
    job = new_job(speech_wav())
    assert services.run_transcription_job(job_id=job.id, worker="w1") == "succeeded"
    assert services.run_transcription_job(job_id=job.id, worker="w2") == "skipped"
    job.refresh_from_db()
    assert (job.status, job.progress, job.attempts, job.worker) == (Status.SUCCEEDED, 100, 1, "w1")
    assert job.finished_at is not None
    assert job.model_name == "bundled-base"
    assert job.device == "cpu"
    transcript = Transcript.objects.get()
    assert transcript.language == "en"
    version = TranscriptVersion.objects.get()
    assert (version.number, version.is_machine, version.created_by) == (1, True, None)
    assert version.engine.startswith("faster-whisper")
    assert version.model_name == "bundled-base"
    assert version.engine_settings["batch_size"] == job.batch_size
    text = version.text().lower()
    assert "daily routines" in text, text
    segment = version.segments.first()
    assert segment is not None
    assert segment.words
    assert segment.avg_logprob is not None


@pytest.mark.django_db(transaction=True)
def test_stereo_channel_labels_become_segment_speakers(private_media: Path) -> None:
    left = speech.join(speech.synthesize("Tell me about your week."), speech.silence(3.0))
    right = speech.join(speech.silence(2.5), speech.synthesize("I went to the office every day."))
    job = new_job(speech.wav_bytes(left, right), layout="stereo", speakers=["interviewer", "P"])
    assert services.run_transcription_job(job_id=job.id, worker="w") == "succeeded"
    code = job.recording.interview.participant.code
    spoken = {s.speaker: s.text.lower() for s in Segment.objects.order_by("start")}
    assert set(spoken) == {"interviewer", code}
    assert "week" in spoken["interviewer"]
    assert "office" in spoken[code]


@pytest.mark.django_db(transaction=True)
def test_separate_track_labels_become_segment_speakers(private_media: Path) -> None:
    interview = consented_interview()
    user = UserFactory()
    code = interview.participant.code
    first = upload_bytes(interview, user, speech.wav_bytes(speech.synthesize("How did you sleep?")))
    second = upload_bytes(
        interview, user, speech.wav_bytes(speech.join(speech.silence(2), speech.synthesize("Badly.")))
    )
    plan = RecordingPlan("tracks", [first.pk, second.pk], ["interviewer", code])
    recording = add_recording(interview=interview, user=user, plan=plan)
    assert services.run_transcription_job(job_id=recording.jobs.get().id, worker="w") == "succeeded"
    speakers = list(Segment.objects.order_by("start").values_list("speaker", flat=True))
    assert speakers[0] == "interviewer"
    assert code in speakers


@pytest.mark.django_db(transaction=True)
def test_media_that_cannot_be_decoded_fails_with_a_readable_reason_and_can_be_retried(
    private_media: Path, django_capture_on_commit_callbacks: object
) -> None:
    job = new_job(speech_wav())
    # Damage the stored file after upload: the worker cannot decrypt it (a permanent failure).
    path = private_media / job.recording.files.get().storage_name
    raw = bytearray(path.read_bytes())
    raw[200] ^= 0xFF
    path.write_bytes(bytes(raw))
    assert services.run_transcription_job(job_id=job.id, worker="w") == "failed"
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert "could not be read" in job.error_message
    assert not Transcript.objects.exists()
    retried = services.retry_job(job=job)
    assert (retried.status, retried.attempts, retried.error_message) == (Status.QUEUED, 0, "")
    with pytest.raises(services.RetryRefused):
        services.retry_job(job=retried)


@pytest.mark.django_db(transaction=True)
def test_gpu_out_of_memory_requeues_with_a_smaller_batch(
    private_media: Path, monkeypatch: pytest.MonkeyPatch, settings: SettingsWrapper
) -> None:
    # The machine has no GPU, so its out-of-memory error is simulated (mocked: outside the platform).
    def out_of_memory(*args: object, **kwargs: object) -> None:
        raise EngineOutOfMemory("CUDA out of memory")

    monkeypatch.setattr("transcription.pipeline.transcribe", out_of_memory)
    settings.WHISPER_BATCH_SIZE = 8
    job = new_job(speech_wav())
    with pytest.raises(services.TransientJobError):
        services.run_transcription_job(job_id=job.id, worker="w")
    job.refresh_from_db()
    assert (job.status, job.batch_size, job.enqueued_at) == (Status.QUEUED, 4, None)
    assert "out of memory" in job.error_message


@pytest.mark.django_db
def test_the_machine_version_of_a_recording_is_unique_even_if_two_results_arrive(private_media: Path) -> None:
    recording = Recording.objects.create(interview=consented_interview())
    Transcript.objects.create(recording=recording, language="en")
    job = TranscriptionJob.objects.create(recording=recording)
    assert services.claim_job(job_id=job.id, worker="a") is not None
    assert services.claim_job(job_id=job.id, worker="b") is None


@pytest.mark.django_db
def test_the_heartbeat_writes_progress_and_eta_and_stops_a_job_taken_away() -> None:
    recording = Recording.objects.create(interview=consented_interview())
    job = TranscriptionJob.objects.create(recording=recording)
    claimed = services.claim_job(job_id=job.id, worker="w")
    assert claimed is not None
    monitor = JobMonitor(job_id=job.id, attempt=claimed.attempts, participant_id=recording.interview.participant_id)
    monitor.on_progress(30.0, 120.0)
    monitor.beat()
    job.refresh_from_db()
    assert job.progress == 25
    assert job.eta is not None
    assert job.heartbeat_at is not None
    assert job.heartbeat_at >= claimed.heartbeat_at  # type: ignore[operator]
    assert monitor.should_continue()
    # The sweep gave the job to another worker (a new attempt): this claim must stop.
    TranscriptionJob.objects.filter(id=job.id).update(attempts=claimed.attempts + 1)
    monitor.beat()
    assert not monitor.should_continue()


@pytest.mark.django_db(transaction=True)
def test_the_task_retries_out_of_memory_with_halving_batches_then_fails_with_a_reason(
    private_media: Path, monkeypatch: pytest.MonkeyPatch, settings: SettingsWrapper
) -> None:
    # No GPU here: its out-of-memory error is simulated (mocked: outside the platform). Run eagerly, Celery's
    # retry re-runs the task at once instead of after the backoff.
    batches: list[int | None] = []

    def out_of_memory(*args: object, batch_size: int | None = None, **kwargs: object) -> None:
        batches.append(batch_size)
        raise EngineOutOfMemory("CUDA out of memory")

    monkeypatch.setattr("transcription.pipeline.transcribe", out_of_memory)
    settings.WHISPER_BATCH_SIZE, settings.TRANSCRIPTION_MAX_ATTEMPTS = 8, 3
    job = new_job(speech_wav())
    transcribe_recording.apply(args=(job.id,))
    job.refresh_from_db()
    assert batches == [8, 4, 2]
    assert job.status == Status.FAILED
    assert job.error_message == "Gave up after 3 attempts. Last problem: The GPU ran out of memory."


@pytest.mark.django_db(transaction=True)
def test_an_english_translation_is_kept_beside_the_spanish_original(private_media: Path) -> None:
    interview = consented_interview(language="es")
    user = UserFactory()
    audio = speech.synthesize("Hablo con el asistente por la noche cuando no puedo dormir.", voice="es")
    upload = upload_bytes(interview, user, speech.wav_bytes(audio))
    plan = RecordingPlan("mixed", [upload.pk], translate_to_english=True)
    job = add_recording(interview=interview, user=user, plan=plan).jobs.get()
    assert services.run_transcription_job(job_id=job.id, worker="w") == "succeeded"
    version = TranscriptVersion.objects.get()
    assert Transcript.objects.get().language == "es"
    assert "noche" in version.text().lower()
    assert version.translation
    english = " ".join(segment["text"] for segment in version.translation).lower()
    assert "night" in english


@pytest.mark.django_db
def test_a_queued_job_left_unclaimed_can_be_sent_again_but_not_one_waiting_its_turn(
    settings: SettingsWrapper, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TRANSCRIPTION_STALE_SECONDS = 120
    stuck = TranscriptionJobFactory(enqueued_at=timezone.now() - timedelta(seconds=121))
    waiting = TranscriptionJobFactory(recording=RecordingFactory(), enqueued_at=timezone.now())
    assert stuck.is_stuck()
    assert not waiting.is_stuck()
    with django_capture_on_commit_callbacks() as callbacks:
        services.retry_job(job=stuck)
    assert len(callbacks) == 1  # the message goes out again once the retry commits
    stuck.refresh_from_db()
    assert (stuck.status, stuck.enqueued_at) == (Status.QUEUED, None)  # the send stamps it
    with pytest.raises(services.RetryRefused, match="waited unclaimed"):
        services.retry_job(job=waiting)
