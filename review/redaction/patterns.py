"""Pattern-based personal data: email addresses (also read out: "ana at example dot com"), web addresses,
social handles, ID-like numbers and dates of birth. Phone numbers and street addresses have their own modules.

Every detector takes one segment's text and yields proposals with code-point offsets (Python `str` indices).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .text import fold
from .types import Kind, Proposal

# "_" is already in \w; listing it again as a separator would make matching "a_a_a_..." exponential.
_LOCAL = r"[\w+\-]+(?:\.[\w+\-]+)*"
_LABEL = r"[\w\-]+"
_EMAIL = re.compile(rf"(?<![\w.+\-@]){_LOCAL}@{_LABEL}(?:\.{_LABEL})*\.[^\W\d_]{{2,24}}(?![\w@])")

_SPOKEN_AT = r"(?:\s*[(\[]\s*(?:at|arroba)\s*[)\]]\s*|\s+(?:at|arroba)\s+|\s*@\s*)"
_SPOKEN_DOT = r"(?:\s*[(\[]\s*(?:dot|punto|point)\s*[)\]]\s*|\s+(?:dot|punto|point)\s+|\.)"
_TLDS = r"com|org|net|edu|gov|info|io|co|uk|us|de|fr|es|it|nl|in|ie|ae|sa|eg|br|mx|ar|pt|ca|au|me|ac"
_SPOKEN_EMAIL = re.compile(
    rf"(?<![\w.+\-@'\u2019])[\w+\-]+(?:{_SPOKEN_DOT}[\w+\-]+)*{_SPOKEN_AT}{_LABEL}(?:{_SPOKEN_DOT}{_LABEL})*"
    rf"{_SPOKEN_DOT}(?:{_TLDS})(?![\w@])",
    re.IGNORECASE,
)
_SPOKEN_PART = re.compile(r"\s*[(\[]\s*(at|arroba|dot|punto|point)\s*[)\]]\s*|\s+(at|arroba|dot|punto|point)\s+", re.I)
# Words that end up before " at " in ordinary speech ("I was looking at nhs dot uk"): never an email's local part.
# fmt: off
_NOT_A_LOCAL_PART = frozenset({
    "i", "me", "you", "we", "us", "they", "them", "he", "him", "she", "her", "it", "its", "is", "was", "were",
    "are", "am", "be", "been", "look", "looked", "looking", "looks", "stay", "stayed", "live", "lived", "work",
    "worked", "working", "go", "went", "arrived", "there", "here", "that", "this", "people", "someone",
})
# fmt: on


def find_emails(segment: int, text: str) -> Iterator[Proposal]:
    for match in _EMAIL.finditer(text):
        value = match.group().lower()
        yield Proposal(
            segment, match.start(), match.end(), match.group(), Kind.EMAIL, "looks like an email address", 0.95, value
        )
    for match in _SPOKEN_EMAIL.finditer(text):
        if not _SPOKEN_PART.search(match.group()):
            continue  # a written address, found above
        value = _SPOKEN_PART.sub(_spoken_symbol, match.group()).lower()
        if value.split("@", 1)[0].split(".")[-1] in _NOT_A_LOCAL_PART:
            continue
        yield Proposal(
            segment,
            match.start(),
            match.end(),
            match.group(),
            Kind.EMAIL,
            "sounds like an email address read out",
            0.75,
            value,
        )


def _spoken_symbol(match: re.Match[str]) -> str:
    word = (match.group(1) or match.group(2)).lower()
    return "@" if word in {"at", "arroba"} else "."


_URL = re.compile(r"(?<![\w@.])(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_BARE_DOMAIN = re.compile(
    rf"(?<![\w@.\-])[a-z0-9][\w\-]*(?:\.[\w\-]+)*\.(?:{_TLDS})(?:/[^\s<>\"']*)?(?![\w@])", re.IGNORECASE
)
_TRAILING_PUNCTUATION = ".,;:!?)]}\"'"


def find_urls(segment: int, text: str) -> Iterator[Proposal]:
    for pattern, confidence in ((_URL, 0.85), (_BARE_DOMAIN, 0.6)):
        for match in pattern.finditer(text):
            start, end = match.start(), match.end()
            while end > start and text[end - 1] in _TRAILING_PUNCTUATION:
                end -= 1
            value = text[start:end]
            if text[:start].endswith("@") or not re.search(r"[^\W\d_]", value):
                continue
            yield Proposal(
                segment, start, end, value, Kind.URL, "looks like a web address", confidence, value.lower().rstrip("/")
            )


_HANDLE = re.compile(r"(?<![\w@.])@[\w](?:[\w.]{0,28}[\w])?(?![\w@])")
_NAMED_HANDLE = re.compile(
    r"\b(?:instagram|insta|twitter|tiktok|snapchat|snap|telegram|discord|reddit|username|user\s+name|handle)"
    r"(?:\s+(?:is|was|name\s+is))?\s*:?\s+@?([\w.]{3,30})",
    re.IGNORECASE,
)


def find_handles(segment: int, text: str) -> Iterator[Proposal]:
    for match in _HANDLE.finditer(text):
        yield Proposal(
            segment,
            match.start(),
            match.end(),
            match.group(),
            Kind.HANDLE,
            "looks like a social media handle",
            0.8,
            match.group().lower(),
        )
    for match in _NAMED_HANDLE.finditer(text):
        handle = match.group(1).rstrip(".")
        if not re.search(r"[\d_.]", handle):
            continue  # "my instagram is private"
        start = match.start(1)
        yield Proposal(
            segment,
            start,
            start + len(handle),
            handle,
            Kind.HANDLE,
            "a user name mentioned with a social network",
            0.7,
            "@" + handle.lower(),
        )


_ID_PATTERNS: tuple[tuple[re.Pattern[str], str, float], ...] = (
    (re.compile(r"(?<![\w\-])\d{3}-\d{2}-\d{4}(?![\w\-])"), "looks like a US social security number", 0.85),
    (
        re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"),
        "looks like a UK National Insurance number",
        0.85,
    ),
    (re.compile(r"\b[XYZ]?\d{7,8}-?[A-HJ-NP-TV-Z]\b"), "looks like a Spanish DNI/NIE number", 0.8),
    (re.compile(r"\b[A-Z]{5}\d{4}[A-Z]\b"), "looks like an Indian PAN number", 0.8),
    (re.compile(r"\b[A-Z]{1,2}\d{6,9}\b"), "looks like a passport or document number", 0.7),
    (re.compile(r"(?<![\w.,])\d{8,}(?![\w.,]\d|\w)"), "a long run of digits, like an ID number", 0.6),
    (re.compile(r"(?<![\w.,\-])\d{2,6}(?:[ \-]\d{2,6}){2,}(?![\w\-])"), "a long grouped number, like an ID", 0.55),
)
_ID_CUE = re.compile(
    r"\b(?:NHS|patient|hospital|ID|identity|passport|licen[cs]e|social\s+security|national\s+insurance|"
    r"student|employee|account|DNI|NIE|Aadhaar|PAN)\s+(?:card\s+)?(?:number|no\.?|num|#)?\s*(?:is|was|:)?\s*"
    r"((?-i:[A-Z]{0,3}\d[\d \-]{3,22}\d[A-Z]?|[A-Z]{1,3}\d{4,12}[A-Z]?))(?!\w)",
    re.IGNORECASE,
)
_MIN_GROUPED_DIGITS = 9


def find_id_numbers(segment: int, text: str) -> Iterator[Proposal]:
    for pattern, reason, confidence in _ID_PATTERNS:
        for match in pattern.finditer(text):
            value = re.sub(r"[ \-]", "", match.group())
            if confidence < 0.6 and sum(c.isdigit() for c in value) < _MIN_GROUPED_DIGITS:
                continue  # "2019-2020 22" is a range of years, not an ID
            yield Proposal(
                segment, match.start(), match.end(), match.group(), Kind.ID_NUMBER, reason, confidence, value.upper()
            )
    for match in _ID_CUE.finditer(text):
        value = re.sub(r"[ \-]", "", match.group(1))
        if sum(c.isdigit() for c in value) >= 4:
            yield Proposal(
                segment,
                match.start(1),
                match.end(1),
                match.group(1),
                Kind.ID_NUMBER,
                "a number given as an ID",
                0.92,
                value.upper(),
            )


_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|"
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|"
    "januar|februar|märz|juni|juli|oktober|dezember"
)
_FULL_DATE = (
    r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th|er|º)?\.?\s+(?:of\s+|de\s+)?(?:{_MONTHS})\.?,?\s+(?:de\s+|del\s+)?\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
)
_MONTH_YEAR = rf"(?:{_MONTHS})\.?,?\s+(?:of\s+|de\s+)?\d{{4}}"
_DOB_CUE = (
    r"(?:\bborn(?:\s+on|\s+in)?|\bbirthday(?:\s+is)?|\bdate\s+of\s+birth(?:\s+is)?|\bd\.?o\.?b\b\.?|"
    r"\bnac(?:í|i|ido|ida)\s+(?:el|en)|\bfecha\s+de\s+nacimiento(?:\s+es)?|\bnée?\s+le|\bgeboren\s+am|"
    r"जन्म\s*तिथि|जन्मतिथि|जन्म|تاريخ\s+الميلاد|ولدت\s+في|مواليد)"
)
_DOB = re.compile(
    rf"{_DOB_CUE}\s*[:\-]?\s*(?:(?:is|was|es|:)\s+)?(?:the\s+|el\s+)?(?:({_FULL_DATE})|({_MONTH_YEAR}))(?!\w)",
    re.IGNORECASE,
)


def find_dates_of_birth(segment: int, text: str) -> Iterator[Proposal]:
    for match in _DOB.finditer(text):
        group = 1 if match.group(1) else 2
        reason = "a date of birth" if group == 1 else "a month and year of birth"
        confidence = 0.9 if group == 1 else 0.7
        yield Proposal(
            segment,
            match.start(group),
            match.end(group),
            match.group(group),
            Kind.DATE_OF_BIRTH,
            reason,
            confidence,
            fold(match.group(group)),
        )
