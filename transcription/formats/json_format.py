"""JSON: everything a notebook needs (segments, words, speakers, languages, engine and version), streamed one
segment at a time so a long transcript never sits in memory twice."""

from __future__ import annotations

import json
from collections.abc import Iterator

from .document import ExportSegment, ExportTranscript
from .timing import milliseconds

SCHEMA = "interview-platform/transcript"
SCHEMA_VERSION = 1


def _seconds(value: float) -> float:
    return milliseconds(value) / 1000


def _segment(index: int, segment: ExportSegment) -> dict[str, object]:
    return {
        "index": index,
        "start": _seconds(segment.start),
        "end": _seconds(segment.end),
        "speaker": segment.speaker,
        "language": segment.language,
        "text": segment.text,
        "words": [
            {"start": _seconds(w.start), "end": _seconds(w.end), "text": w.text, "probability": w.probability}
            for w in segment.words
        ],
    }


def write_json(transcript: ExportTranscript) -> Iterator[bytes]:
    header = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "title": transcript.title,
        "version": transcript.version,
        "redacted": transcript.redacted,
        "language": transcript.language,
        "languages": transcript.languages,
        "engine": {"name": transcript.engine, "model": transcript.model},
        "speakers": transcript.speakers,
    }
    # The header's closing brace is cut off so the segments array can follow inside the same object.
    yield json.dumps(header, ensure_ascii=False)[:-1].encode() + b', "segments": ['
    for index, segment in enumerate(transcript.segments):
        separator = b"," if index else b""
        yield separator + b"\n" + json.dumps(_segment(index, segment), ensure_ascii=False).encode()
    yield b"\n]}\n"
