"""Building the export description from pipeline results and stored rows, and streaming in pieces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from exports.formats import (
    ExportWord,
    export_rows,
    from_result,
    words_from_json,
    write_csv,
    write_json,
    write_srt,
    write_vtt,
)
from exports.formats.timing import is_rtl, milliseconds, timestamp
from transcription.results import Segment, TranscriptionResult, Word

from .formats_sample import SAMPLE, SEGMENTS

if TYPE_CHECKING:
    from review.redaction import SegmentLike
    from transcription.models import Segment as SegmentModel

    def _stored_segments_fit_both_contracts(rows: list[SegmentModel]) -> list[SegmentLike]:
        export_rows(rows)  # mypy checks that the review models can be exported and redacted as they are
        return list(rows)


@dataclass
class Row:
    start: float
    end: float
    speaker: str
    language: str
    text: str
    words: Any = field(default_factory=list)


def test_a_pipeline_result_becomes_an_export_with_its_engine_and_words() -> None:
    result = TranscriptionResult(
        segments=[Segment(0.0, 1.5, "Hola", "SPEAKER_1", "es", -0.1, 0.0, 1.0, (Word(0.0, 1.5, "Hola", 0.9),))],
        language="es",
        language_probability=0.98,
        duration=1.5,
        engine="faster-whisper 1.2.1",
        model="base",
    )

    export = from_result(result, title="P-002", version=1, redacted=False)

    assert (export.engine, export.model, export.language, export.redacted) == (
        "faster-whisper 1.2.1",
        "base",
        "es",
        False,
    )
    assert export.segments[0].words[0].text == "Hola"
    assert export.speakers == ["SPEAKER_1"]


def test_stored_rows_with_json_words_become_export_segments() -> None:
    rows = [Row(1.0, 2.0, "A", "en", "hi there", [{"start": 1.0, "end": 1.4, "text": "hi", "probability": None}])]

    (segment,) = export_rows(rows)

    assert (segment.start, segment.speaker, segment.text) == (1.0, "A", "hi there")
    assert segment.words[0].text == "hi"
    assert segment.words[0].probability is None


def test_words_read_as_json_text_become_timed_words_whatever_numbers_were_stored() -> None:
    stored = '[{"start": 1, "end": 1.4, "text": "hi", "probability": 0.5}, {"start": 1.4, "end": 2, "text": "you"}]'

    words = words_from_json(stored)

    assert words == (ExportWord(1.0, 1.4, "hi", 0.5), ExportWord(1.4, 2.0, "you", None))
    assert all(isinstance(w.start, float) and isinstance(w.end, float) for w in words)
    assert words_from_json("null") == words_from_json("[]") == words_from_json(None) == ()


def test_text_writers_stream_one_piece_per_segment() -> None:
    for writer in (write_json, write_srt, write_vtt, write_csv):
        assert len(list(writer(SAMPLE))) >= len(SEGMENTS), writer.__name__


def test_timestamps_round_to_the_nearest_millisecond() -> None:
    assert milliseconds(1.0005) == 1001
    assert milliseconds(-0.2) == 0
    assert timestamp(3725.5) == "01:02:05.500"
    assert timestamp(59.9996, decimal=",") == "00:01:00,000"
    assert timestamp(3599.7, with_ms=False) == "00:59:59"


def test_direction_follows_the_first_strong_character() -> None:
    assert is_rtl("  ٣ كنت")
    assert is_rtl("שלום")
    assert not is_rtl("123 hello مرحبا")
    assert not is_rtl("मुझे")
