"""A codebook as plain data: the one shape shared by version snapshots, REFI-QDA and CSV import and export.

Readers (`coding.refi`, `coding.csv_io`) turn files into `CodeNode` trees, writers turn trees into files, and the
services turn trees into `Code` rows and back. Nothing here touches the database except `tree_from_study`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from coding.models import Code

_SHORT_COLOUR = re.compile(r"^#([0-9A-Fa-f])([0-9A-Fa-f])([0-9A-Fa-f])$")
_LONG_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


class CodebookError(ValueError):
    """A codebook change that cannot be made; the message is safe to show to the person who asked for it."""


class CodebookFormatError(CodebookError):
    """A codebook file or tree that cannot be read; the message says what and where, for the person importing."""


@dataclass
class CodeNode:
    """One code and its children, in order."""

    name: str
    guid: uuid.UUID = field(default_factory=uuid.uuid4)
    definition: str = ""
    when_to_use: str = ""
    when_not_to_use: str = ""
    example: str = ""
    colour: str = ""
    is_codable: bool = True
    children: list[CodeNode] = field(default_factory=list)

    def walk(self) -> Iterator[CodeNode]:
        """This node and every descendant, depth first, parents before children."""
        yield self
        for child in self.children:
            yield from child.walk()


def walk(nodes: Iterable[CodeNode]) -> Iterator[CodeNode]:
    for node in nodes:
        yield from node.walk()


def normalise_colour(value: str | None) -> str:
    """'#RRGGBB' in capitals, '' for none; expands REFI-QDA's '#RGB'. Raises CodebookFormatError otherwise."""
    value = (value or "").strip()
    if not value:
        return ""
    short = _SHORT_COLOUR.match(value)
    if short:
        value = "#" + "".join(2 * digit for digit in short.groups())
    if not _LONG_COLOUR.match(value):
        raise CodebookFormatError(_("'%(value)s' is not a colour of the form #RRGGBB.") % {"value": value})
    return value.upper()


def parse_guid(value: str | None) -> uuid.UUID:
    """A GUID as REFI-QDA writes it (with or without braces, any case); a fresh one when absent."""
    if value is None or not value.strip():
        return uuid.uuid4()
    try:
        return uuid.UUID(value.strip().strip("{}"))
    except ValueError as error:
        raise CodebookFormatError(_("'%(value)s' is not a GUID.") % {"value": value}) from error


def node_to_data(node: CodeNode) -> dict[str, Any]:
    return {
        "guid": str(node.guid),
        "name": node.name,
        "definition": node.definition,
        "when_to_use": node.when_to_use,
        "when_not_to_use": node.when_not_to_use,
        "example": node.example,
        "colour": node.colour,
        "is_codable": node.is_codable,
        "children": [node_to_data(child) for child in node.children],
    }


def tree_to_data(nodes: Iterable[CodeNode]) -> list[dict[str, Any]]:
    """JSON-ready nested dicts (the CodebookVersion snapshot format)."""
    return [node_to_data(node) for node in nodes]


def tree_from_data(data: Iterable[dict[str, Any]]) -> list[CodeNode]:
    return [
        CodeNode(
            name=item["name"],
            guid=uuid.UUID(item["guid"]),
            definition=item.get("definition", ""),
            when_to_use=item.get("when_to_use", ""),
            when_not_to_use=item.get("when_not_to_use", ""),
            example=item.get("example", ""),
            colour=item.get("colour", ""),
            is_codable=item.get("is_codable", True),
            children=tree_from_data(item.get("children", [])),
        )
        for item in data
    ]


def node_from_code(code: Code) -> CodeNode:
    return CodeNode(
        name=code.name,
        guid=code.guid,
        definition=code.definition,
        when_to_use=code.when_to_use,
        when_not_to_use=code.when_not_to_use,
        example=code.example,
        colour=code.colour,
        is_codable=code.is_codable,
    )


def tree_from_study(study_id: int) -> list[CodeNode]:
    """The study's current codebook as a tree, siblings in their stored order (one query)."""
    nodes: dict[int, CodeNode] = {}
    roots: list[CodeNode] = []
    children_of: dict[int, list[tuple[int, CodeNode]]] = {}
    for code in Code.objects.filter(study_id=study_id).order_by("position", "name", "id"):
        nodes[code.id] = node_from_code(code)
        children_of.setdefault(code.parent_id or 0, []).append((code.id, nodes[code.id]))
    for parent_id, items in children_of.items():
        target = roots if parent_id == 0 else nodes[parent_id].children
        target.extend(node for _, node in items)
    return roots
