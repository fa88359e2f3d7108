"""The DOCX read back by python-docx, and the registry the API picks formats from."""

from __future__ import annotations

import io
from dataclasses import replace

import docx
import pytest
from docx.document import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from exports.formats import (
    FORMATS,
    UnknownFormat,
    filename,
    format_by_name,
    format_for_accept,
    render,
    write_docx,
)

from .formats_sample import SAMPLE, SEGMENTS


def _read_docx() -> Document:
    return docx.Document(io.BytesIO(b"".join(write_docx(SAMPLE))))


def _segment_paragraphs(document: Document) -> list[Paragraph]:
    return [p for p in document.paragraphs if p.text.startswith("[")]


def test_the_docx_has_a_header_with_title_version_and_engine() -> None:
    document = _read_docx()
    header = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}

    assert document.paragraphs[0].text == "Transcript: P-017 / Entrevista"
    assert document.paragraphs[0].style is not None
    assert document.paragraphs[0].style.name == "Heading 1"
    assert header["Version"] == "3 (redacted)"
    assert header["Transcribed by"] == "faster-whisper 1.2.1, model base"
    assert document.core_properties.title == "Transcript: P-017 / Entrevista"


def test_the_docx_has_one_paragraph_per_segment_with_timestamp_bold_speaker_and_text() -> None:
    paragraphs = _segment_paragraphs(_read_docx())

    assert [[run.text for run in p.runs] for p in paragraphs] == [
        [f"[{_clock(s.start)}] ", f"{s.speaker}: ", s.text] for s in SEGMENTS
    ]
    assert all(p.runs[1].bold and not p.runs[2].bold for p in paragraphs)


def _clock(seconds: float) -> str:
    whole = int(seconds + 0.0005)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def test_the_docx_lays_out_arabic_right_to_left_and_latin_left_to_right() -> None:
    paragraphs = _segment_paragraphs(_read_docx())
    arabic, english = paragraphs[5], paragraphs[0]

    assert arabic._p.pPr is not None
    assert arabic._p.pPr.find(qn("w:bidi")) is not None
    assert all(run.font.rtl for run in arabic.runs)
    assert english._p.pPr is None or english._p.pPr.find(qn("w:bidi")) is None


def test_every_format_renders_the_sample() -> None:
    for fmt in FORMATS:
        assert len(render(fmt, SAMPLE)) > 100, fmt.name


@pytest.mark.parametrize(
    ("accept", "name"),
    [
        (None, "json"),
        ("*/*", "json"),
        ("text/vtt", "vtt"),
        ("application/x-subrip", "srt"),
        ("text/srt", "srt"),
        ("text/csv;q=0.5, application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
        ("application/xml;q=1, text/plain;q=0.9", "txt"),
        ("text/html, text/*;q=0.2", "txt"),
    ],
)
def test_the_accept_header_picks_the_best_format(accept: str | None, name: str) -> None:
    assert format_for_accept(accept).name == name


def test_an_unproducible_accept_header_or_unknown_name_is_a_clear_error() -> None:
    with pytest.raises(UnknownFormat, match="choose one of: json, txt, srt, vtt, docx, csv"):
        format_for_accept("image/png, text/vtt;q=0")
    with pytest.raises(UnknownFormat, match="Unknown format 'pdf'"):
        format_by_name("pdf")


def test_names_aliases_content_types_and_file_names() -> None:
    assert format_by_name("WebVTT").name == "vtt"
    assert format_by_name("word").content_type.startswith("application/vnd.openxmlformats")
    assert format_by_name("srt").content_type == "application/x-subrip; charset=utf-8"
    assert format_by_name("csv").content_type == "text/csv; charset=utf-8"
    assert filename(format_by_name("srt"), SAMPLE) == "P-017_Entrevista_v3.srt"


def test_control_characters_that_xml_forbids_do_not_break_the_docx() -> None:
    odd = replace(SAMPLE, segments=(replace(SEGMENTS[0], text="vertical\x0btab and NUL\x00"),))

    (paragraph,) = _segment_paragraphs(docx.Document(io.BytesIO(render(format_by_name("docx"), odd))))

    assert paragraph.runs[2].text == "vertical\ufffdtab and NUL\ufffd"


def test_each_docx_carries_only_its_own_transcript_even_when_a_title_looks_like_markup_or_a_field() -> None:
    # The package is laid out once per process with {{fields}}; nothing may leak from one transcript to the next,
    # and a value that looks like a field or like XML is printed as it is.
    odd = replace(SAMPLE, title="P-9 {{footer}} <b>&amp;", version=7, redacted=False, segments=SEGMENTS[:1])
    first, second = (docx.Document(io.BytesIO(render(format_by_name("docx"), t))) for t in (SAMPLE, odd))

    assert second.paragraphs[0].text == "Transcript: P-9 {{footer}} <b>&amp;"
    assert second.core_properties.title == "Transcript: P-9 {{footer}} <b>&amp;"
    assert second.core_properties.comments == "raw, not redacted"
    assert second.sections[0].footer.paragraphs[0].text == "P-9 {{footer}} <b>&amp; · version 7 · RAW, NOT REDACTED"
    assert {row.cells[0].text: row.cells[1].text for row in second.tables[0].rows}["Version"] == "7 (RAW, NOT REDACTED)"
    assert len(_segment_paragraphs(second)) == 1
    assert first.sections[0].footer.paragraphs[0].text == "P-017 / Entrevista · version 3 · redacted"
    assert len(_segment_paragraphs(first)) == len(SEGMENTS)
