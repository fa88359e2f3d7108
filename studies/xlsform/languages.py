"""Which study language an XLSForm column is written in: `label::Español (es)` (the code in brackets, as
KoboToolbox and ODK write it), `label::English` (a language's English name), or plain `label` (the form's
`default_language`, else the study's first language). Export writes `label::English (en)`."""

from __future__ import annotations

import re

import pycountry

from studies.iso_names import language_code

CODE_IN_BRACKETS = re.compile(r"\(\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?\s*\)\s*$")


def code_of(written: str) -> str | None:
    """The ISO 639 code a column's language names, or None when it names none we know."""
    written = written.strip()
    match = CODE_IN_BRACKETS.search(written)
    if match:
        return language_code(match.group(1))
    if not written:
        return None
    try:
        found = pycountry.languages.lookup(written)
    except LookupError:
        return None
    return str(getattr(found, "alpha_2", None) or found.alpha_3)


def column_language(code: str) -> str:
    """`en` -> `English (en)`: the language's English name and code, as XLSForm tools expect them."""
    language = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    name = language.name if language is not None else code
    return f"{name} ({code})"
