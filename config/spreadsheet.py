"""Cells of the CSV files the platform hands out, made safe to open in a spreadsheet.

Shared by every CSV export (transcripts in `exports.formats`, questionnaire answers in `studies`), so it sits in the
bottom layer that both may import.
"""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse_formula(cell: str) -> str:
    """A cell a spreadsheet would run as a formula ("=", "+", "-", "@", tab or carriage return first), made plain
    text by a leading apostrophe."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell
