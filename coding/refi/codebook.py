"""REFI-QDA codebooks: write a code tree as a .qdc file and read one made by any QDA tool.

The `<Codes>` element is the same in a .qdc (namespace urn:QDA-XML:codebook:1.0, root `<CodeBook>`) and inside a
.qdpx project's project.qde (urn:QDA-XML:project:1.0, `<Project><CodeBook><Codes>`), so `codes_element` and
`read_codes` take the namespace or element and serve both.

REFI-QDA gives a code one free-text Description. Ours carries four fields, written into it as plain paragraphs
that people can read in NVivo, ATLAS.ti, MAXQDA or QualCoder and that we read back::

    <definition, any number of lines>

    When to use: <text>

    When not to use: <text>

    Example: <text>

A paragraph label counts only at the start of a line; sections that are empty are left out. A description
without labels (as other tools write them) is all definition. The one ambiguity: a definition with a line of
its own starting "Example:" (or another label) is read back as that section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _
from lxml import etree

from coding.codetree import CodebookFormatError, CodeNode, normalise_colour, parse_guid

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"

_LABELS = {"When to use": "when_to_use", "When not to use": "when_not_to_use", "Example": "example"}
_LABEL_LINE = re.compile(r"^(When to use|When not to use|Example):[ \t]*", re.MULTILINE)


def format_description(node: CodeNode) -> str:
    """The four text fields of a code as one REFI-QDA Description (format in the module docstring)."""
    paragraphs = [node.definition.strip()] if node.definition.strip() else []
    for label, attribute in _LABELS.items():
        value = getattr(node, attribute).strip()
        if value:
            paragraphs.append(f"{label}: {value}")
    return "\n\n".join(paragraphs)


def parse_description(text: str) -> dict[str, str]:
    """Split a Description back into definition, when_to_use, when_not_to_use and example."""
    fields = {"definition": "", "when_to_use": "", "when_not_to_use": "", "example": ""}
    pieces = _LABEL_LINE.split(text.replace("\r\n", "\n"))
    fields["definition"] = pieces[0].strip()
    for label, value in zip(pieces[1::2], pieces[2::2], strict=True):
        attribute = _LABELS[label]
        fields[attribute] = "\n\n".join(part for part in (fields[attribute], value.strip()) if part)
    return fields


def _code_element(parent: etree._Element, node: CodeNode, namespace: str) -> None:
    attributes = {
        "guid": str(node.guid).upper(),
        "name": node.name,
        "isCodable": "true" if node.is_codable else "false",
    }
    if node.colour:
        attributes["color"] = node.colour
    element = etree.SubElement(parent, f"{{{namespace}}}Code", attributes)
    description = format_description(node)
    if description:
        etree.SubElement(element, f"{{{namespace}}}Description").text = description
    for child in node.children:
        _code_element(element, child, namespace)


def codes_element(nodes: Iterable[CodeNode], namespace: str) -> etree._Element:
    """A `<Codes>` element in `namespace` holding the tree; reused by the .qdpx project writer."""
    codes = etree.Element(f"{{{namespace}}}Codes", nsmap={None: namespace})
    for node in nodes:
        _code_element(codes, node, namespace)
    if len(codes) == 0:
        raise CodebookFormatError(_("The codebook has no codes to export."))
    return codes


def write_codebook(nodes: Iterable[CodeNode], *, origin: str) -> bytes:
    """A complete .qdc file (UTF-8 XML) that validates against the REFI-QDA codebook schema."""
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", {"origin": origin}, nsmap={None: CODEBOOK_NS})
    root.append(codes_element(nodes, CODEBOOK_NS))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _read_code(element: etree._Element) -> CodeNode:
    description = ""
    children: list[CodeNode] = []
    for child in element:
        if _local(child) == "Description":
            description = child.text or ""
        elif _local(child) == "Code":
            children.append(_read_code(child))
    codable = (element.get("isCodable") or "true").strip().lower() not in {"false", "0"}
    try:
        return CodeNode(
            name=element.get("name") or "",
            guid=parse_guid(element.get("guid")),
            colour=normalise_colour(element.get("color")),
            is_codable=codable,
            children=children,
            **parse_description(description),
        )
    except CodebookFormatError as error:
        message = _("Code '%(name)s' (line %(line)s): %(error)s")
        raise CodebookFormatError(
            message % {"name": element.get("name") or "", "line": element.sourceline, "error": error}
        ) from error


def read_codes(codes: etree._Element) -> list[CodeNode]:
    """The tree under a `<Codes>` element, in any namespace (or none: some tools leave it out)."""
    return [_read_code(child) for child in codes if _local(child) == "Code"]


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML: no entity expansion, no DTD loading, no network, no huge trees."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        # lxml's own reason stays as it comes (English); the sentence around it is translated.
        raise CodebookFormatError(_("The file is not well-formed XML (%(reason)s).") % {"reason": error.msg}) from error


def read_codebook(data: bytes) -> list[CodeNode]:
    """The code tree of a .qdc file, or of a project.qde's CodeBook, from any tool. Sets are ignored."""
    root: etree._Element | None = parse_xml(data)
    if root is not None and _local(root) == "Project":
        root = next((child for child in root if _local(child) == "CodeBook"), None)
        if root is None:
            raise CodebookFormatError(_("The project has no codebook."))
    if root is None or _local(root) != "CodeBook":
        raise CodebookFormatError(_("This is not a REFI-QDA codebook: its root element is not CodeBook."))
    codes = next((child for child in root if _local(child) == "Codes"), None)
    nodes = read_codes(codes) if codes is not None else []
    if not nodes:
        raise CodebookFormatError(_("The codebook holds no codes."))
    return nodes
