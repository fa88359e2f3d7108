"""The sweep: silent running jobs go back to the queue (or fail after the last attempt); lost sends are sent."""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.tests.factories import UserFactory
from transcription import services
from transcription.models import TranscriptionJob, Upload
from transcription.tests.factories import RecordingFactory, TranscriptionJobFactory

Status = TranscriptionJob.Status


@pytest.fixture
def transcription_queue(redis_client: redis.Redis) -> redis.Redis:
    redis_client.delete("transcription")
    return redis_client


def sent_job_ids(queue: redis.Redis) -> list[int]:
    messages = [json.loads(raw) for raw in queue.lrange("transcription", 0, -1)]
    return [json.loads(base64.b64decode(message["body"]))[0][0] for message in messages]


def running_job(*, silent_for: float, attempts: int = 1) -> TranscriptionJob:
    at = timezone.now() - timedelta(seconds=silent_for)
    return TranscriptionJobFactory(status=Status.RUNNING, attempts=attempts, claimed_at=at, heartbeat_at=at)


@pytest.mark.django_db(transaction=True)
def test_a_running_job_whose_worker_went_silent_is_queued_again_and_sent(
    transcription_queue: redis.Redis, settings: SettingsWrapper
) -> None:
    settings.TRANSCRIPTION_STALE_SECONDS = 60
    silent, alive = running_job(silent_for=61), running_job(silent_for=5)
    report = services.sweep_transcription_jobs()
    assert (report.requeued, report.failed) == (1, 0)
    silent.refresh_from_db()
    alive.refresh_from_db()
    assert silent.status == Status.QUEUED
    assert "stopped responding" in silent.error_message
    assert silent.enqueued_at is not None
    assert alive.status == Status.RUNNING
    assert sent_job_ids(transcription_queue) == [silent.id]


@pytest.mark.django_db
def test_a_job_that_ran_out_of_attempts_fails_with_a_reason(settings: SettingsWrapper) -> None:
    settings.TRANSCRIPTION_MAX_ATTEMPTS = 3
    job = running_job(silent_for=10_000, attempts=3)
    assert services.sweep_transcription_jobs().failed == 1
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error_message.startswith("Gave up after 3 attempts")
    assert job.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_committed_job_that_was_never_sent_is_sent_after_the_grace_period(
    transcription_queue: redis.Redis, settings: SettingsWrapper
) -> None:
    settings.TRANSCRIPTION_ENQUEUE_GRACE_SECONDS = 30
    lost = TranscriptionJobFactory()
    fresh = TranscriptionJobFactory(recording=RecordingFactory())
    TranscriptionJob.objects.filter(id=lost.id).update(updated_at=timezone.now() - timedelta(seconds=31))
    assert services.sweep_transcription_jobs().sent == 1
    assert sent_job_ids(transcription_queue) == [lost.id]
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.enqueued_at is not None
    assert fresh.enqueued_at is None


@pytest.mark.django_db(transaction=True)
def test_a_sent_job_that_no_worker_claimed_is_sent_again_as_its_message_may_be_lost(
    transcription_queue: redis.Redis, settings: SettingsWrapper
) -> None:
    settings.TRANSCRIPTION_RESEND_AFTER_SECONDS = 600
    long_ago, just_now = timezone.now() - timedelta(seconds=601), timezone.now() - timedelta(seconds=30)
    lost = TranscriptionJobFactory(enqueued_at=long_ago)  # Redis restarted empty: its message is gone
    waiting = TranscriptionJobFactory(recording=RecordingFactory(), enqueued_at=just_now)
    running = running_job(silent_for=1)
    TranscriptionJob.objects.filter(id=running.id).update(enqueued_at=long_ago)
    report = services.sweep_transcription_jobs()
    assert (report.resent, report.sent, report.requeued) == (1, 0, 0)
    assert sent_job_ids(transcription_queue) == [lost.id]
    lost.refresh_from_db()
    waiting.refresh_from_db()
    assert lost.enqueued_at is not None
    assert lost.enqueued_at > long_ago  # sent again now: the next re-send waits another period
    assert waiting.enqueued_at == just_now
    assert services.sweep_transcription_jobs().resent == 0


@pytest.mark.django_db
def test_the_sweep_removes_abandoned_uploads(settings: SettingsWrapper, tmp_path: Path) -> None:
    settings.UPLOAD_DIR = tmp_path
    settings.UPLOAD_EXPIRY_HOURS = 1
    recording = RecordingFactory()
    upload = Upload.objects.create(interview=recording.interview, created_by=UserFactory(), size=10)
    Upload.objects.filter(pk=upload.pk).update(updated_at=timezone.now() - timedelta(hours=2))
    orphan = tmp_path / "0b7a1c52-2f6e-4a8e-9a43-4f1f6c1d2e3f.part"
    orphan.write_bytes(b"left behind")
    os.utime(orphan, (time.time() - 3 * 3600, time.time() - 3 * 3600))
    assert services.sweep_transcription_jobs().uploads_removed == 2
    assert not Upload.objects.exists()
    assert not orphan.exists()
