"""The small checks a set-up file is made of: each one reports a problem at a path and never raises.

A path names where in the document the problem is, the way a reader finds it in the file: section and keys joined
by dots, list positions in brackets counting from 0 (`screening.questions[3].choices[0].value`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from studies import iso_names

# PostgreSQL's integer columns: anything larger is refused by the database, so it is refused here first.
INT_MAX = 2**31 - 1
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
# Unicode surrogates cannot be stored as UTF-8; a YAML "\ud800" escape makes one.
SURROGATE = re.compile("[\ud800-\udfff]")


class Problems:
    """Every problem found, in the order found, as "path: message"."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}" if path else message)


def at(path: str, key: str | int) -> str:
    """The path of a key or a list position under `path`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def mapping(
    problems: Problems, path: str, value: Any, *, required: Iterable[str] = (), optional: Iterable[str] = ()
) -> dict[str, Any] | None:
    """`value` when it is a mapping with every required key and no key outside required and optional."""
    if not isinstance(value, dict):
        problems.add(path, _("Expected a mapping of names to values (name: value), found %(kind)s.") % _kind(value))
        return None
    required, allowed = list(required), {*required, *optional}
    for key in value:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            problems.add(at(path, str(key)), _("Unknown name. Names allowed here: %(known)s.") % {"known": known})
    for key in required:
        if key not in value:
            problems.add(at(path, key), _("Missing: this is required."))
    return value


def sequence(problems: Problems, path: str, value: Any, *, non_empty: bool = False) -> list[Any] | None:
    if not isinstance(value, list):
        problems.add(path, _("Expected a list (one “- ” line per entry), found %(kind)s.") % _kind(value))
        return None
    if non_empty and not value:
        problems.add(path, _("The list is empty: give at least one entry."))
    return value


def text(problems: Problems, path: str, value: Any, *, max_length: int | None = None, blank: bool = False) -> bool:
    """A string (not empty unless `blank`), at most `max_length` characters."""
    if not isinstance(value, str):
        problems.add(path, _("Expected a text, found %(kind)s.") % _kind(value) + _hint(value))
        return False
    if not blank and not value.strip():
        problems.add(path, _("The text is empty."))
        return False
    if max_length is not None and len(value) > max_length:
        problems.add(path, _("The text is longer than %(max)d characters.") % {"max": max_length})
        return False
    return True


def integer(problems: Problems, path: str, value: Any, *, low: int = 0, high: int = INT_MAX) -> bool:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(path, _("Expected a whole number, found %(kind)s.") % _kind(value))
        return False
    if not low <= value <= high:
        problems.add(path, _("Expected a number from %(low)d to %(high)d.") % {"low": low, "high": high})
        return False
    return True


def boolean(problems: Problems, path: str, value: Any) -> bool:
    if not isinstance(value, bool):
        problems.add(path, _("Expected true or false, found %(kind)s.") % _kind(value))
        return False
    return True


def slug(problems: Problems, path: str, value: Any, *, max_length: int = 60) -> bool:
    if not text(problems, path, value, max_length=max_length):
        return False
    if not SLUG.match(value):
        problems.add(path, _("Use only letters, digits, hyphens and underscores (no spaces)."))
        return False
    return True


def email(problems: Problems, path: str, value: Any, *, blank: bool = True) -> bool:
    if not text(problems, path, value, max_length=254, blank=blank):
        return False
    if value:
        try:
            validate_email(value)
        except ValidationError:
            problems.add(path, _("This is not an e-mail address."))
            return False
    return True


def url(problems: Problems, path: str, value: Any) -> bool:
    if not text(problems, path, value, max_length=200, blank=True):
        return False
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            problems.add(path, _("This is not a web address (https://…)."))
            return False
    return True


def language_code(problems: Problems, path: str, value: Any) -> bool:
    """An ISO 639 code in the form the platform stores (ISO 639-1 where there is one, else ISO 639-3)."""
    if not text(problems, path, value, max_length=12):
        return False
    stored = iso_names.language_code(value)
    if stored is None:
        problems.add(path, _("“%(value)s” is not an ISO 639 language code (such as en, es, hi).") % {"value": value})
        return False
    if stored != value:
        problems.add(path, _("Write this language as “%(code)s”.") % {"code": stored})
        return False
    return True


def country_code(problems: Problems, path: str, value: Any) -> bool:
    """An ISO 3166 alpha-2 code in capitals, or empty (everywhere)."""
    if not text(problems, path, value, max_length=2, blank=True):
        return False
    if value and (value != value.upper() or pycountry.countries.get(alpha_2=value) is None):
        problems.add(path, _("“%(value)s” is not an ISO 3166 country code (such as GB, IN, MX).") % {"value": value})
        return False
    return True


def per_language(
    problems: Problems,
    path: str,
    value: Any,
    languages: list[str],
    *,
    max_length: int | None = None,
    first_required: bool = True,
) -> dict[str, str] | None:
    """Texts by study language ({en: …, es: …}): no language the study does not have; the first one present."""
    if not isinstance(value, dict):
        problems.add(path, _("Expected texts by language (en: …), found %(kind)s.") % _kind(value))
        return None
    for language, item in value.items():
        if language not in languages:
            problems.add(
                at(path, str(language)),
                _("Not a language of the study (%(languages)s).") % {"languages": ", ".join(languages)},
            )
        else:
            text(problems, at(path, language), item, max_length=max_length)
    if first_required and languages and not (isinstance(value.get(languages[0]), str) and value[languages[0]].strip()):
        problems.add(at(path, languages[0]), _("Missing: write it at least in the study's first language."))
    return value


def unique(problems: Problems, path: str, values: list[tuple[str, Any]], what: str) -> None:
    """Report each repeated value (path of the repeat, the value) after its first use."""
    seen: set[str] = set()
    for where, value in values:
        shown = str(value)
        if shown in seen:
            problems.add(where, _("“%(value)s” is used twice: each %(what)s must be unique.") % {
                "value": shown, "what": what})  # fmt: skip
        seen.add(shown)


def unstorable_text(problems: Problems, path: str, value: Any) -> None:
    """NUL characters and lone surrogates anywhere (keys too): the database cannot store them."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or SURROGATE.search(item):
                problems.add(where, _("The text holds a character that cannot be stored (NUL or a lone surrogate)."))
        elif isinstance(item, dict):
            stack.extend((at(where, str(key)), key) for key in item if isinstance(key, str))
            stack.extend((at(where, str(key)), child) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((at(where, index), child) for index, child in enumerate(item))


def _kind(value: Any) -> dict[str, str]:
    if value is None:
        kind = _("nothing")
    elif isinstance(value, bool):
        kind = _("true or false")
    elif isinstance(value, int | float):
        kind = _("a number")
    elif isinstance(value, str):
        kind = _("a text")
    elif isinstance(value, list):
        kind = _("a list")
    elif isinstance(value, dict):
        kind = _("a mapping")
    else:
        kind = _("a value of another kind (%(name)s)") % {"name": type(value).__name__}
    return {"kind": kind}


def _hint(value: Any) -> str:
    # YAML 1.1 reads an unquoted yes, no, on or off as true or false, and 1 or 2.5 as numbers.
    if isinstance(value, bool):
        return " " + _('Put quotes around yes, no, on and off ("yes") to keep them as text.')
    if isinstance(value, int | float):
        return " " + _('Put quotes around a number ("1") to keep it as text.')
    return ""
