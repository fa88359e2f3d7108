"""A REFI-QDA project as plain data: what `writer` writes into a .qdpx and `reader` reads back from any tool.

Positions are Unicode code points into the source's plain text, 0-based, `end` exclusive: REFI-QDA 1.5 section 10.2
counts code points from 0, as our `Coding.start`/`end` do, and the tools we checked (QualCoder, ATLAS.ti) write the
end of a selection as the position after its last character.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from coding.codetree import CodeNode

# GUIDs of our rows in a project are derived, so an export of the same study always names them alike and an
# import can find them again: uuid5(NAMESPACE, "<kind>:<primary key>").
NAMESPACE = uuid.UUID("6f0b3a52-9d2e-4c61-8e57-2f4c9b1d7a10")


def guid_for(kind: str, pk: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{kind}:{pk}")


@dataclass(frozen=True)
class ProjectUser:
    guid: uuid.UUID
    name: str


@dataclass(frozen=True)
class ProjectCoding:
    """One PlainTextSelection carrying one Coding."""

    guid: uuid.UUID
    start: int
    end: int
    code: uuid.UUID
    user: uuid.UUID | None = None
    created: datetime | None = None
    consensus: bool = False
    memo: str = ""
    notes: tuple[uuid.UUID, ...] = ()  # NoteRefs of the selection


@dataclass
class ProjectSource:
    """A text source (one transcript version) with its codings and its sync points (code point, milliseconds)."""

    guid: uuid.UUID
    name: str
    text: str
    codings: list[ProjectCoding] = field(default_factory=list)
    sync_points: list[tuple[int, int]] = field(default_factory=list)
    audio_name: str = ""  # a linked, never embedded, recording (see writer)
    notes: list[uuid.UUID] = field(default_factory=list)
    # "text", or "audio"/"video" for a media source's Transcript that no TextSource carries (other tools' layout)
    kind: str = "text"


@dataclass(frozen=True)
class ProjectCase:
    """A participant: pseudonym, demographic variable values, and the sources of their interviews."""

    guid: uuid.UUID
    name: str
    values: dict[str, str]
    sources: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class ProjectNote:
    guid: uuid.UUID
    title: str
    text: str
    user: uuid.UUID | None = None
    created: datetime | None = None
    code: uuid.UUID | None = None


@dataclass
class Project:
    name: str
    users: list[ProjectUser]
    codes: list[CodeNode]
    sources: Iterable[ProjectSource]  # consumed once by the writer, one source at a time
    cases: list[ProjectCase] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    notes: list[ProjectNote] = field(default_factory=list)
    origin: str = "Interview research platform"
    # Parts of the file the reader does not take (PDF and picture sources, media selections, sets, links, graphs,
    # cases' code and selection references): one translated line each, for the import report.
    skipped: list[str] = field(default_factory=list)
    project_notes: list[uuid.UUID] = field(default_factory=list)  # the project's own NoteRefs
