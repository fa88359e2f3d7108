"""The plain description every writer works from: what an exported transcript says, independent of models.

Times are seconds from the start of the recording (floats); writers round them to milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from transcription.results import Segment, TranscriptionResult


@dataclass(frozen=True)
class ExportWord:
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
