"""A database that drops out while a finished transcription is saved does not throw the result away: the save is
tried again on a fresh connection (a real PostgreSQL backend is terminated under the worker's connection)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, connection
from pytest_django.fixtures import Settings as SettingsWrapper

from transcription import services
from transcription.models import Recording, Transcript, TranscriptionJob
from transcription.results import Segment as ResultSegment
from transcription.results import TranscriptionResult, Word
from transcription.services.jobs import save_result_with_retries
from transcription.tests.jobkit import consented_interview

# Committed rows: the terminated connection's open transaction would otherwise take the test's data with it.
pytestmark = pytest.mark.django_db(transaction=True)


def terminate_this_connection() -> None:
    """What a database restart or failover does to a worker: its server process goes away mid-session."""
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"], autocommit=True
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_result_is_saved_on_a_fresh_connection_after_the_database_dropped_out(settings: SettingsWrapper) -> None:
    settings.TRANSCRIPTION_SAVE_BACKOFF_SECONDS = 0
    recording = Recording.objects.create(interview=consented_interview())
    job = services.claim_job(job_id=TranscriptionJob.objects.create(recording=recording).id, worker="w")
    assert job is not None
    words = (Word(0.0, 0.4, " It", 0.9), Word(0.5, 0.9, " helped.", 0.9))
    segment = ResultSegment(0.0, 1.0, "It helped.", "SPEAKER_1", "en", -0.2, 0.01, 1.2, words)
    result = TranscriptionResult([segment], "en", 0.99, 1.0, "faster-whisper", "base")
    terminate_this_connection()
    assert save_result_with_retries(job=job, result=result)
    assert Transcript.objects.get(recording=recording).versions.get().text() == "It helped."
    job.refresh_from_db()
    assert job.status == TranscriptionJob.Status.SUCCEEDED


def test_a_database_that_stays_away_still_fails_the_save(settings: SettingsWrapper) -> None:
    settings.TRANSCRIPTION_SAVE_BACKOFF_SECONDS = 0
    settings.TRANSCRIPTION_SAVE_ATTEMPTS = 1
    recording = Recording.objects.create(interview=consented_interview())
    job = services.claim_job(job_id=TranscriptionJob.objects.create(recording=recording).id, worker="w")
    assert job is not None
    result = TranscriptionResult([], "en", 0.99, 1.0, "faster-whisper", "base")
    terminate_this_connection()
    with pytest.raises((OperationalError, InterfaceError)):
        save_result_with_retries(job=job, result=result)
    connection.close()
    assert not Transcript.objects.exists()
