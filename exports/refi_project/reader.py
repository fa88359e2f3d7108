"""Read a .qdpx made by any REFI-QDA tool into a `Project`: codebook, users, text sources with their codings,
cases with variable values, and notes. Everything else (pictures, PDFs, sets, graphs, links) is left out.

The file is untrusted: the ZIP is read member by member with size limits and no paths taken from it are ever
written to disk; the XML is parsed without entities, DTDs or network (coding.refi's parser).
"""

from __future__ import annotations

import uuid
import zipfile
import zlib
from datetime import datetime
from typing import IO

from django.utils.translation import gettext as _
from lxml import etree

from coding.codetree import CodebookFormatError, parse_guid
from coding.refi import read_codebook
from coding.refi.codebook import parse_xml
from exports.refi_project.document import (
    Project,
    ProjectCase,
    ProjectCoding,
    ProjectNote,
    ProjectSource,
    ProjectUser,
)

MAX_MEMBER = 64 * 1024 * 1024  # no single project.qde or text source larger than this
MAX_TOTAL = 256 * 1024 * 1024  # nor all of them together, unpacked
# REFI-QDA 1.5 §8.1 keeps text sources in "sources/"; earlier exports (this platform's included) wrote "Sources/".
SOURCE_FOLDERS = ("sources", "Sources")


class ProjectFormatError(ValueError):
    """The file is not a readable REFI-QDA project; the message says why, for the person importing it, in the
    active language (no library's own English text: it would not help them)."""


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element | None, name: str) -> list[etree._Element]:
    return [] if element is None else [child for child in element if _local(child) == name]


def _child(element: etree._Element | None, name: str) -> etree._Element | None:
    found = _children(element, name)
    return found[0] if found else None


