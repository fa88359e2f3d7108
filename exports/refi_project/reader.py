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

    def source(self, name: str) -> bytes:
        """The text source `name` (an internal:// path without its scheme), in either spelling of its folder."""
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
        # zipfile stops at the declared size and checks the CRC, so a member cannot unpack to more than it says.
        self._read[name] = self._archive.read(info)
        return self._read[name]


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


def _codings(element: etree._Element) -> list[ProjectCoding]:
    found = []
    for selection in _children(element, "PlainTextSelection"):
        start, end = int(selection.get("startPosition") or 0), int(selection.get("endPosition") or 0)
        description = _child(selection, "Description")
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
                )
            )
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
    by_path = {s.guid: s for s in sources}
    for audio in _children(_child(root, "Sources"), "AudioSource"):
        for transcript in _children(audio, "Transcript"):
            path = (transcript.get("plainTextPath") or "").removeprefix("internal://").removesuffix(".txt")
            target = by_path.get(parse_guid(path)) if len(path) in (36, 38) else None
            if target is not None:
                target.audio_name = (audio.get("path") or "").removeprefix("relative:///")
                target.sync_points = [
                    (int(p.get("position") or 0), int(p.get("timeStamp") or 0))
                    for p in _children(transcript, "SyncPoint")
                ]
    return sources


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
