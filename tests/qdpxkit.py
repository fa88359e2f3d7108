"""A REFI-QDA 1.5 project written by hand from the specification (not by our writer): text sources in the lower-case
`sources/` folder with PlainTextSelection codings by two users, an audio source whose transcript has sync points and
a TranscriptSelection, a nested codebook, notes on the project, a source, a selection and a code, and two cases
with variables."""

from __future__ import annotations

import io
import uuid
import zipfile

TEXT_A = "Ana: I felt hope 🌱 in Lagos.\nInterviewer: Tell me more."
TEXT_B = "Ben: The chatbot listened at night.\nInterviewer: And then?"
TEXT_C = "Caller: Hello there.\nCaller: I moved to Quito last year."


def guid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"qdpx-test:{name}")).upper()


def _selection(name: str, text: str, words: str, code: str, user: str, note: str = "") -> str:
    start = text.index(words)
    ref = f'<NoteRef targetGUID="{guid(note)}"/>' if note else ""
    return (
        f'<PlainTextSelection guid="{guid(name)}" startPosition="{start}" endPosition="{start + len(words)}" '
        f'creatingUser="{guid(user)}"><Coding guid="{guid(name + "-c")}" creatingUser="{guid(user)}">'
        f'<CodeRef targetGUID="{guid(code)}"/></Coding>{ref}</PlainTextSelection>'
    )


def _value(variable: str, value: str) -> str:
    return f'<VariableValue><VariableRef targetGUID="{guid(variable)}"/><TextValue>{value}</TextValue></VariableValue>'


def _note(name: str, title: str, text: str, user: str = "ana") -> str:
    return (
        f'<Note guid="{guid(name)}" name="{title}" creatingUser="{guid(user)}">'
        f"<PlainTextContent>{text}</PlainTextContent></Note>"
    )


def _audio() -> str:
    second = len(TEXT_C.split("\n")[0]) + 1
    words = "Quito"
    start = TEXT_C.index(words)
    return (
        f'<AudioSource guid="{guid("audio")}" name="Call C" path="relative:///call-c.m4a">'
        f'<Transcript guid="{guid("transcript")}" name="Call C" plainTextPath="internal://c.txt">'
        f'<SyncPoint guid="{guid("p0")}" position="0" timeStamp="0"/>'
        f'<SyncPoint guid="{guid("p1")}" position="{second}" timeStamp="2500"/>'
        f'<SyncPoint guid="{guid("p2")}" position="{start}" timeStamp="3100"/>'
        f'<SyncPoint guid="{guid("p3")}" position="{start + len(words)}" timeStamp="3500"/>'
        f'<TranscriptSelection guid="{guid("ts")}" fromSyncPoint="{guid("p2")}" toSyncPoint="{guid("p3")}">'
        f'<Coding guid="{guid("ts-c")}" creatingUser="{guid("ben")}"><CodeRef targetGUID="{guid("place")}"/></Coding>'
        "</TranscriptSelection></Transcript></AudioSource>"
    )


def hand_written_qde(*, selection_end_shift: int = 0, code_ref: str = "hope") -> str:
    first = _selection("s1", TEXT_A, "hope 🌱", code_ref, "ana", note="selection-note")
    if selection_end_shift:
        end = TEXT_A.index("hope 🌱") + len("hope 🌱")
        first = first.replace(f'endPosition="{end}"', f'endPosition="{len(TEXT_A) + selection_end_shift}"')
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Hand-written project" origin="a hand, following REFI-QDA 1.5">
<Users><User guid="{guid("ana")}" name="Ana Coder"/><User guid="{guid("ben")}" name="Ben Coder"/></Users>
<CodeBook><Codes>
  <Code guid="{guid("feelings")}" name="Feelings" isCodable="false" color="#AA0000">
    <Description>Everything felt</Description><NoteRef targetGUID="{guid("code-note")}"/>
    <Code guid="{guid("hope")}" name="Hope" isCodable="true" color="#00AA00">
      <Description>Looking forward</Description></Code>
  </Code>
  <Code guid="{guid("place")}" name="Place" isCodable="true"/>
</Codes></CodeBook>
<Variables>
  <Variable guid="{guid("age")}" name="Age group" typeOfVariable="Text"/>
  <Variable guid="{guid("country")}" name="Country" typeOfVariable="Text"/>
</Variables>
<Cases>
  <Case guid="{guid("case-a")}" name="Case-A">{_value("age", "30-39")}{_value("country", "NG")}
    <SourceRef targetGUID="{guid("a")}"/></Case>
  <Case guid="{guid("case-b")}" name="Case-B">{_value("age", "40-49")}<SourceRef targetGUID="{guid("b")}"/></Case>
</Cases>
<Sources>
  <TextSource guid="{guid("a")}" name="Interview A" plainTextPath="internal://a.txt">{first}
    {_selection("s2", TEXT_A, "Lagos", "place", "ben")}<NoteRef targetGUID="{guid("source-note")}"/></TextSource>
  <TextSource guid="{guid("b")}" name="Interview B" plainTextPath="internal://b.txt">
    {_selection("s3", TEXT_B, "listened at night", "hope", "ana")}{_selection("s4", TEXT_B, "chatbot", "place", "ben")}
  </TextSource>
  {_audio()}
</Sources>
<Notes>
  {_note("project-note", "About the project", "Interviews from 2025")}
  {_note("source-note", "On A", "Long pauses", "ben")}
  {_note("selection-note", "On hope", "She smiled here")}
  {_note("code-note", "Feelings memo", "Use for any emotion")}
</Notes>
<NoteRef targetGUID="{guid("project-note")}"/>
</Project>"""


def packed(members: dict[str, bytes | str], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data.encode() if isinstance(data, str) else data)
    return buffer.getvalue()


def hand_written(qde: str | None = None, **extra: bytes | str) -> bytes:
    texts = {"sources/a.txt": TEXT_A, "sources/b.txt": TEXT_B, "sources/c.txt": TEXT_C}
    return packed({"project.qde": qde or hand_written_qde(), **texts, **extra})
