"""The plain description every writer works from: what an exported transcript says, independent of models.

Times are seconds from the start of the recording (floats); writers round them to milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import orjson

from config.crypto import unseal
from transcription.results import Segment, TranscriptionResult


class ExportWord(NamedTuple):
    """A timed word. A named tuple rather than a dataclass: a study archive builds ten million of them."""

    start: float
    end: float
    text: str
    probability: float | None = None


@dataclass(frozen=True)
class ExportSegment:
    start: float
    end: float
    speaker: str
    text: str
    language: str = ""
    words: tuple[ExportWord, ...] = ()


@dataclass(frozen=True)
class ExportTranscript:
    title: str  # the participant's pseudonym or the interview's label: never a real name
    language: str  # the dominant language (ISO 639-1)
    engine: str  # for example "faster-whisper 1.2.1"
    model: str
    version: int  # the transcript version exported
    segments: tuple[ExportSegment, ...]
    redacted: bool = True

    @property
    def speakers(self) -> list[str]:
        """Speakers in order of first appearance."""
        return list(dict.fromkeys(segment.speaker for segment in self.segments))

    @property
    def languages(self) -> list[str]:
        found = [segment.language for segment in self.segments if segment.language]
        return list(dict.fromkeys([self.language, *found])) if self.language else list(dict.fromkeys(found))


def export_segments(segments: Sequence[Segment]) -> tuple[ExportSegment, ...]:
    return tuple(
        ExportSegment(
            start=s.start,
            end=s.end,
            speaker=s.speaker,
            text=s.text,
            language=s.language,
            words=tuple(ExportWord(w.start, w.end, w.text, w.probability) for w in s.words),
        )
        for s in segments
    )


class SegmentRow(Protocol):
    """A stored segment as the review models keep it: words as a list of {"start", "end", "text", "probability"}."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def speaker(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def words(self) -> Any: ...  # a JSONField: whatever was stored


def _words(stored: Iterable[Mapping[str, Any]]) -> tuple[ExportWord, ...]:
    # One pass per word of a study archive, so no helper call per word; tuple.__new__ skips the named tuple's
    # Python-level constructor.
    new = tuple.__new__
    return tuple(
        new(ExportWord, (float(w["start"]), float(w["end"]), str(w["text"]), None if p is None else float(p)))
        for w in stored
        for p in (w.get("probability"),)
    )


def words_from_json(stored: str | bytes | None) -> tuple[ExportWord, ...]:
    """Words from a segment's `words` column read as JSON text (decoded by orjson, several times faster than the
    standard library; a study archive decodes ten million words). A raw version's words are sealed
    (config.fields.SealedJSONField): a JSON string holding the sealed JSON text."""
    decoded = orjson.loads(stored) if stored else None
    if isinstance(decoded, str):
        decoded = orjson.loads(unseal(decoded))
    return _words(decoded or ())  # a JSON null holds no words either


def export_rows(rows: Iterable[SegmentRow]) -> tuple[ExportSegment, ...]:
    """Export segments from stored rows (model instances or anything shaped like them), in the given order."""
    return tuple(
        ExportSegment(row.start, row.end, row.speaker, row.text, row.language, _words(row.words or ())) for row in rows
    )


def from_result(result: TranscriptionResult, *, title: str, version: int, redacted: bool) -> ExportTranscript:
    """An export of a pipeline result as it stands (the command line and the benchmark use this)."""
    return ExportTranscript(
        title=title,
        language=result.language,
        engine=result.engine,
        model=result.model,
        version=version,
        segments=export_segments(result.segments),
        redacted=redacted,
    )
