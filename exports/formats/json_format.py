"""JSON: everything a notebook needs (segments, words, speakers, languages, engine and version), streamed one
segment at a time so a long transcript never sits in memory twice.

Encoded with orjson: a study archive writes ten million word timings, and the standard library's encoder spent a
third of the export there. The output is compact UTF-8 (no spaces after separators, no escaped non-ASCII).
"""

from __future__ import annotations

from collections.abc import Iterator

import orjson

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
        # milliseconds() inlined: this line runs once per word.
        "words": [
            {
                "start": max(0, int(start * 1000 + 0.5)) / 1000,
                "end": max(0, int(end * 1000 + 0.5)) / 1000,
                "text": text,
                "probability": probability,
            }
            for start, end, text, probability in segment.words
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
    yield orjson.dumps(header)[:-1] + b',"segments":['
    for index, segment in enumerate(transcript.segments):
        separator = b"," if index else b""
        yield separator + b"\n" + orjson.dumps(_segment(index, segment))
    yield b"\n]}\n"
