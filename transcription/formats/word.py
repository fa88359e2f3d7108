"""DOCX: the transcript researchers print, with a header, speaker names in bold and [hh:mm:ss] timestamps.

The header goes through python-docx's API. Segment paragraphs are written as WordprocessingML directly: the API
handles text one character at a time and took about 0.7 ms a paragraph, which a study archive of a thousand
transcripts cannot afford. Right-to-left segments get a right-to-left paragraph (<w:bidi/>) and runs (<w:rtl/>),
so Word lays out Arabic or Urdu from the right, timestamp and speaker first.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from xml.sax.saxutils import escape

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from .document import ExportSegment, ExportTranscript
from .plain_text import header_lines
from .timing import is_rtl, timestamp

# XML 1.0 forbids most C0 controls (and lxml refuses them); tab, line feed and carriage return are allowed.
_XML_INVALID = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]")
_TIMESTAMP_PROPERTIES = '<w:color w:val="595959"/><w:sz w:val="18"/>'  # grey, 9 pt


def _xml_safe(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


def write_docx(transcript: ExportTranscript) -> Iterator[bytes]:
    document = Document()
    title = _xml_safe(transcript.title)
    document.core_properties.title = f"Transcript: {title}"
    document.core_properties.comments = "redacted" if transcript.redacted else "raw, not redacted"
    document.add_heading(f"Transcript: {title}", level=1)
    table = document.add_table(rows=0, cols=2)
    for line in header_lines(transcript)[1:]:
        label, value = line.split(": ", 1)
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, _xml_safe(value)
    document.add_paragraph()
    section_properties = document.element.body.sectPr
    for segment in transcript.segments:
        # The body's last child holds the page setup; paragraphs go before it.
        section_properties.addprevious(parse_xml(_segment_xml(segment)))
    state = "redacted" if transcript.redacted else "RAW, NOT REDACTED"
    document.sections[0].footer.paragraphs[0].text = f"{title} · version {transcript.version} · {state}"
    buffer = io.BytesIO()
    document.save(buffer)
    yield buffer.getvalue()  # a ZIP's directory comes last, so DOCX cannot be written in pieces


def _segment_xml(segment: ExportSegment) -> str:
    rtl = is_rtl(segment.text)
    direction = "<w:rtl/>" if rtl else ""
    stamp = f"[{timestamp(segment.start, with_ms=False)}] "
    return (
        f"<w:p {nsdecls('w')}>{'<w:pPr><w:bidi/></w:pPr>' if rtl else ''}"
        f"<w:r><w:rPr>{_TIMESTAMP_PROPERTIES}{direction}</w:rPr>{_text(stamp)}</w:r>"
        f"<w:r><w:rPr><w:b/>{direction}</w:rPr>{_text(segment.speaker + ': ')}</w:r>"
        f"<w:r>{'<w:rPr><w:rtl/></w:rPr>' if rtl else ''}{_text(segment.text)}</w:r></w:p>"
    )


def _text(text: str) -> str:
    """Text elements for one run, with a line break (<w:br/>) wherever the text has one."""
    lines = _xml_safe(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)
