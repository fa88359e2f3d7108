"""Plain text: a short header, then one paragraph per segment: "[00:01:02.345 --> 00:01:05.000] Speaker: text".

Lines of a multi-line segment after the first are indented by four spaces, so every line that starts with "["
begins a segment. Right-to-left text is wrapped in a Unicode isolate (see timing.isolate).
"""

from __future__ import annotations

from collections.abc import Iterator

from .document import ExportTranscript
from .timing import isolate, timestamp

CONTINUATION = "    "


def header_lines(transcript: ExportTranscript) -> list[str]:
    state = "redacted" if transcript.redacted else "RAW, NOT REDACTED"
    return [
        f"Transcript: {transcript.title}",
        f"Version: {transcript.version} ({state})",
        f"Language: {', '.join(transcript.languages) or 'unknown'}",
        f"Speakers: {', '.join(transcript.speakers)}",
        f"Transcribed by: {transcript.engine}, model {transcript.model}",
    ]


def write_text(transcript: ExportTranscript) -> Iterator[bytes]:
    yield ("\n".join(header_lines(transcript)) + "\n\n").encode()
    for segment in transcript.segments:
        lines = [isolate(line) for line in segment.text.splitlines() or [""]]
        times = f"[{timestamp(segment.start)} --> {timestamp(segment.end)}]"
        body = f"\n{CONTINUATION}".join(lines)
        yield f"{times} {segment.speaker}: {body}\n\n".encode()
