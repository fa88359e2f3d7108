"""CSV of segments, RFC 4180: comma-separated, CRLF line ends, fields quoted when they need it, UTF-8.

The Excel variant adds a byte-order mark (without it Excel reads UTF-8 as a legacy code page and garbles every
non-Latin script) and defuses cells that a spreadsheet would run as a formula ("=", "+", "-", "@" first).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from config.spreadsheet import defuse_formula

from .document import ExportSegment, ExportTranscript
from .timing import milliseconds, timestamp

COLUMNS = ("index", "start", "end", "start_time", "end_time", "speaker", "language", "text")


def _row(index: int, segment: ExportSegment) -> list[str]:
    return [
        str(index),
        f"{milliseconds(segment.start) / 1000:.3f}",
        f"{milliseconds(segment.end) / 1000:.3f}",
        timestamp(segment.start),
        timestamp(segment.end),
        segment.speaker,
        segment.language,
        segment.text,
    ]


def write_csv(transcript: ExportTranscript, *, excel: bool = False) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield ("\ufeff" if excel else "").encode() + buffer.getvalue().encode()
    for index, segment in enumerate(transcript.segments):
        buffer.seek(0)
        buffer.truncate()
        row = _row(index, segment)
        writer.writerow([defuse_formula(cell) for cell in row] if excel else row)
        yield buffer.getvalue().encode()


def write_excel_csv(transcript: ExportTranscript) -> Iterator[bytes]:
    return write_csv(transcript, excel=True)
