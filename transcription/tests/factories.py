"""Factories for recordings, jobs and transcripts (media rows point at storage names tests may not fill)."""

from __future__ import annotations

import factory

from studies.tests.factories import InterviewFactory
from transcription.models import MediaFile, Recording, Track, Transcript, TranscriptionJob


class RecordingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recording

    interview = factory.SubFactory(InterviewFactory)
    layout = Recording.Layout.MIXED


class MediaFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediaFile

    recording = factory.SubFactory(RecordingFactory)
    storage_name = factory.Sequence(lambda n: f"recordings/test-{n}.enc")
    byte_size = 1000
    sha256 = "0" * 64
    duration = 3.0
    channels = 1
    sample_rate = 16000
    codec = "pcm_s16le"
    container = "wav"


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    media_file = factory.SubFactory(MediaFileFactory)
    recording = factory.SelfAttribute("media_file.recording")


class TranscriptionJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TranscriptionJob

    recording = factory.SubFactory(RecordingFactory)


class TranscriptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transcript

    recording = factory.SubFactory(RecordingFactory)
    language = "en"
