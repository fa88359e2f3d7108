"""Street addresses by heuristics that hold across the languages the platform is used in: a house number next to
a street word ("12 Baker Street", "Calle Mayor 5", "12 rue de la Paix", "Hauptstraße 5"), street words in Arabic
and Hindi, and UK postcodes. Street names must start with a capital letter in Latin script, which keeps "3 kids
down the street" out; reviewers see the confidence and can mark anything missed by hand."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .text import fold
from .types import Kind, Proposal

_CAP = r"[A-ZÀ-ÖØ-Þ][\w'\u2019\-]*"
_NUMBER = r"\d{1,5}[A-Za-z]?"
_EN_SUFFIX = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl|Terrace|Close|"
    r"Crescent|Square|Sq|Gardens|Grove|Hill|Row|Parade|Mews|Walk|Park)\b\.?"
)
# French and Spanish write street words in lower case ("12 rue de la Paix"); "Via" stays capitalised because
# lower-case "via" is an English preposition.
_ROMANCE_PREFIX = (
    r"(?:(?i:calle|c/|avenida|avda\.?|av\.|paseo|plaza|pza\.?|carrer|camino|carretera|rua|travessa|viale|piazza|"
    r"corso|vicolo|rue|avenue|boulevard|chemin|allée|impasse|quai|place)|Via)"
)
_PARTICLE = r"(?:(?:de|del|de la|de los|de las|dos|das|do|da|di|della|du|des|de l'|la|le|les)\s+)?"
_GERMANIC = r"(?:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm|laan|straat|gracht|plein|vej|gatan|gata)"

_ADDRESS_PATTERNS: tuple[tuple[re.Pattern[str], str, float], ...] = (
    (re.compile(rf"\b{_NUMBER},?\s+(?:{_CAP}\s+){{1,3}}{_EN_SUFFIX}"), "looks like a street address", 0.8),
    (
        re.compile(
            rf"\b{_ROMANCE_PREFIX}\s+{_PARTICLE}{_CAP}(?:\s+{_PARTICLE}{_CAP}){{0,3}},?\s+(?:n[º°o]\.?\s*)?"
            rf"{_NUMBER}\b"
        ),
        "looks like a street address",
        0.8,
    ),
    (
        re.compile(rf"\b{_NUMBER},?\s+{_ROMANCE_PREFIX}\s+{_PARTICLE}{_CAP}(?:\s+{_PARTICLE}{_CAP}){{0,3}}"),
        "looks like a street address",
        0.8,
    ),
    (re.compile(rf"\b[A-ZÄÖÜ][\wäöüß\-]*{_GERMANIC}\s+{_NUMBER}\b"), "looks like a street address", 0.8),
    (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b"), "looks like a UK postcode", 0.75),
    (
        re.compile(r"(?:شارع|طريق|حي|عمارة|شقة)\s+[^\s،,.]+(?:\s+[^\s،,.]+)?(?:\s*[،,]?\s*(?:رقم\s*)?\d{1,5})?"),
        "looks like a street address",
        0.65,
    ),
    (
        re.compile(r"(?:मकान|फ्लैट|घर)\s*(?:नं\.?|नंबर|संख्या)\s*\d{1,5}|(?<![^\s,।])[^\s,।]+\s+(?:मार्ग|रोड|गली|नगर|कॉलोनी)"),
        "looks like a street address",
        0.65,
    ),
)


# Every pattern that starts with an open-ended run is anchored to the start of a word by a lookbehind, so a long
# unbroken string costs linear time rather than quadratic.


def find_addresses(segment: int, text: str) -> Iterator[Proposal]:
    for pattern, reason, confidence in _ADDRESS_PATTERNS:
        for match in pattern.finditer(text):
            yield Proposal(
                segment,
                match.start(),
                match.end(),
                match.group(),
                Kind.ADDRESS,
                reason,
                confidence,
                fold(match.group()),
            )
