"""The codebook as CSV (UTF-8, one code per row), for spreadsheets, R and Python.

Columns: guid, parent, name, definition, when_to_use, when_not_to_use, example, colour, is_codable.
`parent` is the path of the parent code from the top, names joined by "/" (empty for a top-level code); a "/" or
"\\" inside a name is written "\\/" or "\\\\". Rows come parents first, siblings in codebook order.

Reading is lenient: a byte-order mark is skipped, only `name` is required, a missing guid gets a fresh one, rows
may come in any order, and a parent path naming codes no row defines creates those codes. A cell that would
start a spreadsheet formula (=, +, -, @, tab, carriage return) is written with a leading apostrophe, which reading
removes again, so a file opened in Excel runs nothing and still round-trips.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import fields

from django.utils.translation import gettext as _

from coding.codetree import CodebookFormatError, CodeNode, normalise_colour, parse_guid

COLUMNS = ["guid", "parent", "name", "definition", "when_to_use", "when_not_to_use", "example", "colour", "is_codable"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def _protect(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _unprotect(value: str) -> str:
    return value[1:] if len(value) > 1 and value[0] == "'" and value[1] in "".join(_FORMULA_START) else value


def escape_segment(name: str) -> str:
    return name.replace("\\", "\\\\").replace("/", "\\/")


def split_path(path: str) -> list[str]:
    """'a/b\\/c' -> ['a', 'b/c']; the inverse of joining escaped segments with '/'."""
    segments: list[str] = []
    current: list[str] = []
    chars = iter(path)
    for char in chars:
        if char == "\\":
            current.append(next(chars, "\\"))
        elif char == "/":
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
    segments.append("".join(current))
    return [segment.strip() for segment in segments if segment.strip()]


def _rows(nodes: Iterable[CodeNode], parent_path: str) -> Iterable[list[str]]:
    for node in nodes:
        yield [
            str(node.guid),
            parent_path,
            node.name,
            node.definition,
            node.when_to_use,
            node.when_not_to_use,
            node.example,
            node.colour,
            "true" if node.is_codable else "false",
        ]
        child_path = f"{parent_path}/{escape_segment(node.name)}" if parent_path else escape_segment(node.name)
        yield from _rows(node.children, child_path)


def write_codebook_csv(nodes: Iterable[CodeNode]) -> str:
    """The tree as CSV text; encode it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in _rows(nodes, ""):
        writer.writerow([_protect(cell) for cell in row])
    return buffer.getvalue()


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CodebookFormatError(_("The CSV file is not UTF-8 text; save it as 'CSV UTF-8' and try again.")) from error


def _node_from_row(row: dict[str, str], line: int) -> tuple[tuple[str, ...], CodeNode]:
    """The row's parent path and its code."""
    cell = {key.strip().lower(): _unprotect((value or "").strip()) for key, value in row.items() if key}
    if not cell.get("name"):
        raise CodebookFormatError(_("Row %(line)d has no name.") % {"line": line})
    try:
        return tuple(split_path(cell.get("parent", ""))), CodeNode(
            name=cell["name"],
            guid=parse_guid(cell.get("guid")),
            definition=cell.get("definition", ""),
            when_to_use=cell.get("when_to_use", ""),
            when_not_to_use=cell.get("when_not_to_use", ""),
            example=cell.get("example", ""),
            colour=normalise_colour(cell.get("colour", "") or cell.get("color", "")),
            is_codable=cell.get("is_codable", "true").lower() not in {"false", "0", "no"},
        )
    except CodebookFormatError as error:
        raise CodebookFormatError(_("Row %(line)d: %(error)s") % {"line": line, "error": error}) from error


def read_codebook_csv(data: bytes | str) -> list[CodeNode]:
    """The code tree of a CSV file in the format above."""
    reader = csv.DictReader(io.StringIO(_decode(data), newline=""))
    if not reader.fieldnames or "name" not in [name.strip().lower() for name in reader.fieldnames]:
        raise CodebookFormatError(_("The CSV file needs a header row with at least a 'name' column."))
    roots: list[CodeNode] = []
    by_path: dict[tuple[str, ...], CodeNode] = {}

    def place(path: tuple[str, ...], node: CodeNode | None) -> CodeNode:
        """Put `node` at `path`, or make an empty code there when no row has defined one yet."""
        existing = by_path.get(path)
        if existing is not None:
            if node is not None:  # a row for a code an earlier row's path had to create: fill it in
                for name in (f.name for f in fields(CodeNode) if f.name != "children"):
                    setattr(existing, name, getattr(node, name))
            return existing
        created = node or CodeNode(name=path[-1])
        by_path[path] = created
        (place(path[:-1], None).children if len(path) > 1 else roots).append(created)
        return created

    for line, row in enumerate(reader, start=2):
        parent, node = _node_from_row(row, line)
        place((*parent, node.name), node)
    if not roots:
        raise CodebookFormatError(_("The CSV file holds no codes."))
    return roots
