"""Transcript exports: JSON, plain text, SRT, WebVTT, DOCX and CSV, from one plain description.

Writers yield bytes in pieces (a response or an archive streams them); `render` joins them when a whole file
is wanted. Times are rounded to milliseconds; text is UTF-8, whatever the script or direction.
"""

from .csv_format import write_csv, write_excel_csv
from .document import (
    ExportSegment,
    ExportTranscript,
    ExportWord,
    SegmentRow,
    export_rows,
    export_segments,
    from_result,
    words_from_json,
)
from .json_format import write_json
from .plain_text import write_text
from .registry import (
    DEFAULT_FORMAT,
    FORMATS,
    TranscriptFormat,
    UnknownFormat,
    filename,
    format_by_name,
    format_for_accept,
    format_names,
    render,
)
from .subtitles import write_srt, write_vtt
from .word import write_docx

__all__ = [
    "DEFAULT_FORMAT",
    "FORMATS",
    "ExportSegment",
    "ExportTranscript",
    "ExportWord",
    "SegmentRow",
    "TranscriptFormat",
    "UnknownFormat",
    "export_rows",
    "export_segments",
    "filename",
    "format_by_name",
    "format_for_accept",
    "format_names",
    "from_result",
    "render",
    "words_from_json",
    "write_csv",
    "write_docx",
    "write_excel_csv",
    "write_json",
    "write_srt",
    "write_text",
    "write_vtt",
]
