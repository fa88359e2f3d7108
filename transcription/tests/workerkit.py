"""Real Celery worker processes for fault tests: started against this test's database, Redis and storage, in
their own process groups, and killed (the whole group) at teardown."""

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

from accounts.tests.factories import UserFactory
from transcription.models import TranscriptionJob
from transcription.services import RecordingPlan, add_recording
from transcription.tests import speech
from transcription.tests.jobkit import consented_interview, upload_bytes

ROOT = Path(__file__).resolve().parents[2]
StartWorker = Callable[..., subprocess.Popen[bytes]]


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
    """`start(name, queue="transcription", **env)` runs `celery -A config worker -Q <queue> -c 1` with extra
    environment variables; every worker started is killed at teardown."""
    # Queues start empty: "default" has a list per priority (default, default\x06\x163, ...) since the outbox.
    leftovers = [*redis_client.scan_iter("default*"), *redis_client.scan_iter("transcription*")]
    redis_client.delete("unacked", "unacked_index", *leftovers)
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "MEDIA_ROOT": str(private_media),
        "TRANSCRIPTION_HEARTBEAT_SECONDS": "1",
    }
    workers: list[subprocess.Popen[bytes]] = []

    def start(name: str, queue: str = "transcription", **env: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{name}.log").open("wb")
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-c", "1"]
        command += ["-n", f"{name}@%h", "--without-gossip", "--without-mingle", "-l", "INFO"]
        worker = subprocess.Popen(
            command, cwd=ROOT, env={**base, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
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
