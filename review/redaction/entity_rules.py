"""Rules that find people, places and organisations in one segment's text without a statistical model: the words
around a name ("my sister …", "worked at …", "… Clinic") and the gazetteers (given names, cities).

Works on word tokens from `text.tokens`, so offsets are code points and Devanagari or Arabic words stay whole. In
scripts with capital letters a name must be capitalised; in scripts without them (Devanagari, Arabic) only the
cues and the gazetteers can say what a name is, so a cue takes one word (two when the second is a family name).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from . import cues, gazetteers
from .text import Token, fold, tokens, word_folds

PERSON, LOCATION, ORGANIZATION, FACILITY = "PERSON", "LOCATION", "ORGANIZATION", "FACILITY"
_NAME_GAP = frozenset(" -'\u2019")  # what stands between two words of one name
_CUE_GAP = frozenset(" ,:-")  # what stands between a cue and the name: "my sister, Amina"
_SENTENCE_END = frozenset('.!?¿¡:;"“”…')
MAX_RUN = 5
BIG_CITY = 100_000
# Lower-case head words that still make "the Serenity clinic" a facility; others must be capitalised
# ("Lagos Media", never "WhatsApp group").
LOWER_CASE_HEADS = frozenset(
    word_folds(
        "clinic hospital university school college bank centre center institute pharmacy church mosque temple "
        "academy foundation surgery"
    )
)


@dataclass(frozen=True)
class Find:
    start: int
    end: int
    label: str
    reason: str
    score: float


@dataclass(frozen=True)
class Words:
    """One segment's words and the questions the rules ask about them."""

    text: str
    items: Sequence[Token]

    def __len__(self) -> int:
        return len(self.items)

    def folded(self, index: int) -> str:
        return self.items[index].folded

    def gap(self, index: int) -> str:
        before = self.items[index - 1].end if index > 0 else 0
        return self.text[before : self.items[index].start]

    def joined(self, index: int, allowed: frozenset[str] = _NAME_GAP) -> bool:
        gap = self.gap(index)
        return 0 < len(gap) <= 3 and set(gap) <= allowed

    def cased(self, index: int) -> bool:
        first = self.items[index].text[0]
        return first.lower() != first.upper()

    def capital(self, index: int) -> bool:
        return self.items[index].text[0].isupper()

    def sentence_start(self, index: int) -> bool:
        return index == 0 or bool(set(self.gap(index)) & _SENTENCE_END)

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.items[start].start, self.items[end - 1].end

    def words(self, start: int, end: int) -> tuple[str, ...]:
        return tuple(token.folded for token in self.items[start:end])


def words_of(text: str) -> Words:
    return Words(text, list(tokens(text)))


@cache
def folded_set(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(fold(value) for value in values)


def blocked(word: str) -> bool:
    """Words that never begin a name: function words and the capitalised words that name no one."""
    return word in folded_set(cues.NOT_NAMES) or word in gazetteers.stop_words()


def can_start(words: Words, index: int) -> bool:
    if blocked(words.folded(index)) or words.items[index].text.isdigit():
        return False
    return words.capital(index) or not words.cased(index)


def name_run(words: Words, index: int) -> int:
    """The end (exclusive) of the name starting at `index`; `index` itself when no name starts there."""
    if index >= len(words) or not can_start(words, index):
        return index
    end = index + 1
    if not words.cased(index):
        if end < len(words) and words.joined(end) and words.folded(end) in gazetteers.family_names():
            end += 1
        return end
    while end < len(words) and end - index < MAX_RUN and words.joined(end):
        if words.capital(end) and not blocked(words.folded(end)):
            end += 1
        elif _bridges(words, end):
            end += 2
        else:
            break
    return end


def _bridges(words: Words, index: int) -> bool:
    """A particle or a possessive "s" between two capitalised words: "Bank of America", "St Mary's Hospital"."""
    word = words.folded(index)
    is_link = word in folded_set(cues.NAME_PARTICLES) or (word == "s" and words.gap(index) in {"'", "\u2019"})
    nxt = index + 1
    return is_link and nxt < len(words) and words.joined(nxt) and words.capital(nxt) and not blocked(words.folded(nxt))


def heads(end_words: tuple[str, ...]) -> str | None:
    """FACILITY or ORGANIZATION when a name's first or last word says what kind of place it is."""
    after, before = folded_set(cues.ORGANISATION_HEADS_AFTER), folded_set(cues.ORGANISATION_HEADS_BEFORE)
    if end_words[-1] in after or end_words[0] in before:
        return FACILITY if (end_words[-1] in LOWER_CASE_HEADS or end_words[0] in _facility_words()) else ORGANIZATION
    return None


@cache
def _facility_words() -> frozenset[str]:
    return LOWER_CASE_HEADS | folded_set(("clínica", "hospital", "colegio", "escuela", "universidad", "farmacia"))


def classify(words: Words, start: int, end: int, default: str) -> str:
    """What a name after a cue is: its head word decides first, then the gazetteers, then the cue."""
    found = words.words(start, end)
    kind = heads(found)
    if kind is not None:
        return kind
    if gazetteers.places().population(found) is not None:
        return LOCATION
    if default != ORGANIZATION and found[0] in gazetteers.given_names():
        return PERSON
    return default
