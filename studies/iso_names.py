"""Names of languages (ISO 639) and countries (ISO 3166) in the page's language, from pycountry's own catalogs.

A study may be offered in any language pycountry knows, not only the ones the platform's pages are translated
into; its codes are stored in their shortest form (ISO 639-1 where one exists, else ISO 639-3).
"""

from __future__ import annotations

import gettext
from functools import cache

import pycountry
from django.utils import translation
from django.utils.translation import get_language

# Languages written right to left: a text box for one of them gets dir="rtl".
RTL_LANGUAGES = frozenset(
    [
        "ar",
        "arc",
        "azb",
        "ckb",
        "dv",
        "fa",
        "he",
        "ks",
        "lrc",
        "mzn",
        "nqo",
        "pnb",
        "prs",
        "ps",
        "sd",
        "syr",
        "ug",
        "ur",
        "yi",
    ]
)


def language_code(text: str) -> str | None:
    """The stored form of an ISO 639-1 or 639-3 code (`eng` -> `en`, `haw` stays), or None when unknown."""
    text = text.strip().lower()
    if len(text) == 2:
        language = pycountry.languages.get(alpha_2=text)
    elif len(text) == 3:
        language = pycountry.languages.get(alpha_3=text)
    else:
        return None
    if language is None:
        return None
    return str(getattr(language, "alpha_2", None) or language.alpha_3)


def language_name(code: str) -> str:
    """The language's name in the active page language (English when pycountry has no translation)."""
    language = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    if language is None:
        return code
    return _catalog("iso639-3", get_language() or "en").gettext(language.name)


def country_name(code: str) -> str:
    """The country's name in the active page language, or the code itself when unknown."""
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return code
    return _catalog("iso3166-1", get_language() or "en").gettext(country.name)


def is_rtl(code: str) -> bool:
    return code in RTL_LANGUAGES


@cache
def _catalog(domain: str, language: str) -> gettext.NullTranslations:
    base = language.split("-")[0]
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language, base], fallback=True)


def own_name(code: str) -> str:
    """The language's name in itself where Django knows it (Español), else its name in the page's language."""
    try:
        return str(translation.get_language_info(code)["name_local"])
    except KeyError:
        return language_name(code)
