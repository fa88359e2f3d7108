"""DOCX: the transcript researchers print, with a header, speaker names in bold and [hh:mm:ss] timestamps.

python-docx lays the document out once per process, with {{fields}} where a transcript's values go (title, the
header table, the footer, the core properties); each transcript then fills the fields in and writes its segment
paragraphs as WordprocessingML before the page setup. Building and saving the whole package through python-docx
for every transcript took 35 to 45 ms, most of it parsing and recompressing the same 800 kB of style parts,
which a study archive of a thousand transcripts cannot afford.

Right-to-left segments get a right-to-left paragraph (<w:bidi/>) and runs (<w:rtl/>), so Word lays out Arabic or
Urdu from the right, timestamp and speaker first.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Iterator
from xml.sax.saxutils import escape

from docx import Document

from .document import ExportSegment, ExportTranscript
from .plain_text import header_lines
from .timing import is_rtl, timestamp

# XML 1.0 forbids most C0 controls (and lxml refuses them); tab, line feed and carriage return are allowed.
_XML_INVALID = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]")
_TIMESTAMP_PROPERTIES = '<w:color w:val="595959"/><w:sz w:val="18"/>'  # grey, 9 pt
_FIELD = re.compile(rb"\{\{(\w+)\}\}")
_DOCUMENT = "word/document.xml"
_PAGE_SETUP = b"<w:sectPr"  # the body's last child; segment paragraphs go before it


def _xml_safe(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


@functools.cache
def _skeleton(header_rows: int) -> tuple[tuple[str, bytes], ...]:
    """The package's parts as python-docx writes them, with fields; built once per process."""
    document = Document()
    document.core_properties.title = "Transcript: {{title}}"
    document.core_properties.comments = "{{state}}"
    document.add_heading("Transcript: {{title}}", level=1)
    table = document.add_table(rows=0, cols=2)
    for row in range(header_rows):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = f"{{{{label{row}}}}}", f"{{{{value{row}}}}}"
    document.add_paragraph()
    document.sections[0].footer.paragraphs[0].text = "{{footer}}"
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as package:
        return tuple((name, package.read(name)) for name in package.namelist())


def write_docx(transcript: ExportTranscript) -> Iterator[bytes]:
    title = _xml_safe(transcript.title)
    state = "redacted" if transcript.redacted else "RAW, NOT REDACTED"
    fields = {
        "title": title,
        "state": "redacted" if transcript.redacted else "raw, not redacted",
        "footer": f"{title} · version {transcript.version} · {state}",
    }
    rows = header_lines(transcript)[1:]
    for row, line in enumerate(rows):
        fields[f"label{row}"], fields[f"value{row}"] = line.split(": ", 1)
    values = {name.encode(): escape(_xml_safe(value)).encode() for name, value in fields.items()}

    def fill(part: bytes) -> bytes:
        # One pass over the skeleton's text, so a value that looks like a field is never filled in itself.
        return _FIELD.sub(lambda match: values.get(match[1], match[0]), part)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        for name, data in _skeleton(len(rows)):
            if name == _DOCUMENT:
                cut = data.rindex(_PAGE_SETUP)
                with package.open(name, "w") as part:
                    part.write(fill(data[:cut]))
                    part.write("".join(_segment_xml(s) for s in transcript.segments).encode())
                    part.write(data[cut:])
            else:
                package.writestr(name, fill(data) if b"{{" in data else data)
    yield buffer.getvalue()  # a ZIP's directory comes last, so DOCX cannot be written in pieces


def _segment_xml(segment: ExportSegment) -> str:
    rtl = is_rtl(segment.text)
    direction = "<w:rtl/>" if rtl else ""
    stamp = f"[{timestamp(segment.start, with_ms=False)}] "
    return (
        f"<w:p>{'<w:pPr><w:bidi/></w:pPr>' if rtl else ''}"
        f"<w:r><w:rPr>{_TIMESTAMP_PROPERTIES}{direction}</w:rPr>{_text(stamp)}</w:r>"
        f"<w:r><w:rPr><w:b/>{direction}</w:rPr>{_text(segment.speaker + ': ')}</w:r>"
        f"<w:r>{'<w:rPr><w:rtl/></w:rPr>' if rtl else ''}{_text(segment.text)}</w:r></w:p>"
    )


def _text(text: str) -> str:
    """Text elements for one run, with a line break (<w:br/>) wherever the text has one."""
    lines = _xml_safe(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)
