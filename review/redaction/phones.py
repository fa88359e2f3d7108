"""Phone numbers, found by Google's libphonenumber matcher (the `phonenumbers` port) rather than a home-made regex:
it knows every country's numbering plan, national and international formats, and non-ASCII digits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

from .types import Kind, Proposal

# Regions tried for numbers written without a country code, after the participant's own.
DEFAULT_PHONE_REGIONS = ("GB", "US", "IN", "ES", "DE", "FR", "SA", "AE", "EG", "MX")
_MIN_DIGITS = 7
_MIN_POSSIBLE_DIGITS = 9


def normalise_phone(number: str, region: str = "") -> str:
    """E.164 ("+442079460958"), so that spellings of one number compare equal. A number without a country code is
    read in `region`, else in the first default region where it is valid; failing all, its digits."""
    for candidate in dict.fromkeys([region.upper(), *DEFAULT_PHONE_REGIONS]):
        try:
            parsed = phonenumbers.parse(number, candidate or None)
        except phonenumbers.NumberParseException:
            continue
        if candidate == region.upper() or phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    return "".join(c for c in number if c.isdigit())


def find_phones(segment: int, text: str, regions: Sequence[str]) -> Iterator[Proposal]:
    """Valid numbers for any of `regions`; then merely possible ones (reserved drama ranges, new allocations) for
    the first region, at a lower confidence and only when long enough not to be a year or a dose."""
    if sum(c.isdigit() for c in text) < _MIN_DIGITS:
        return  # the matcher is slow; most segments have no number at all
    seen: set[tuple[int, int]] = set()
    for region in regions:
        if _digits_outside(text, seen) < _MIN_DIGITS:
            break  # every number here is found already; other regions would only re-read them
        for match in PhoneNumberMatcher(text, region, leniency=Leniency.VALID):
            if (match.start, match.end) not in seen:
                seen.add((match.start, match.end))
                yield _proposal(segment, match, "looks like a phone number", 0.9)
    for match in PhoneNumberMatcher(text, regions[0] if regions else "US", leniency=Leniency.POSSIBLE):
        digits = sum(c.isdigit() for c in match.raw_string)
        looks_dialled = match.raw_string[0] in "+0(" or any(c in match.raw_string for c in " -.")
        if (match.start, match.end) not in seen and digits >= _MIN_POSSIBLE_DIGITS and looks_dialled:
            seen.add((match.start, match.end))
            yield _proposal(segment, match, "may be a phone number", 0.6)


def _digits_outside(text: str, spans: set[tuple[int, int]]) -> int:
    covered = {offset for start, end in spans for offset in range(start, end)}
    return sum(1 for offset, char in enumerate(text) if char.isdigit() and offset not in covered)


def _proposal(segment: int, match: phonenumbers.PhoneNumberMatch, reason: str, confidence: float) -> Proposal:
    key = phonenumbers.format_number(match.number, PhoneNumberFormat.E164)
    return Proposal(segment, match.start, match.end, match.raw_string, Kind.PHONE, reason, confidence, key)
