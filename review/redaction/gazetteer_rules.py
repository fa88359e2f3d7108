"""Names found in the gazetteers: cities (in any script), given names followed by their family names, and family
names on their own in the middle of a sentence."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from . import cues, gazetteers
from .cue_rules import starts_a_cue
from .entity_rules import BIG_CITY, LOCATION, PERSON, Find, Words, blocked, can_start, folded_set, name_run
from .text import word_folds

_SHORT_ACRONYM = 3
# A sentence may open with a city's name ("Lagos is huge") or with an ordinary word that some town bears
# ("Reading helped", "Nice to meet you"): only cities of a million or more are taken there.
_HUGE_CITY = 1_000_000
_PROPER_NOUN_WORDS = 2
_MIN_LONE_NAME = 3
_WHERE = frozenset({"at", "in", "on", "near", "inside", "en", "dans", "à", "em", "no", "na"})
_ARTICLES = frozenset({"the", "a", "an", "this", "that", "el", "la", "los", "las", "un", "una", "le", "les"})


def find_in_gazetteers(words: Words) -> Iterator[Find]:
    index = 0
    while index < len(words):
        found = None
        if not (_cue_before_name(words, index) or starts_a_cue(words, index) or _after_holiday(words, index)):
            found = (
                _place_at(words, index)
                or _person_at(words, index)
                or _proper_noun_at(words, index)
                or _lone_capital_at(words, index)
            )
        if found is None:
            index += 1
            continue
        find, index = found
        yield find


@cache
def _cue_words() -> frozenset[str]:
    return folded_set(cues.RELATIONS) | folded_set(cues.TITLES)


def _cue_before_name(words: Words, index: int) -> bool:
    """ "Tita Marites", "Lola Remy": a kinship word or title before a name is left to the cue rules, which find
    the name; on its own ("Lola said so") it may still be a name or a town."""
    nxt = index + 1
    return (
        words.folded(index) in _cue_words()
        and nxt < len(words)
        and words.joined(nxt)
        and can_start(words, nxt)
        and words.cased(nxt)
    )


@cache
def _holiday_words() -> frozenset[str]:
    return frozenset(words[-1] for words in (word_folds(h) for h in cues.HOLIDAYS))


def _after_holiday(words: Words, index: int) -> bool:
    """ "Christmas Eve", "Valentine's Day", "Mother's Day": the word after a feast, or the feast's own name."""
    before = index - 1
    if before >= 0 and words.joined(index) and words.folded(before) in _holiday_words():
        return True
    nxt = index + 1
    possessive = nxt + 1 < len(words) and words.folded(nxt) == "s" and words.gap(nxt) in {"'", "\u2019"}
    return possessive and words.folded(nxt + 1) in {"day", "eve", "night"}


def _place_at(words: Words, index: int) -> tuple[Find, int] | None:
    if not can_start(words, index):
        return None
    for place, population in gazetteers.places().starting_with(words.folded(index)):
        end = index + len(place)
        if end > len(words) or words.words(index, end) != place:
            continue
        if not all(words.joined(k) and (words.capital(k) or not words.cased(k)) for k in range(index + 1, end)):
            continue
        if end - index == 1 and _doubtful(words, index, population):
            continue
        score = 0.8 if population >= BIG_CITY else 0.65
        return Find(*words.span(index, end), LOCATION, "a city or town in the place list", score), end
    return None


def _doubtful(words: Words, index: int, population: int) -> bool:
    """A one-word town at the start of a sentence is more often an ordinary word ("Reading", "Nice")."""
    if words.cased(index) and words.items[index].text.isupper() and len(words.items[index].text) <= _SHORT_ACRONYM:
        return True
    if not words.sentence_start(index):
        return False
    return population < _HUGE_CITY or words.folded(index) in gazetteers.common_words()


def _person_at(words: Words, index: int) -> tuple[Find, int] | None:
    word = words.folded(index)
    if not can_start(words, index) or (words.cased(index) and words.items[index].text.isupper()):
        return None  # acronyms ("NHS", "CBT") are not names
    if word in gazetteers.given_names():
        if words.sentence_start(index) and word in gazetteers.common_words():
            return None
        if not words.cased(index) and name_run(words, index) == index + 1:
            return None  # without capitals a given name alone is too often a word ("काम", work): family name needed
        end = name_run(words, index)
        return Find(*words.span(index, end), PERSON, "a given name from the name lists", 0.65), end
    if word in gazetteers.family_names() and words.cased(index) and not words.sentence_start(index):
        if word in gazetteers.common_words():
            return None
        end = name_run(words, index)
        return Find(*words.span(index, end), PERSON, "a family name from the name lists", 0.5), end
    return None


def _proper_noun_at(words: Words, index: int) -> tuple[Find, int] | None:
    """Two or more capitalised words in the middle of a sentence that no list knows ("Hodan Warsame") are a name
    of something; most often a person's."""
    if words.sentence_start(index) or not words.cased(index) or not can_start(words, index):
        return None
    if index > 0 and words.folded(index - 1) in _ARTICLES:
        return None  # "the High Street", "the Mental Health Act": people are not named with an article
    end = name_run(words, index)
    capitalised = [k for k in range(index, end) if words.capital(k) and not blocked(words.folded(k))]
    if len(capitalised) < _PROPER_NOUN_WORDS or any(words.items[k].text.isupper() for k in capitalised):
        return None
    reason = "several capitalised words in the middle of a sentence"
    return Find(*words.span(index, end), PERSON, reason, 0.45), end


def _lone_capital_at(words: Words, index: int) -> tuple[Find, int] | None:
    """One capitalised word in the middle of a sentence that is no ordinary word, no acronym and not after an
    article ("I went with Kwabena"): a name no list knows, most often a person's. Products and countries are
    dropped afterwards by the keep list; days, months, languages and faiths are blocked words."""
    if words.sentence_start(index) or not words.cased(index) or not words.capital(index):
        return None
    text = words.items[index].text
    if not can_start(words, index) or text.isupper() or len(text) < _MIN_LONE_NAME:
        return None
    if index > 0 and words.folded(index - 1) in _ARTICLES | _WHERE:
        return None  # "at Starbucks", "in Reading": a place or a business more often than a person
    word = words.folded(index)
    singular = word[:-1] if word.endswith("s") else word  # "Fridays", "Muslims"
    if {word, singular} & gazetteers.common_words() or blocked(singular):
        return None
    return Find(*words.span(index, index + 1), PERSON, "a capitalised word in the middle of a sentence", 0.4), index + 1
