"""The vocabulary of de-identification: what a proposal is, and what the platform knows about people.

Offsets everywhere in this package are Unicode code-point offsets into one segment's text. That is what Python
`str` indices are, so `segment.text[p.start:p.end] == p.text` always holds; a browser editor that counts UTF-16
code units must convert (an emoji before a match counts 1 here, 2 in JavaScript).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Kind(StrEnum):
    NAME = "NAME"
    PLACE = "PLACE"
    ORGANISATION = "ORGANISATION"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    URL = "URL"
    HANDLE = "HANDLE"
    ADDRESS = "ADDRESS"
    ID_NUMBER = "ID_NUMBER"
    DATE_OF_BIRTH = "DATE_OF_BIRTH"
    OTHER = "OTHER"


class Source(StrEnum):
    """Where a proposal came from; known identifiers outrank patterns and named entities when spans overlap."""

    PARTICIPANT = "participant"
    STUDY_LIST = "study_list"
    PATTERN = "pattern"
    ENTITY = "entity"  # the named-entity finder (review.redaction.entities): a guess, ranked last
    MANUAL = "manual"


class SegmentLike(Protocol):
    """What redaction needs from a segment: transcription.results.Segment and the review models both fit."""

    @property
    def text(self) -> str: ...

    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...

    @property
    def speaker(self) -> str: ...


@dataclass(frozen=True)
class Proposal:
    """One suggested replacement. `key` identifies the thing replaced (a person, an address), normalised, so
    that every mention of it, in any transcript of the study, gets the same tag."""

    segment: int
    start: int  # code-point offset into the segment's text, inclusive
    end: int  # code-point offset, exclusive
    text: str
    kind: Kind
    reason: str
    confidence: float
    key: str
    source: Source = Source.PATTERN


@dataclass(frozen=True)
class ParticipantIdentifiers:
    """What the participant's records say about them. Empty strings and tuples mean "not known"."""

    given_name: str = ""
    family_name: str = ""
    full_name: str = ""  # when empty, given and family name joined
    other_names: tuple[str, ...] = ()  # nicknames, maiden names, the name written in another script
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    city: str = ""
    address: str = ""
    employer: str = ""
    phone_region: str = ""  # ISO 3166 region for numbers written without a country code, e.g. "GB"

    @property
    def display_name(self) -> str:
        return self.full_name.strip() or f"{self.given_name} {self.family_name}".strip()


@dataclass(frozen=True)
class StudyEntity:
    """A person, place or organisation from the study's list of things to remove from every transcript."""

    kind: Kind
    name: str
    aliases: tuple[str, ...] = ()  # other spellings, short forms, the name in another script
