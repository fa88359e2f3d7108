"""Consistent tags across a study, and applying accepted proposals to text.

The registry is the only state: the same (kind, normalised value) always gets the same number within a study,
so "Priya Sharma" is [NAME-3] in every transcript. A database table implements `TagRegistry` in the review app;
`InMemoryTagRegistry` serves tests and the command line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

from .text import fold
from .types import Kind, Proposal, Source


class TagRegistry(Protocol):
    def get_or_assign(self, kind: str, normalised_value: str) -> int:
        """The number of this value within its kind, assigning the next free one the first time it is seen."""
        ...


class InMemoryTagRegistry:
    def __init__(self) -> None:
        self._numbers: dict[tuple[str, str], int] = {}
        self._counts: defaultdict[str, int] = defaultdict(int)

    def get_or_assign(self, kind: str, normalised_value: str) -> int:
        if (kind, normalised_value) not in self._numbers:
            self._counts[kind] += 1
            self._numbers[kind, normalised_value] = self._counts[kind]
        return self._numbers[kind, normalised_value]


class ProposalMismatch(ValueError):
    """An accepted proposal no longer fits the text (edited since, out of range, or overlapping another)."""


@dataclass(frozen=True)
class Replacement:
    segment: int
    start: int  # code-point offsets into the original segment text
    end: int
    original: str
    tag: str


@dataclass(frozen=True)
class RedactedText:
    texts: tuple[str, ...]  # one per input segment, in order
    mapping: dict[str, str]  # tag -> the fullest original spelling seen for it (raw data: owner/researcher only)
    replacements: tuple[Replacement, ...]  # where each tag went, for audio redaction and the review page


def tag_for(proposal: Proposal, registry: TagRegistry) -> str:
    return f"[{proposal.kind}-{registry.get_or_assign(str(proposal.kind), normalise_key(proposal.key))}]"


def normalise_key(value: str) -> str:
    """Case, accents and spacing do not make a different person: "José  García" is "jose garcia"."""
    return fold(value)


def manual_proposal(*, segment: int, text: str, start: int, end: int, kind: Kind) -> Proposal:
    """A span a researcher marked by hand; `text` is the whole segment text, offsets are code points."""
    if not 0 <= start < end <= len(text):
        raise ProposalMismatch("The marked span lies outside the segment text.")
    span = text[start:end]
    return Proposal(segment, start, end, span, kind, "marked by hand", 1.0, normalise_key(span), Source.MANUAL)


def apply_redactions(texts: Sequence[str], accepted: Iterable[Proposal], registry: TagRegistry) -> RedactedText:
    """Replace each accepted span by its tag. Inputs are left untouched; a proposal that does not match the text
    it was made for raises ProposalMismatch rather than redacting the wrong words."""
    by_segment: defaultdict[int, list[Proposal]] = defaultdict(list)
    for proposal in accepted:
        _check_fits(texts, proposal)
        by_segment[proposal.segment].append(proposal)
    redacted = list(texts)
    replacements: list[Replacement] = []
    mapping: dict[str, str] = {}
    for index, proposals in by_segment.items():
        proposals.sort(key=lambda p: p.start)
        for before, after in pairwise(proposals):
            if after.start < before.end:
                raise ProposalMismatch(f"Two accepted replacements overlap in segment {index}.")
        parts, cursor = [], 0
        for proposal in proposals:
            tag = tag_for(proposal, registry)
            parts += [texts[index][cursor : proposal.start], tag]
            cursor = proposal.end
            replacements.append(Replacement(index, proposal.start, proposal.end, proposal.text, tag))
            if len(proposal.text) > len(mapping.get(tag, "")):
                mapping[tag] = proposal.text
        redacted[index] = "".join([*parts, texts[index][cursor:]])
    replacements.sort(key=lambda r: (r.segment, r.start))
    return RedactedText(tuple(redacted), mapping, tuple(replacements))


def _check_fits(texts: Sequence[str], proposal: Proposal) -> None:
    if not 0 <= proposal.segment < len(texts):
        raise ProposalMismatch(f"No segment {proposal.segment} in this transcript.")
    if texts[proposal.segment][proposal.start : proposal.end] != proposal.text or proposal.start >= proposal.end:
        raise ProposalMismatch(f"Segment {proposal.segment} has changed since the proposal was made.")
