"""Validation against the REFI-QDA XML schemas shipped in coding/refi/schemas/ (no network needed).

`Codebook.xsd` is the codebook schema of REFI-QDA 1.5 section 5.2; `Project.xsd` is Project-mrt2019.xsd, the
project (.qde) schema, for the .qdpx export to use.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from lxml import etree

from coding.refi.codebook import parse_xml

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
_FILES = {"codebook": "Codebook.xsd", "project": "Project.xsd"}


@cache
def schema(kind: Literal["codebook", "project"]) -> etree.XMLSchema:
    """The compiled schema, loaded once per process."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / _FILES[kind])))


def validation_errors(data: bytes, kind: Literal["codebook", "project"]) -> list[str]:
    """Every schema violation in the document, as 'line N: message'; empty when valid."""
    checker = schema(kind)
    if checker.validate(parse_xml(data)):
        return []
    return [f"line {error.line}: {error.message}" for error in checker.error_log]
