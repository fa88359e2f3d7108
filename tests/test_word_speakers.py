"""Words carry their speaker from the pipeline into storage; words stored before that (no speaker) still export."""

from __future__ import annotations

import pytest

from exports.formats.json_format import write_json
from exports.formats.stored import export_document
from transcription.models import Recording
from transcription.models import Segment as StoredSegment
from transcription.results import Segment, TranscriptionResult, Word
from transcription.services.jobs import write_transcript
from transcription.tests.jobkit import consented_interview

pytestmark = pytest.mark.django_db


def _result() -> TranscriptionResult:
    words = (Word(0.0, 0.4, "Hello.", 0.9, "SPEAKER_1"), Word(0.5, 0.9, "Hello.", 0.8, "SPEAKER_2"))
    segments = [
        Segment(0.0, 0.4, "Hello.", "SPEAKER_1", "en", -0.2, 0.01, 1.2, words[:1]),
        Segment(0.5, 0.9, "Hello.", "SPEAKER_2", "en", -0.2, 0.01, 1.2, words[1:]),
    ]
    return TranscriptionResult(segments, "en", 0.99, 1.0, "faster-whisper", "base")


def test_each_stored_word_keeps_its_speaker() -> None:
    version = write_transcript(Recording.objects.create(interview=consented_interview()), _result())

    stored = [row.words for row in StoredSegment.objects.filter(version=version).order_by("index")]

    assert [[word["speaker"] for word in words] for words in stored] == [["SPEAKER_1"], ["SPEAKER_2"]]


def test_words_stored_without_a_speaker_still_export() -> None:
    version = write_transcript(Recording.objects.create(interview=consented_interview()), _result())
    old = StoredSegment.objects.get(version=version, index=0)
    old.words = [{key: value for key, value in word.items() if key != "speaker"} for word in old.words]
    old.save()

    document = export_document(version, title="P01", language="en", redacted=False)
    written = b"".join(write_json(document))

    assert [len(segment.words) for segment in document.segments] == [1, 1]
    assert b'"Hello."' in written
