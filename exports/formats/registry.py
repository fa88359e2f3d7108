"""Which formats exist, by name and by media type, for the API's `format` parameter and Accept header."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .csv_format import write_csv, write_excel_csv
from .document import ExportTranscript
from .json_format import write_json
from .plain_text import write_text
from .subtitles import write_srt, write_vtt
from .word import write_docx

Writer = Callable[[ExportTranscript], Iterable[bytes]]


@dataclass(frozen=True)
class TranscriptFormat:
    name: str
    media_type: str
    extension: str
    write: Writer
    aliases: tuple[str, ...] = ()
    compressed: bool = False  # the output is compressed already (DOCX is a ZIP): an archive stores it as it is

    @property
    def content_type(self) -> str:
        """The Content-Type header: text types say their charset, binary ones must not."""
        textual = self.media_type.startswith("text/") or self.media_type in {"application/json", "application/x-subrip"}
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type


FORMATS: tuple[TranscriptFormat, ...] = (
    TranscriptFormat("json", "application/json", "json", write_json),
    TranscriptFormat("txt", "text/plain", "txt", write_text, aliases=("text",)),
    TranscriptFormat("srt", "application/x-subrip", "srt", write_srt, aliases=("subrip",)),
    TranscriptFormat("vtt", "text/vtt", "vtt", write_vtt, aliases=("webvtt",)),
    TranscriptFormat(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        write_docx,
        aliases=("word",),
        compressed=True,
    ),
    TranscriptFormat("csv", "text/csv", "csv", write_csv),
    TranscriptFormat("csv-excel", "text/csv", "csv", write_excel_csv, aliases=("excel",)),
)
DEFAULT_FORMAT = "json"
# Other names clients send for the same media types.
_MEDIA_ALIASES = {"text/srt": "application/x-subrip", "application/srt": "application/x-subrip"}


class UnknownFormat(ValueError):
    """No format by that name, or none the Accept header allows. The message lists the choices."""


def format_names() -> list[str]:
    return [fmt.name for fmt in FORMATS]


def format_by_name(name: str) -> TranscriptFormat:
    wanted = name.strip().lower()
    for fmt in FORMATS:
        if wanted == fmt.name or wanted in fmt.aliases:
            return fmt
    raise UnknownFormat(f"Unknown format {name!r}; choose one of: {', '.join(format_names())}.")


def _accepted(header: str) -> Iterator[tuple[float, int, str]]:
    for position, part in enumerate(header.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            match = re.fullmatch(r"q\s*=\s*([0-9.]+)", param)
            if match:
                try:
                    quality = float(match.group(1))
                except ValueError:
                    quality = 0.0
        if media:
            yield quality, position, _MEDIA_ALIASES.get(media.lower(), media.lower())


def format_for_accept(header: str | None) -> TranscriptFormat:
    """The best format the Accept header allows (highest q, then the client's order); JSON for */* or none."""
    if not header or not header.strip():
        return format_by_name(DEFAULT_FORMAT)
    for quality, _, media in sorted(_accepted(header), key=lambda item: (-item[0], item[1])):
        if quality <= 0:
            continue
        if media in {"*/*", "application/*"}:
            return format_by_name(DEFAULT_FORMAT)
        for fmt in FORMATS:
            if media == fmt.media_type or (media == "text/*" and fmt.media_type.startswith("text/")):
                return fmt
    raise UnknownFormat(
        f"None of the accepted media types can be produced; choose one of: {', '.join(format_names())}."
    )


def render(fmt: TranscriptFormat, transcript: ExportTranscript) -> bytes:
    return b"".join(fmt.write(transcript))


def filename(fmt: TranscriptFormat, transcript: ExportTranscript) -> str:
    """An ASCII-safe download name from the pseudonym: "P-017_v3.srt"."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", transcript.title).strip("._") or "transcript"
    return f"{stem[:60]}_v{transcript.version}.{fmt.extension}"
