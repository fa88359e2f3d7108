"""Database constraints that keep one machine transcript per recording and jobs in known states."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from transcription.models import Track, Transcript, TranscriptionJob, TranscriptVersion
from transcription.tests.factories import RecordingFactory, TrackFactory, TranscriptFactory


@pytest.mark.django_db
def test_a_recording_has_at_most_one_transcript() -> None:
    transcript = TranscriptFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Transcript.objects.create(recording=transcript.recording, language="en")


@pytest.mark.django_db
def test_a_transcript_has_at_most_one_machine_version() -> None:
    transcript = TranscriptFactory()
    TranscriptVersion.objects.create(transcript=transcript, number=1, is_machine=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        TranscriptVersion.objects.create(transcript=transcript, number=2, is_machine=True)
    assert TranscriptVersion.objects.create(transcript=transcript, number=2).number == 2


@pytest.mark.django_db
def test_a_recording_has_at_most_one_active_job() -> None:
    recording = RecordingFactory()
    TranscriptionJob.objects.create(recording=recording)
    with pytest.raises(IntegrityError), transaction.atomic():
        TranscriptionJob.objects.create(recording=recording)
    TranscriptionJob.objects.filter(recording=recording).update(status=TranscriptionJob.Status.FAILED)
    assert TranscriptionJob.objects.create(recording=recording).status == TranscriptionJob.Status.QUEUED


@pytest.mark.django_db
def test_progress_is_a_percentage() -> None:
    job = TranscriptionJob.objects.create(recording=RecordingFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        TranscriptionJob.objects.filter(id=job.id).update(progress=101)


@pytest.mark.django_db
def test_a_version_text_joins_its_segments_in_order() -> None:
    version = TranscriptVersion.objects.create(transcript=TranscriptFactory(), number=1, is_machine=True)
    version.segments.create(index=1, start=2.0, end=3.0, text="¿Qué tal?")
    version.segments.create(index=0, start=0.0, end=1.5, text="Hola")
    assert version.text() == "Hola\n¿Qué tal?"


@pytest.mark.django_db
def test_a_file_is_transcribed_whole_once_or_once_per_channel() -> None:
    track = TrackFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Track.objects.create(recording=track.recording, media_file=track.media_file)
    stereo = TrackFactory(channel=0, speaker="interviewer")
    with pytest.raises(IntegrityError), transaction.atomic():
        Track.objects.create(recording=stereo.recording, media_file=stereo.media_file, channel=0, speaker="P-1")
    assert Track.objects.create(recording=stereo.recording, media_file=stereo.media_file, channel=1).channel == 1
