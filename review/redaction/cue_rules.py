"""Names found by the words around them: "my name is …", "my sister …", "Dr …", "worked at …", "in …", and
organisations and facilities by their head word ("… Clinic", "University of …", "Clínica …", "… अस्पताल")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import cache

from . import cues, gazetteers
from .entity_rules import (
    FACILITY,
    LOCATION,
    LOWER_CASE_HEADS,
    MAX_RUN,
    ORGANIZATION,
    PERSON,
    Find,
    Words,
    blocked,
    can_start,
    classify,
    folded_set,
    heads,
    name_run,
)
from .text import word_folds

_CUE_GAP = frozenset(" ,:-")
_TITLE_GAP = frozenset(" .")
_WITHIN_CUE = frozenset(" -'\u2019")
_GROUPS = (
    ("intro", cues.PERSON_INTRODUCTIONS),
    ("self", cues.SELF_INTRODUCTIONS),
    ("relation", cues.RELATIONS),
    ("title", cues.TITLES),
    ("organisation", cues.ORGANISATION_CUES),
    ("place", cues.PLACE_CUES),
)
_REASONS = {
    "intro": "a name after words that introduce a person",
    "self": "a given name after words that introduce a person",
    "relation": "a name after a word for a relative, a friend or a professional",
    "title": "a name after a title",
    "organisation": "a name after words about where someone works or studies",
    "place": "a name after words about where someone lives or goes",
}
_HEAD_REASONS = {
    FACILITY: "the name of a clinic, hospital, school or other facility",
    ORGANIZATION: "the name of an organisation",
    LOCATION: "a city or town in the place list",
    PERSON: "a given name from the name lists",
}


@cache
def _cue_index() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    index: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
    for group, phrases in _GROUPS:
        for phrase in phrases:
            words = word_folds(phrase)
            if words:
                index[words[0]].append((words, group))
    return dict(index)


def _cues_at(words: Words, index: int) -> Iterator[tuple[int, str]]:
    """(index of the word after the cue, group) for every cue that starts at `index`."""
    for phrase, group in _cue_index().get(words.folded(index), ()):
        end = index + len(phrase)
        if end > len(words) or words.words(index, end) != phrase:
            continue
        if all(words.joined(k, _WITHIN_CUE) for k in range(index + 1, end)):
            yield end, group


def starts_a_cue(words: Words, index: int) -> bool:
    """ "Jina langu ni …", "Me llamo …": the first word of a cue of several words is no name itself."""
    return any(after > index + 1 for after, _group in _cues_at(words, index))


def find_after_cues(words: Words) -> Iterator[Find]:
    for index in range(len(words)):
        for after, group in _cues_at(words, index):
            if after < len(words):
                found = _name_after(words, after, group, words.capital(index))
                if found is not None:
                    yield found


def _name_after(words: Words, start: int, group: str, cue_capitalised: bool) -> Find | None:
    gap = _TITLE_GAP | _CUE_GAP if group == "title" else _CUE_GAP
    if not words.joined(start, gap) or not can_start(words, start):
        return None
    if group == "title" and words.cased(start) and not cue_capitalised:
        return None  # "the doctor Monday": a title is written with a capital ("Dr", "Mrs")
    if group == "relation" and words.folded(start) in folded_set(cues.TITLES):
        return None  # "my therapist Dr Ruiz": the title rule finds Ruiz
    end = name_run(words, start)
    if end == start or _numbered(words, end):
        return None  # "in Year 10", "with Claude 3.5": a numbered thing, not a name
    label, score = _label(words, start, end, group)
    if label is None:
        return None
    return Find(*words.span(start, end), label, _REASONS[group], score)


def _numbered(words: Words, end: int) -> bool:
    return end < len(words) and words.joined(end, _CUE_GAP) and words.items[end].text[0].isdigit()


def _label(words: Words, start: int, end: int, group: str) -> tuple[str | None, float]:
    if group in {"intro", "title"}:
        return PERSON, 0.85
    if group == "self":
        return (PERSON, 0.8) if _introduces_self(words, start, end) else (None, 0.0)
    if group == "relation":
        return classify(words, start, end, PERSON), 0.75
    if group == "organisation":
        return classify(words, start, end, ORGANIZATION), 0.75
    label = classify(words, start, end, LOCATION)
    known = label != LOCATION or gazetteers.places().population(words.words(start, end)) is not None
    return label, 0.75 if known else 0.6


_DEMONYM_ENDINGS = ("an", "ese", "ish", "i", "ic", "ch")
_CLAUSE_END = frozenset(",.;!?")


def _introduces_self(words: Words, start: int, end: int) -> bool:
    """ "I'm Layla": a known given name; "I'm Siosaia, …": an unknown word closing the clause, unless it sounds
    like a nationality ("I'm Tongan, …") or is an ordinary word."""
    word = words.folded(start)
    if word in gazetteers.given_names():
        return True
    closes = end >= len(words) or bool(set(words.gap(end)) & _CLAUSE_END)
    ordinary = word in gazetteers.common_words() or word.endswith(_DEMONYM_ENDINGS)
    return end == start + 1 and closes and not ordinary


def find_in_apposition(words: Words) -> Iterator[Find]:
    """A name in apposition ("Adébáyọ̀, that's my cousin"): a name, a comma, and "my <relative>"."""
    for index in range(len(words) - 2):
        end = name_run(words, index)
        if end == index or end >= len(words) or "," not in words.gap(end):
            continue
        for opener in _openers():
            after = end + len(opener)
            relation = after < len(words) and words.folded(after) in folded_set(cues.RELATIONS)
            if relation and words.words(end, after) == opener:
                reason = "a name followed by a word for a relative or a friend"
                yield Find(*words.span(index, end), PERSON, reason, 0.7)
                break


@cache
def _openers() -> tuple[tuple[str, ...], ...]:
    return tuple(sorted({word_folds(opener) for opener in cues.APPOSITION_OPENERS}, key=len, reverse=True))


def find_before_honorifics(words: Words) -> Iterator[Find]:
    """ "रेखा दीदी", "Sharma ji": a word before an honorific said after names."""
    for index in range(1, len(words)):
        before = index - 1
        if words.folded(index) in folded_set(cues.AFTER_NAME) and words.joined(index) and can_start(words, before):
            yield Find(*words.span(before, index), PERSON, "a name before an honorific", 0.7)


def find_around_heads(words: Words) -> Iterator[Find]:
    after, before = folded_set(cues.ORGANISATION_HEADS_AFTER), folded_set(cues.ORGANISATION_HEADS_BEFORE)
    for index in range(len(words)):
        word = words.folded(index)
        strong = words.capital(index) or word in LOWER_CASE_HEADS or not words.cased(index)
        if word in after and strong:
            start = _walk_back(words, index)
            if start < index:
                yield _head_find(words, start, index + 1)
        if word in before:
            end = _name_after_head(words, index)
            if end > index + 1:
                yield _head_find(words, index, end)


def _head_find(words: Words, start: int, end: int) -> Find:
    label = heads(words.words(start, end)) or ORGANIZATION
    return Find(*words.span(start, end), label, _HEAD_REASONS[label], 0.75)


def _walk_back(words: Words, head: int) -> int:
    """The first word of the name before a head word: capitalised words with particles between them, or one word
    in scripts without capitals."""
    start = head
    while start > 0 and head - start < MAX_RUN and words.joined(start):
        before = start - 1
        if not words.cased(before):
            if blocked(words.folded(before)) or head - start >= 1:
                break  # one word: "अपोलो अस्पताल"; the word before it may be a person ("अनीता अपोलो अस्पताल")
            start = before
        elif words.capital(before) and not blocked(words.folded(before)):
            start = before
        elif before > 0 and _is_link(words, before) and words.capital(before - 1) and words.joined(before):
            start = before - 1
        else:
            break
    while start < head and words.sentence_start(start) and words.folded(start) in gazetteers.common_words():
        start += 1  # "Yesterday Lagos University Hospital": a sentence's first word is not part of the name
    return start


def _is_link(words: Words, index: int) -> bool:
    word = words.folded(index)
    return word in folded_set(cues.NAME_PARTICLES) or (word == "s" and words.gap(index) in {"'", "\u2019"})


def _name_after_head(words: Words, head: int) -> int:
    """The end of "University of Lagos", "Universidad de los Andes", "Clínica San Rafael"; `head + 1` if none."""
    index, skipped = head + 1, 0
    while index < len(words) and skipped < 2 and words.folded(index) in folded_set(cues.NAME_PARTICLES):
        index, skipped = index + 1, skipped + 1
    if index >= len(words) or not all(words.joined(k) for k in range(head + 1, index + 1)):
        return head + 1
    if not words.cased(index) or not can_start(words, index):
        return head + 1
    return name_run(words, index)
