"""Real Celery worker processes against the test database and real Redis: a worker killed mid-transcription,
and a task sent twice, both end with exactly one transcript."""

from __future__ import annotations

import os
import signal
import time

import pytest
import redis
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.tests.factories import UserFactory
from transcription import services
from transcription.models import Transcript, TranscriptionJob, TranscriptVersion
from transcription.services import RecordingPlan, add_recording
from transcription.tasks import transcribe_recording
from transcription.tests import speech
from transcription.tests.jobkit import consented_interview, private_media, upload_bytes
from transcription.tests.workerkit import StartWorker, job_status, long_recording_job, start_worker, wait_for

__all__ = ["private_media", "start_worker"]
Status = TranscriptionJob.Status


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_transcription_is_replaced_and_the_job_completes_once(
    start_worker: StartWorker, settings: SettingsWrapper
) -> None:
    settings.TRANSCRIPTION_STALE_SECONDS = 4
    job = long_recording_job()  # committed: its task is already in Redis
    first = start_worker("first")
    wait_for(lambda: job_status(job.id) == Status.RUNNING, timeout=120, what="the first worker to claim the job")
    claimed = TranscriptionJob.objects.get(id=job.id)
    wait_for(
        lambda: TranscriptionJob.objects.get(id=job.id).heartbeat_at > claimed.heartbeat_at,  # type: ignore[operator]
        timeout=60,
        what="a heartbeat from the running job",
    )
    os.killpg(first.pid, signal.SIGKILL)  # the machine dies: worker and its pool child alike
    first.wait(timeout=30)
    assert job_status(job.id) == Status.RUNNING
    assert not Transcript.objects.exists()

    time.sleep(settings.TRANSCRIPTION_STALE_SECONDS + 1)
    assert services.sweep_transcription_jobs().requeued == 1
    assert job_status(job.id) == Status.QUEUED
    start_worker("second")
    wait_for(lambda: job_status(job.id) == Status.SUCCEEDED, timeout=240, what="the second worker to finish")

    job.refresh_from_db()
    assert job.attempts == 2
    assert job.worker.startswith("second@")
    assert Transcript.objects.count() == 1
    assert TranscriptVersion.objects.filter(is_machine=True).count() == 1
    assert "long answer" in TranscriptVersion.objects.get().text().lower()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_same_task_sent_twice_to_a_real_worker_gives_one_transcript(
    start_worker: StartWorker, redis_client: redis.Redis
) -> None:
    interview = consented_interview()
    user = UserFactory()
    upload = upload_bytes(interview, user, speech.wav_bytes(speech.synthesize("I talk to the chatbot at night.")))
    job = add_recording(interview=interview, user=user, plan=RecordingPlan("mixed", [upload.pk])).jobs.get()
    transcribe_recording.delay(job.id)  # a duplicate of the message sent on commit
    assert redis_client.llen("transcription") == 2
    start_worker("dup")
    wait_for(lambda: job_status(job.id) == Status.SUCCEEDED, timeout=180, what="the job to finish")
    wait_for(lambda: redis_client.llen("transcription") == 0, timeout=60, what="the duplicate to be consumed")
    time.sleep(2)  # let the duplicate's run (a no-op claim) finish
    job.refresh_from_db()
    assert job.attempts == 1
    assert Transcript.objects.count() == 1
    assert TranscriptVersion.objects.count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_job_whose_message_was_lost_with_the_broker_is_sent_again_and_finishes(
    start_worker: StartWorker, redis_client: redis.Redis, settings: SettingsWrapper
) -> None:
    settings.TRANSCRIPTION_RESEND_AFTER_SECONDS = 1
    interview = consented_interview()
    user = UserFactory()
    upload = upload_bytes(interview, user, speech.wav_bytes(speech.synthesize("I talk to the chatbot at night.")))
    job = add_recording(interview=interview, user=user, plan=RecordingPlan("mixed", [upload.pk])).jobs.get()
    assert redis_client.llen("transcription") == 1
    redis_client.delete("transcription")  # Redis restarted without persistence: the queue is gone
    start_worker("after-restart")
    time.sleep(2)
    assert job_status(job.id) == Status.QUEUED  # nothing will ever run it...
    assert services.sweep_transcription_jobs().resent == 1  # ...until the sweep sends it again
    wait_for(lambda: job_status(job.id) == Status.SUCCEEDED, timeout=180, what="the job to finish")
    assert Transcript.objects.count() == 1
