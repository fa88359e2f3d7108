"""What makes a REFI-QDA project unfit to become a study, found before anything is written.

Every reference must point at something in the file (codes, users, notes, sources), every selection must lie
inside its text, and no text may hold a character the database cannot store. The import is all or nothing, so
each problem is listed (translated, with GUIDs and positions only, never the text itself) and nothing is created.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.utils.translation import gettext as _

from coding.codetree import walk
from exports.refi_project.document import Project, ProjectCoding, ProjectSource

SHOWN = 50  # problems listed at most; a crafted file could have millions


def _coding_problems(
    source: ProjectSource, coding: ProjectCoding, *, codes: set[uuid.UUID], users: set[uuid.UUID], notes: set[uuid.UUID]
) -> Iterable[str]:
    where = {"guid": str(coding.guid).upper(), "source": str(source.guid).upper()}
    if not 0 <= coding.start < coding.end <= len(source.text):
        yield _(
            "The selection %(guid)s runs from %(start)d to %(end)d, outside the %(length)d characters of source "
            "%(source)s."
        ) % {**where, "start": coding.start, "end": coding.end, "length": len(source.text)}
    if coding.code not in codes:
        yield _("The selection %(guid)s in source %(source)s is coded with a code that is not in the codebook.") % where
    if coding.user is not None and coding.user not in users:
        yield _("The selection %(guid)s in source %(source)s names a user who is not in the project.") % where
    if any(note not in notes for note in coding.notes):
        yield _("The selection %(guid)s in source %(source)s refers to a note that is not in the project.") % where


def _source_problems(
    source: ProjectSource, *, codes: set[uuid.UUID], users: set[uuid.UUID], notes: set[uuid.UUID]
) -> Iterable[str]:
    if "\x00" in source.text or "\x00" in source.name:
        yield _("The source %(source)s holds a NUL character, which no text can.") % {
            "source": str(source.guid).upper()
        }
    if any(note not in notes for note in source.notes):
        yield _("The source %(source)s refers to a note that is not in the project.") % {
            "source": str(source.guid).upper()
        }
    for coding in source.codings:
        yield from _coding_problems(source, coding, codes=codes, users=users, notes=notes)


def _duplicates(guids: Iterable[uuid.UUID], what: str) -> Iterable[str]:
    seen: set[uuid.UUID] = set()
    for guid in guids:
        if guid in seen:
            yield _("The GUID %(guid)s is used by more than one %(what)s.") % {"guid": str(guid).upper(), "what": what}
        seen.add(guid)


def project_problems(project: Project, sources: list[ProjectSource]) -> list[str]:
    """Why `project` (with its `sources`, read once) cannot become a study; empty when it can."""
    codes = {node.guid for node in walk(project.codes)}
    users = {user.guid for user in project.users}
    notes = {note.guid for note in project.notes}
    known = {source.guid for source in sources}
    problems = [*_duplicates((s.guid for s in sources), _("source")), *_duplicates(notes_of(project), _("note"))]
    for source in sources:
        problems += _source_problems(source, codes=codes, users=users, notes=notes)
        if len(problems) > SHOWN:
            break
    for case in project.cases:
        if any(guid not in known for guid in case.sources):
            problems.append(
                _("The case %(guid)s refers to a source that is not in the project.") % {"guid": str(case.guid).upper()}
            )
        if "\x00" in case.name or any("\x00" in f"{k}{v}" for k, v in case.values.items()):
            problems.append(_("The case %(guid)s holds a NUL character.") % {"guid": str(case.guid).upper()})
    for note in project.notes:
        if note.user is not None and note.user not in users:
            problems.append(
                _("The note %(guid)s names a user who is not in the project.") % {"guid": str(note.guid).upper()}
            )
        if "\x00" in note.text or "\x00" in note.title:
            problems.append(_("The note %(guid)s holds a NUL character.") % {"guid": str(note.guid).upper()})
    if any(note not in notes for note in project.project_notes):
        problems.append(_("The project refers to a note that is not in it."))
    return problems[:SHOWN]


def notes_of(project: Project) -> list[uuid.UUID]:
    return [note.guid for note in project.notes]
