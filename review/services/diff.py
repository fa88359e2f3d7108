"""A readable comparison of two versions, segment by segment (difflib), with changed words marked."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from review.services.edits import Row

_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Piece:
    kind: str  # "same", "added" or "removed"
    text: str


@dataclass
class SegmentDiff:
    kind: str  # "changed", "added", "removed" or "unchanged" (a run of unchanged segments, counted)
    old_index: int | None = None
    new_index: int | None = None
    speaker: str = ""
    old_speaker: str = ""
    pieces: list[Piece] = field(default_factory=list)
    count: int = 0


def word_pieces(old: str, new: str) -> list[Piece]:
    """Word-level differences between two texts (whitespace kept, so the pieces read back as the texts)."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(Piece("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", "".join(b[j1:j2])))
    return pieces


def _line(row: Row) -> str:
    return f"{row['speaker']}\x1f{row['text']}\x1f{row['start']:.2f}\x1f{row['end']:.2f}"


def compare_rows(old: list[Row], new: list[Row]) -> list[SegmentDiff]:
    """Changed, added and removed segments in order; runs of unchanged ones collapse to a count."""
    result: list[SegmentDiff] = []
    matcher = difflib.SequenceMatcher(a=[_line(r) for r in old], b=[_line(r) for r in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            result.append(SegmentDiff("unchanged", i1, j1, count=i2 - i1))
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(pairs):
            a, b = old[i1 + k], new[j1 + k]
            diff = SegmentDiff("changed", i1 + k, j1 + k, b["speaker"], a["speaker"], word_pieces(a["text"], b["text"]))
            result.append(diff)
        for i in range(i1 + pairs, i2):
            result.append(SegmentDiff("removed", i, None, old[i]["speaker"], pieces=[Piece("removed", old[i]["text"])]))
        for j in range(j1 + pairs, j2):
            result.append(SegmentDiff("added", None, j, new[j]["speaker"], pieces=[Piece("added", new[j]["text"])]))
    return result
