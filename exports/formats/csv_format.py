"""CSV of segments, RFC 4180: comma-separated, CRLF line ends, fields quoted when they need it, UTF-8.

Both variants defuse cells that a spreadsheet would run as a formula ("=", "+", "-", "@", tab or carriage return
first get a leading apostrophe, `config.spreadsheet`): a file meant for R or Python is still opened in a
spreadsheet by someone, and segment text is what a participant said. The Excel variant differs only by a
byte-order mark (without it Excel reads UTF-8 as a legacy code page and garbles every non-Latin script).
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
        writer.writerow([defuse_formula(cell) for cell in _row(index, segment)])
        yield buffer.getvalue().encode()


def write_excel_csv(transcript: ExportTranscript) -> Iterator[bytes]:
    return write_csv(transcript, excel=True)
