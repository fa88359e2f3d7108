"""Write a `Project` as a .qdpx: a ZIP holding project.qde (validated against Project-mrt2019.xsd in the tests) and
one UTF-8 plain-text file per source under sources/ (the folder REFI-QDA 1.5 §8.1 names, in lower case).

Audio is linked, never embedded: each transcript also appears as an AudioSource whose `path` names the recording
(relative:///…, not in the ZIP) and whose Transcript carries the sync points (text position to time in ms). A
voice identifies a person; decrypted recordings leaving the platform inside a project file would escape both the
encryption at rest and the listener roles, so researchers who may listen place the files themselves.
"""

from __future__ import annotations

import zipfile
from datetime import datetime
from typing import IO

from lxml import etree

from coding.refi import PROJECT_NS, codes_element
from exports.refi_project.document import Project, ProjectCoding, ProjectSource, guid_for

Q = f"{{{PROJECT_NS}}}"


def _guid(value: object) -> str:
    return str(value).upper()


def _stamp(value: datetime | None) -> dict[str | bytes | etree.QName, str | bytes | bytearray | etree.QName]:
    return {"creationDateTime": value.strftime("%Y-%m-%dT%H:%M:%SZ")} if value else {}


def _coding(parent: etree._Element, coding: ProjectCoding) -> None:
    attributes = _stamp(coding.created)
    attributes.update(guid=_guid(coding.guid), startPosition=str(coding.start), endPosition=str(coding.end))
    if coding.consensus:
        attributes["name"] = "consensus"
    if coding.user:
        attributes["creatingUser"] = _guid(coding.user)
    selection = etree.SubElement(parent, f"{Q}PlainTextSelection", attributes)
    if coding.memo:
        etree.SubElement(selection, f"{Q}Description").text = coding.memo
    applied = _stamp(coding.created)
    applied["guid"] = _guid(guid_for("coding", coding.guid))
    if coding.user:
        applied["creatingUser"] = _guid(coding.user)
    element = etree.SubElement(selection, f"{Q}Coding", applied)
    etree.SubElement(element, f"{Q}CodeRef", {"targetGUID": _guid(coding.code)})


def _source(sources: etree._Element, audio: list[etree._Element], source: ProjectSource) -> None:
    path = f"internal://{_guid(source.guid)}.txt"
    text = etree.SubElement(
        sources, f"{Q}TextSource", {"guid": _guid(source.guid), "name": source.name, "plainTextPath": path}
    )
    for coding in source.codings:
        _coding(text, coding)
    for note in source.notes:
        etree.SubElement(text, f"{Q}NoteRef", {"targetGUID": _guid(note)})
    if source.sync_points:
        attributes = {"guid": _guid(guid_for("audio", source.guid)), "name": f"{source.name} (audio)"}
        if source.audio_name:
            attributes["path"] = f"relative:///{source.audio_name}"
        element = etree.Element(f"{Q}AudioSource", attributes)
        transcript = etree.SubElement(
            element,
            f"{Q}Transcript",
            {"guid": _guid(guid_for("transcript", source.guid)), "name": source.name, "plainTextPath": path},
        )
        for position, millis in source.sync_points:
            etree.SubElement(
                transcript,
                f"{Q}SyncPoint",
                {
                    "guid": _guid(guid_for("sync", f"{source.guid}:{position}")),
                    "position": str(position),
                    "timeStamp": str(millis),
                },
            )
        audio.append(element)


def _cases(root: etree._Element, project: Project) -> None:
    if project.variables:
        variables = etree.SubElement(root, f"{Q}Variables")
        for name in project.variables:
            etree.SubElement(
                variables,
                f"{Q}Variable",
                {"guid": _guid(guid_for("variable", name)), "name": name, "typeOfVariable": "Text"},
            )
    if project.cases:
        cases = etree.SubElement(root, f"{Q}Cases")
        for case in project.cases:
            element = etree.SubElement(cases, f"{Q}Case", {"guid": _guid(case.guid), "name": case.name})
            for name, value in case.values.items():
                holder = etree.SubElement(element, f"{Q}VariableValue")
                etree.SubElement(holder, f"{Q}VariableRef", {"targetGUID": _guid(guid_for("variable", name))})
                etree.SubElement(holder, f"{Q}TextValue").text = value
            for source in case.sources:
                etree.SubElement(element, f"{Q}SourceRef", {"targetGUID": _guid(source)})


def _notes(root: etree._Element, project: Project) -> None:
    if not project.notes:
        return
    notes = etree.SubElement(root, f"{Q}Notes")
    for note in project.notes:
        attributes = {"guid": _guid(note.guid), "name": note.title or "Memo", **_stamp(note.created)}
        if note.user:
            attributes["creatingUser"] = _guid(note.user)
        etree.SubElement(etree.SubElement(notes, f"{Q}Note", attributes), f"{Q}PlainTextContent").text = note.text


def _attach_code_notes(codebook: etree._Element, project: Project) -> None:
    """A memo on a code becomes a NoteRef of that Code (after its Description, before its child codes)."""
    by_guid = {element.get("guid"): element for element in codebook.iter(f"{Q}Code")}
    for note in project.notes:
        code = by_guid.get(_guid(note.code)) if note.code else None
        if code is not None:
            at = 1 if len(code) and code[0].tag == f"{Q}Description" else 0
            code.insert(at, etree.Element(f"{Q}NoteRef", {"targetGUID": _guid(note.guid)}))


def write_qdpx(project: Project, target: IO[bytes]) -> None:
    """Write the .qdpx into `target` (a file opened for binary writing); sources are read one at a time."""
    root = etree.Element(f"{Q}Project", {"name": project.name, "origin": project.origin}, nsmap={None: PROJECT_NS})
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if project.users:
            users = etree.SubElement(root, f"{Q}Users")
            for user in project.users:
                etree.SubElement(users, f"{Q}User", {"guid": _guid(user.guid), "name": user.name})
        if project.codes:
            codebook = etree.SubElement(root, f"{Q}CodeBook")
            codebook.append(codes_element(project.codes, PROJECT_NS))
            _attach_code_notes(codebook, project)
        _cases(root, project)
        sources, audio = etree.Element(f"{Q}Sources"), list[etree._Element]()
        for source in project.sources:
            archive.writestr(f"sources/{_guid(source.guid)}.txt", source.text.encode("utf-8"))
            _source(sources, audio, source)
        sources.extend(audio)
        if len(sources):
            root.append(sources)
        _notes(root, project)
        archive.writestr("project.qde", etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