class _Members:
    """The archive's members, each unpacked once however often the project refers to it, within one budget of
    uncompressed bytes for the whole file: a small upload that refers to one packed member many times cannot
    make the import unpack gigabytes."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._archive = archive
        self._names = set(archive.namelist())
        self._read: dict[str, bytes] = {}
        for name in self._names:
            _check_path(name)

    def source(self, name: str) -> bytes:
        """The text source `name` (an internal:// path without its scheme), in either spelling of its folder."""
        _check_path(name)
        found = next((f"{f}/{name}" for f in SOURCE_FOLDERS if f"{f}/{name}" in self._names), None)
        return self.read(found or f"{SOURCE_FOLDERS[0]}/{name}")

    def read(self, name: str) -> bytes:
        if name in self._read:
            return self._read[name]
        try:
            info = self._archive.getinfo(name)
        except KeyError as error:
            raise ProjectFormatError(
                _("The project refers to %(name)s, which is not in the file.") % {"name": name}
            ) from error
        if info.file_size > MAX_MEMBER:
            raise ProjectFormatError(
                _("%(name)s is larger than %(size)d MiB.") % {"name": name, "size": MAX_MEMBER // 2**20}
            )
        if sum(map(len, self._read.values())) + info.file_size > MAX_TOTAL:
            raise ProjectFormatError(
                _("The project unpacks to more than %(size)d MiB, more than this platform imports at once.")
                % {"size": MAX_TOTAL // 2**20}
            )
        # zipfile stops at the declared size and checks the CRC, so a member cannot unpack to more than it says:
        # one that would is refused as damaged.
        try:
            self._read[name] = self._archive.read(info)
        except zipfile.BadZipFile as error:
            raise ProjectFormatError(
                _("%(name)s is damaged: it does not unpack to what the file declares.") % {"name": name}
            ) from error
        return self._read[name]


def _check_path(name: str) -> None:
    """Refuse names that climb out of the archive or name another place (`../`, absolute, drive, backslash):
    nothing is ever written to disk from a project, but such a name only comes from a crafted file."""
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or ".." in parts or ":" in parts[0] or "\x00" in name:
        raise ProjectFormatError(
            _("The file names a member “%(name)s” outside the project; it is refused.") % {"name": name[:200]}
        )


def _time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _optional_guid(value: str | None) -> uuid.UUID | None:
    return parse_guid(value) if value else None


def _text_of(members: _Members, element: etree._Element) -> str:
    content = _child(element, "PlainTextContent")
    if content is not None:
        return content.text or ""
    path = element.get("plainTextPath") or ""
    if not path.startswith("internal://"):
        raise ProjectFormatError(
            _("The source “%(name)s” has no text inside the project.") % {"name": element.get("name") or ""}
        )
    return members.source(path.removeprefix("internal://")).decode("utf-8-sig")


def _selection_codings(selection: etree._Element, start: int, end: int) -> list[ProjectCoding]:
    description = _child(selection, "Description")
    notes = tuple(parse_guid(n.get("targetGUID")) for n in _children(selection, "NoteRef"))
    found: list[ProjectCoding] = []
    for coding in _children(selection, "Coding"):
        code = _child(coding, "CodeRef")
        if code is None:
            continue
        found.append(
            ProjectCoding(
                guid=parse_guid(selection.get("guid")),
                start=start,
                end=end,
                code=parse_guid(code.get("targetGUID")),
                user=_optional_guid(coding.get("creatingUser") or selection.get("creatingUser")),
                created=_time(coding.get("creationDateTime") or selection.get("creationDateTime")),
                consensus=selection.get("name") == "consensus",
                memo=(description.text or "") if description is not None else "",
                notes=notes if len(found) == 0 else (),  # a selection's notes go with its first coding only
            )
        )
    return found


def _codings(element: etree._Element) -> list[ProjectCoding]:
    found = []
    for selection in _children(element, "PlainTextSelection"):
        start, end = int(selection.get("startPosition") or 0), int(selection.get("endPosition") or 0)
        found += _selection_codings(selection, start, end)
    return found


def _transcript_codings(transcript: etree._Element) -> list[ProjectCoding]:
    """TranscriptSelections run from one SyncPoint's text position to another's."""
    positions = {parse_guid(p.get("guid")): int(p.get("position") or 0) for p in _children(transcript, "SyncPoint")}
    found = []
    for selection in _children(transcript, "TranscriptSelection"):
        ends = [positions.get(parse_guid(selection.get(side) or "")) for side in ("fromSyncPoint", "toSyncPoint")]
        if ends[0] is None or ends[1] is None:
            raise ProjectFormatError(
                _("A transcript selection refers to a sync point the transcript does not have (%(guid)s).")
                % {"guid": selection.get("guid") or ""}
            )
        found += _selection_codings(selection, ends[0], ends[1])
    return found


def _skip(project_skipped: list[str], root: etree._Element) -> None:
    sources = _child(root, "Sources")
    for kind in ("PDFSource", "PictureSource"):
        if count := len(_children(sources, kind)):
            project_skipped.append(
                _("%(count)d %(kind)s source(s): only text and transcripts are imported.")
                % {"count": count, "kind": kind}
            )
    media = [*_children(sources, "AudioSource"), *_children(sources, "VideoSource")]
    if count := sum(len(_children(m, "AudioSelection")) + len(_children(m, "VideoSelection")) for m in media):
        project_skipped.append(
            _("%(count)d audio or video selection(s): codings on media time spans are not imported.") % {"count": count}
        )
    cases = _children(_child(root, "Cases"), "Case")
    if count := sum(len(_children(c, "CodeRef")) + len(_children(c, "SelectionRef")) for c in cases):
        project_skipped.append(
            _("%(count)d code or selection reference(s) of cases: cases are linked to whole sources here.")
            % {"count": count}
        )
    if count := sum(len(_children(e, "Coding")) for e in [*_children(sources, "TextSource"), *media]):
        project_skipped.append(
            _("%(count)d coding(s) of whole sources: codings here are on spans of text.") % {"count": count}
        )
    for kind in ("Sets", "Links", "Graphs"):
        if count := len(_children(_child(root, kind), kind.removesuffix("s"))):
            project_skipped.append(
                _("%(count)d item(s) of %(kind)s: this platform has no place for them.")
                % {"count": count, "kind": kind}
            )


def _media_sources(members: _Members, root: etree._Element, sources: list[ProjectSource]) -> list[ProjectSource]:
    """A media source's transcripts: sync points for the TextSource with the same text file (our own layout), or
    a source of their own (other tools' layout)."""
    by_guid = {s.guid: s for s in sources}
    by_path = {
        e.get("plainTextPath"): by_guid[parse_guid(e.get("guid"))]
        for e in _children(_child(root, "Sources"), "TextSource")
        if e.get("plainTextPath")
    }
    found = []
    media = _children(_child(root, "Sources"), "AudioSource") + _children(_child(root, "Sources"), "VideoSource")
    for element in media:
        for transcript in _children(element, "Transcript"):
            path = transcript.get("plainTextPath")
            stem = (path or "").removeprefix("internal://").removesuffix(".txt")
            target = by_path.get(path) or (by_guid.get(parse_guid(stem)) if len(stem) in (36, 38) else None)
            if target is None:
                target = ProjectSource(
                    guid=parse_guid(transcript.get("guid")),
                    name=transcript.get("name") or element.get("name") or "",
                    text=_text_of(members, transcript),
                    codings=_transcript_codings(transcript),
                    notes=[parse_guid(n.get("targetGUID")) for n in _children(transcript, "NoteRef")],
                    kind="video" if _local(element) == "VideoSource" else "audio",
                )
                found.append(target)
            target.audio_name = (element.get("path") or "").removeprefix("relative:///")
            target.sync_points = sorted(
                (int(p.get("position") or 0), int(p.get("timeStamp") or 0)) for p in _children(transcript, "SyncPoint")
            )
            target.notes += [parse_guid(n.get("targetGUID")) for n in _children(element, "NoteRef")]
    return found


def _sources(members: _Members, root: etree._Element) -> list[ProjectSource]:
    sources = [
        ProjectSource(
            guid=parse_guid(e.get("guid")),
            name=e.get("name") or "",
            text=_text_of(members, e),
            codings=_codings(e),
            notes=[parse_guid(n.get("targetGUID")) for n in _children(e, "NoteRef")],
        )
        for e in _children(_child(root, "Sources"), "TextSource")
    ]
    return sources + _media_sources(members, root, sources)


def _cases(root: etree._Element) -> tuple[list[str], list[ProjectCase]]:
    names = {v.get("guid", "").upper(): v.get("name") or "" for v in _children(_child(root, "Variables"), "Variable")}
    cases = []
    for case in _children(_child(root, "Cases"), "Case"):
        values = {}
        for holder in _children(case, "VariableValue"):
            ref, value = _child(holder, "VariableRef"), next((c for c in holder if _local(c) != "VariableRef"), None)
            if ref is not None and value is not None:
                values[names.get((ref.get("targetGUID") or "").upper(), "")] = value.text or ""
        sources = tuple(parse_guid(s.get("targetGUID")) for s in _children(case, "SourceRef"))
        cases.append(ProjectCase(parse_guid(case.get("guid")), case.get("name") or "", values, sources))
    return list(names.values()), cases


def _notes(root: etree._Element) -> list[ProjectNote]:
    code_of = {}
    for code in root.iter(f"{{{etree.QName(root).namespace}}}Code" if etree.QName(root).namespace else "Code"):
        for ref in _children(code, "NoteRef"):
            code_of[parse_guid(ref.get("targetGUID"))] = parse_guid(code.get("guid"))
    notes = []
    for note in _children(_child(root, "Notes"), "Note"):
        guid, content = parse_guid(note.get("guid")), _child(note, "PlainTextContent")
        notes.append(
            ProjectNote(
                guid,
                note.get("name") or "",
                (content.text or "") if content is not None else "",
                _optional_guid(note.get("creatingUser")),
                _time(note.get("creationDateTime")),
                code_of.get(guid),
            )
        )
    return notes


def read_qdpx(source: IO[bytes]) -> Project:
    """The project in a .qdpx file (raises ProjectFormatError, or CodebookFormatError for a bad codebook)."""
    try:
        with zipfile.ZipFile(source) as archive:
            members = _Members(archive)
            data = members.read("project.qde")
            root = parse_xml(data)
            if _local(root) != "Project":
                raise ProjectFormatError(_("project.qde is not a REFI-QDA project."))
            codebook = _child(root, "CodeBook")
            codes = read_codebook(data) if codebook is not None and len(codebook) else []
            users = [
                ProjectUser(parse_guid(u.get("guid")), u.get("name") or "")
                for u in _children(_child(root, "Users"), "User")
            ]
            variables, cases = _cases(root)
            project = Project(
                root.get("name") or "", users, codes, _sources(members, root), cases, variables, _notes(root)
            )
            project.origin = root.get("origin") or ""
            project.project_notes = [parse_guid(n.get("targetGUID")) for n in _children(root, "NoteRef")]
            _skip(project.skipped, root)
            return project
    except zipfile.BadZipFile as error:
        raise ProjectFormatError(_("The file is not a .qdpx project: a .qdpx file is a ZIP archive.")) from error
    except (zlib.error, EOFError, NotImplementedError) as error:  # a damaged member, or a compression unknown here
        raise ProjectFormatError(
            _("Part of the file cannot be unpacked: it is damaged or compressed in a way this platform does not read.")
        ) from error
    except UnicodeDecodeError as error:
        raise ProjectFormatError(_("A text source in the project is not UTF-8 text.")) from error
    except (ProjectFormatError, CodebookFormatError):
        raise
    except ValueError as error:  # a position, time stamp or number that is not one
        raise ProjectFormatError(
            _("The project holds a position or number that is not valid, so it cannot be read.")
        ) from error
