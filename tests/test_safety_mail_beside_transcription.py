"""A safety alert does not wait behind Whisper: with one worker per queue (as the embedded run's Procfile.dev and
compose run them), the safety contact's e-mail goes out within seconds of a risk answer while a long transcription
is running on the other worker. Run on both brokers: Redis (compose, production) and kombu's filesystem broker (the
embedded run's, polled). Real worker processes; the mail server is the file-based backend (the SMTP server is
outside the platform)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from config.broker import filesystem_transport_options
from config.celery import app
from studies.models import OutboxMessage, SafetyContact, Study
from studies.tests.factories import build_screening
from studies.tests.test_screening import submit
from transcription.models import TranscriptionJob
from transcription.tests.jobkit import private_media
from transcription.tests.workerkit import StartWorker, job_status, long_recording_job, start_worker, wait_for

__all__ = ["private_media", "start_worker"]


@pytest.fixture(params=["redis", "filesystem"])
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The broker this process and the workers share; yields the workers' extra environment for it."""
    if request.param == "redis":  # the test run's Redis, as start_worker sets it up
        yield {}
        return
    var = tmp_path / "var"  # the workers' settings put the broker in VAR_DIR/broker, as the embedded run does
    before = (app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.broker_url = "filesystem://"  # type: ignore[misc]  # celery-types calls it read-only; Celery allows it
    app.conf.broker_transport_options = filesystem_transport_options(var / "broker")
    app.amqp._producer_pool = None  # type: ignore[attr-defined]  # the old broker's pool; a new one on next publish
    yield {"CELERY_BROKER_URL": "filesystem://", "VAR_DIR": str(var)}
    app.conf.broker_url, app.conf.broker_transport_options = before  # type: ignore[misc]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_safety_contact_is_mailed_within_ten_seconds_while_a_transcription_runs(
    start_worker: StartWorker, broker: dict[str, str], study: Study, tmp_path: Path
) -> None:
    mailbox = tmp_path / "mail"
    job = long_recording_job()  # committed: its task is on the broker
    start_worker("whisper", queue="transcription", **broker)
    start_worker("mail", queue="default", EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                 EMAIL_FILE_PATH=str(mailbox), **broker)  # fmt: skip
    wait_for(lambda: job_status(job.id) == TranscriptionJob.Status.RUNNING, timeout=120, what="the transcription")
    time.sleep(3)  # both workers up and the transcription well under way

    SafetyContact.objects.create(study=study, name="Safety lead", email="safety@example.org")
    build_screening(study)
    answered = time.monotonic()
    submit(Client(), study, q_crisis="yes", q_country="IN")
    alert = OutboxMessage.objects.get(kind=OutboxMessage.Kind.SAFETY_ALERT)
    sent = OutboxMessage.Status.SENT
    wait_for(lambda: OutboxMessage.objects.get(pk=alert.pk).status == sent, timeout=10, what="the safety e-mail")
    took = time.monotonic() - answered
    assert job_status(job.id) == TranscriptionJob.Status.RUNNING  # Whisper was busy all along
    assert "safety@example.org" in "".join(path.read_text() for path in mailbox.glob("*"))
    assert took < 10
