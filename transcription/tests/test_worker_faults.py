"""Real Celery worker processes against the test database and real Redis: a worker killed mid-transcription,
and a task sent twice, both end with exactly one transcript."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.tests.factories import UserFactory
from transcription import services
from transcription.models import Transcript, TranscriptionJob, TranscriptVersion
from transcription.services import RecordingPlan, add_recording
from transcription.tasks import transcribe_recording
from transcription.tests import speech
from transcription.tests.jobkit import consented_interview, private_media, upload_bytes

__all__ = ["private_media"]
ROOT = Path(__file__).resolve().parents[2]
Status = TranscriptionJob.Status
StartWorker = Callable[[str], subprocess.Popen[bytes]]


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def job_status(job_id: int) -> str:
    return TranscriptionJob.objects.values_list("status", flat=True).get(id=job_id)


def worker_database_url() -> str:
    """The URL of pytest-django's test database (test_<name>), with the same server and credentials."""
    db = connection.settings_dict
    login = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def start_worker(private_media: Path, tmp_path: Path, redis_client: redis.Redis) -> Iterator[StartWorker]:
    """Starts `celery -A config worker -Q transcription -c 1` in its own process group, pointed at this test's
    database, Redis and storage; every worker started is killed (the whole group) at teardown."""
    redis_client.delete("transcription", "unacked", "unacked_index")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "MEDIA_ROOT": str(private_media),
        "TRANSCRIPTION_HEARTBEAT_SECONDS": "1",
    }
    workers: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{name}.log").open("wb")
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "transcription", "-c", "1"]
        command += ["-n", f"{name}@%h", "--without-gossip", "--without-mingle", "-l", "INFO"]
        worker = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)


def long_recording_job() -> TranscriptionJob:
    """About a minute of speech: long enough to be killed in the middle of it."""
    interview = consented_interview()
    user = UserFactory()
    sentences = [speech.synthesize(f"This is part {n} of a long answer about my week at work.") for n in range(18)]
    upload = upload_bytes(interview, user, speech.wav_bytes(speech.join(*sentences)))
    return add_recording(interview=interview, user=user, plan=RecordingPlan("mixed", [upload.pk])).jobs.get()


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
