"""Finding identifiers the platform already knows: the participant's own, and the study's list of people and places.

Matching is by whole words, ignoring case, accents and spacing, so "jose  garcia" finds "José García" and "Ana"
never matches inside "Anabel". Every spelling of one person carries the same key, so all get one tag.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .text import Token, fold, tokens, word_folds
from .types import Kind, ParticipantIdentifiers, Proposal, Source, StudyEntity

# What may stand between two words of one name or address: "Jean-Luc", "O'Brien", "12, Baker Street".
_GAP_CHARS = frozenset(" \t\n-'\u2019.,/#")
_MAX_GAP = 3
# Arabic writes "and", "by", "for", "like" (و ف ب ل ك) joined to the next word: "ومحمد" is "and Muhammad".
_ARABIC_PROCLITICS = frozenset("وفبلك")
_LOWER_CASE_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Needle:
    words: tuple[str, ...]
    kind: Kind
    reason: str
    confidence: float
    key: str
    source: Source
    cased: bool  # the record spells it with a capital letter


class KnownIdentifiers:
    """An index of known spellings by their first folded word, longest spelling tried first."""

    def __init__(self, needles: Iterable[Needle]) -> None:
        self._index: dict[str, list[Needle]] = defaultdict(list)
        seen: set[tuple[str, ...]] = set()
        for needle in needles:
            if needle.words and needle.words not in seen:  # the first registration of a spelling wins
                seen.add(needle.words)
                self._index[needle.words[0]].append(needle)
        for candidates in self._index.values():
            candidates.sort(key=lambda n: -len(n.words))

    def find(self, segment: int, text: str) -> Iterator[Proposal]:
        words = list(tokens(text))
        index = 0
        while index < len(words):
            found = self._match_at(segment, text, words, index)
            if found is None:
                index += 1
            else:
                proposal, length = found
                yield proposal
                index += length

    def _match_at(self, segment: int, text: str, words: list[Token], index: int) -> tuple[Proposal, int] | None:
        first = words[index]
        variants = [(first.folded, 0)]
        if len(first.folded) > 3 and first.folded[0] in _ARABIC_PROCLITICS:
            variants.append((first.folded[1:], _second_letter(first.text)))
        for folded, shift in variants:
            for needle in self._index.get(folded, ()):
                if _continues(text, words, index, needle.words):
                    end = words[index + len(needle.words) - 1].end
                    return _proposal(segment, text, first.start + shift, end, needle), len(needle.words)
        return None


def _second_letter(word: str) -> int:
    """Offset of the second letter, past any vowel marks written on the first."""
    return next((i for i, c in enumerate(word) if i > 0 and not unicodedata.category(c).startswith("M")), len(word))


def _continues(text: str, words: Sequence[Token], index: int, needle: tuple[str, ...]) -> bool:
    if index + len(needle) > len(words):
        return False
    for offset in range(1, len(needle)):
        before, word = words[index + offset - 1], words[index + offset]
        gap = text[before.end : word.start]
        if word.folded != needle[offset] or len(gap) > _MAX_GAP or not set(gap) <= _GAP_CHARS:
            return False
    return True


def _proposal(segment: int, text: str, start: int, end: int, needle: Needle) -> Proposal:
    matched = text[start:end]
    confidence, reason = needle.confidence, needle.reason
    if needle.cased and len(needle.words) == 1 and matched.lower() == matched and matched.upper() != matched:
        # "hope", "will", "rose": a name written in lower case is more likely the ordinary word.
        confidence = min(confidence, _LOWER_CASE_CONFIDENCE)
        reason += " (written in lower case, so it may be an ordinary word)"
    return Proposal(segment, start, end, matched, needle.kind, reason, confidence, needle.key, needle.source)


def _needle(spelling: str, kind: Kind, reason: str, confidence: float, key: str, source: Source) -> Needle:
    cased = spelling.lower() != spelling
    return Needle(word_folds(spelling), kind, reason, confidence, key, source, cased)


def participant_needles(person: ParticipantIdentifiers) -> list[Needle]:
    source = Source.PARTICIPANT
    name_key = fold(person.display_name)
    needles = []
    if person.display_name:
        needles.append(_needle(person.display_name, Kind.NAME, "the participant's own name", 0.95, name_key, source))
    for other in person.other_names:
        needles.append(_needle(other, Kind.NAME, "another name of the participant", 0.9, name_key, source))
    # A record with only a full name still has a given and a family name: its first and last words.
    words = person.display_name.split()
    given = person.given_name or (words[0] if len(words) > 1 else "")
    family = person.family_name or (words[-1] if len(words) > 1 else "")
    if given:
        needles.append(_needle(given, Kind.NAME, "the participant's given name", 0.85, name_key, source))
    if family:
        needles.append(_needle(family, Kind.NAME, "the participant's family name", 0.85, name_key, source))
    for value, kind, reason in (
        (person.address, Kind.ADDRESS, "the participant's address"),
        (person.city, Kind.PLACE, "the participant's city"),
        (person.employer, Kind.ORGANISATION, "the participant's employer"),
    ):
        if value.strip():
            needles.append(_needle(value, kind, reason, 0.85, fold(value), source))
    return needles


_LIST_REASONS = {
    Kind.NAME: "a person on the study's list",
    Kind.PLACE: "a place on the study's list",
    Kind.ORGANISATION: "an organisation on the study's list",
}


def study_needles(entities: Sequence[StudyEntity]) -> list[Needle]:
    """Every listed spelling, then, for people, their first and last name alone where no one else shares it."""
    source = Source.STUDY_LIST
    needles = []
    for entity in entities:
        reason = _LIST_REASONS.get(entity.kind, "on the study's list of identifiers")
        key = fold(entity.name)
        needles.append(_needle(entity.name, entity.kind, reason, 0.9, key, source))
        needles.extend(_needle(alias, entity.kind, reason, 0.85, key, source) for alias in entity.aliases)
    explicit = {needle.words for needle in needles}
    parts = [(entity, part) for entity in entities if entity.kind == Kind.NAME for part in _name_parts(entity.name)]
    shared = Counter(word_folds(part) for _, part in parts)
    for entity, part in parts:
        words = word_folds(part)
        if shared[words] == 1 and words not in explicit:
            reason = f"part of the name of a person on the study's list ({entity.name})"
            needles.append(_needle(part, Kind.NAME, reason, 0.7, fold(entity.name), source))
    return needles


def _name_parts(name: str) -> list[str]:
    parts = name.split()
    if len(parts) < 2:
        return []
    return [part for part in dict.fromkeys((parts[0], parts[-1])) if len(part) > 1]
