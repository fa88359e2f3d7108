"""DOCX: the transcript researchers print, with a header, speaker names in bold and [hh:mm:ss] timestamps.

Written with python-docx; right-to-left segments get a right-to-left paragraph and runs, so Word lays out
Arabic or Urdu from the right with the timestamp and speaker at the start of the line.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import cast

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from .document import ExportSegment, ExportTranscript
from .plain_text import header_lines
from .timing import is_rtl, timestamp

_TIMESTAMP_GREY = RGBColor(0x59, 0x59, 0x59)
# XML 1.0 forbids most C0 controls (and lxml refuses them); tab, line feed and carriage return are allowed.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


# Elements that follow <w:bidi> in a paragraph's properties (ECMA-376 CT_PPrBase order).
_AFTER_BIDI = (
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


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
    for segment in transcript.segments:
        _add_segment(document.add_paragraph(), segment)
    state = "redacted" if transcript.redacted else "RAW, NOT REDACTED"
    document.sections[0].footer.paragraphs[0].text = f"{title} · version {transcript.version} · {state}"
    buffer = io.BytesIO()
    document.save(buffer)
    yield buffer.getvalue()  # a ZIP's directory comes last, so DOCX cannot be written in pieces


def _add_segment(paragraph: Paragraph, segment: ExportSegment) -> None:
    stamp = paragraph.add_run(f"[{timestamp(segment.start, with_ms=False)}] ")
    stamp.font.color.rgb = _TIMESTAMP_GREY
    stamp.font.size = Pt(9)
    speaker = paragraph.add_run(f"{_xml_safe(segment.speaker)}: ")
    speaker.bold = True
    text = paragraph.add_run(_xml_safe(segment.text))  # python-docx turns "\n" into a line break
    if is_rtl(segment.text):
        # python-docx has no property for a paragraph's direction; insert_element_before keeps schema order.
        properties = paragraph._p.get_or_add_pPr()
        # OxmlElement is annotated as either class; every element from python-docx's parser is a BaseOxmlElement.
        properties.insert_element_before(cast("BaseOxmlElement", OxmlElement("w:bidi")), *_AFTER_BIDI)
        for run in (stamp, speaker, text):
            run.font.rtl = True
