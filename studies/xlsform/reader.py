"""Reading an uploaded XLSForm (.xlsx) into plain rows of text, refusing what could harm the server or mislead.

The file is untrusted. Before openpyxl opens it, the ZIP directory is read and checked: a file that is no ZIP, a
Word document renamed .xlsx, too many members or too much unpacked data (a ZIP bomb) is refused from the directory
alone. openpyxl then reads it in read-only mode (streamed, defusedxml against entity expansion), at most
`MAX_COLUMNS` columns wide, and stops early: no sheet is read past `MAX_ROWS` rows with content, nor the survey
past `MAX_QUESTIONS` questions. A cell holding a formula is refused: its value would be whatever the spreadsheet
last computed, which the form's author never sees.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from xml.etree.ElementTree import ParseError

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from studies.xlsform.problems import ImportRefused, Problem

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 1_000
MAX_ROWS = 10_000
MAX_QUESTIONS = 500
MAX_COLUMNS = 200
MAX_CELL_CHARS = 5_000
MAX_PROBLEMS = 200
SHEETS = ("survey", "choices", "settings")
# Rows that open or close a group: not questions (MAX_QUESTIONS counts the others).
GROUP_MARKERS = frozenset(
    {"begin_group", "begin group", "end_group", "end group", "begin_repeat", "begin repeat", "end_repeat", "end repeat"}
)
# pyxform's other names for the columns this importer reads (pyxform.aliases.survey_header).
COLUMN_ALIASES = {
    "relevance": "relevant",
    "caption": "label",
    "constraining_message": "constraint_message",
    "calculate": "calculation",
    "readonly": "read_only",
    "value": "name",
}
# What openpyxl raises on a damaged or hostile workbook: defusedxml's refusals are ValueErrors, lxml's parse errors
# SyntaxErrors.
UNREADABLE = (OSError, KeyError, ValueError, TypeError, IndexError, AttributeError, EOFError, ParseError, SyntaxError)


@dataclass(frozen=True)
class Row:
    """One row with content: its number in the sheet (the header is row 1) and its non-empty cells by column."""

    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass
class Sheet:
    name: str
    columns: list[str]
    rows: list[Row]


@dataclass
class Workbook:
    """The sheets an XLSForm uses, by their lower-case name; `notes` say what was left aside (other sheets)."""

    sheets: dict[str, Sheet]
    notes: list[Problem] = field(default_factory=list)


def column_name(header: str) -> str:
    """`Label::Español (es)` -> `label::Español (es)`: the column's own name in lower case (aliases resolved), what
    follows `::` (a language) as written."""
    base, separator, rest = header.strip().partition("::")
    base = base.strip().lower()
    base = COLUMN_ALIASES.get(base, base)
    return f"{base}::{rest.strip()}" if separator else base


def read_xlsform(data: bytes) -> Workbook:
    """The survey, choices and settings sheets as text rows, or ImportRefused listing every problem found."""
    _check_container(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (*UNREADABLE, zipfile.BadZipFile, InvalidFileException):
        raise ImportRefused([Problem(_("This file cannot be read as an Excel workbook (.xlsx)."))]) from None
    try:
        return _read_sheets(book)
    except UNREADABLE:
        raise ImportRefused([Problem(_("This file cannot be read as an Excel workbook (.xlsx)."))]) from None
    finally:
        book.close()


def _check_container(data: bytes) -> None:
    if not data:
        raise ImportRefused([Problem(_("The file is empty."))])
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefused([Problem(_("The file is larger than 5 MB: a questionnaire is much smaller."))])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ImportRefused(
            [Problem(_("This is not an Excel workbook (.xlsx): save the form as .xlsx and try again."))]
        ) from None
    names = {member.filename for member in members}
    if len(members) > MAX_MEMBERS or sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise ImportRefused([Problem(_("This file unpacks to far more data than a questionnaire holds."))])
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise ImportRefused([Problem(_("This is a Word document, not an Excel workbook (.xlsx)."))])
        raise ImportRefused(
            [Problem(_("This is not an Excel workbook (.xlsx): save the form as .xlsx and try again."))]
        )


def _read_sheets(book: Any) -> Workbook:
    by_name = {str(name).strip().lower(): name for name in book.sheetnames}
    notes = [
        Problem(_("This sheet is not part of an XLSForm: it was not read."), sheet=str(name))
        for key, name in by_name.items()
        if key not in SHEETS
    ]
    if "survey" not in by_name:
        found = ", ".join(f"“{name}”" for name in book.sheetnames) or "-"
        raise ImportRefused(
            [Problem(_("An XLSForm needs a sheet named “survey”; this file has: %(sheets)s.") % {"sheets": found})]
        )
    problems: list[Problem] = []
    sheets = {}
    for key in SHEETS:
        if key in by_name:
            sheets[key] = _read_sheet(book[by_name[key]], key, problems)
    if problems:
        raise ImportRefused(problems[:MAX_PROBLEMS])
    return Workbook(sheets=sheets, notes=notes)


def _read_sheet(worksheet: Any, name: str, problems: list[Problem]) -> Sheet:
    rows = worksheet.iter_rows(max_col=MAX_COLUMNS)
    header_cells = next(rows, ())
    columns = [column_name(_text(cell.value)) for cell in header_cells]
    sheet = Sheet(name=name, columns=columns, rows=[])
    if not any(columns):
        problems.append(Problem(_("The first row must name the columns (type, name, label…)."), 1, sheet=name))
        return sheet
    questions = 0
    for number, cells in enumerate(rows, start=2):
        row = _read_row(number, cells, columns, name, problems)
        if row is None:
            continue
        sheet.rows.append(row)
        if len(sheet.rows) > MAX_ROWS:
            problems.append(Problem(_("More than 10,000 rows: this is not a questionnaire."), number, sheet=name))
            break
        if name == "survey" and row.get("type").strip().lower() not in GROUP_MARKERS:
            questions += 1
            if questions > MAX_QUESTIONS:
                message = _("More than 500 questions: split the form into several questionnaires.")
                problems.append(Problem(message, number, sheet=name))
                break
        if len(problems) >= MAX_PROBLEMS:
            break
    return sheet


def _read_row(number: int, cells: Any, columns: list[str], sheet: str, problems: list[Problem]) -> Row | None:
    found: dict[str, str] = {}
    for index, cell in enumerate(cells):
        if cell.value is None:
            continue
        column = columns[index] if index < len(columns) and columns[index] else _letter(index)
        if getattr(cell, "data_type", None) == "f":
            message = _("This cell holds a formula: write its value instead.")
            problems.append(Problem(message, number, column, sheet))
            continue
        text = _text(cell.value)
        if len(text) > MAX_CELL_CHARS:
            problems.append(Problem(_("This cell is longer than 5,000 characters."), number, column, sheet))
            continue
        if text:
            found[column] = text
    return Row(number, found) if found else None


def _letter(index: int) -> str:
    return get_column_letter(index + 1)


def _text(value: Any) -> str:
    """A cell's value as the text the form's author sees (1.0 -> "1", a date -> "2024-05-31")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def iter_columns(sheet: Sheet, base: str) -> Iterator[tuple[str, str]]:
    """The sheet's columns named `base` or `base::<language>`: (column, language or "")."""
    for column in sheet.columns:
        name, separator, language = column.partition("::")
        if name == base:
            yield column, language if separator else ""
