"""REFI-QDA projects: export validates against Project-mrt2019.xsd, reads back equal, imports back equal."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from lxml import etree

from accounts.models import User
from coding.codetree import tree_from_study, tree_to_data
from coding.models import Code, Coding, Memo
from coding.refi import validation_errors
from exports.refi_project import ProjectFormatError, import_project, read_qdpx, study_project, write_qdpx
from studies.models import Study
from studies.tests.factories import ParticipantFactory
from tests.exportkit import FOREIGN, REDACTED, code_span, foreign_qdpx, make_transcript, screen

pytestmark = pytest.mark.django_db


@pytest.fixture
def coded_study(study: Study, coder: User, researcher: User) -> Study:
    participant = ParticipantFactory(study=study)
    screen(participant, {"region": "asia", "gender": "man", "story": "free text never exported"})
    transcript = make_transcript(study, participant=participant)
    version = transcript.versions.get(number=2)
    parent = Code.objects.create(study=study, name="Feelings", is_codable=False, definition="Folder")
    trust = Code.objects.create(study=study, name="Trust", parent=parent, colour="#3366CC", when_to_use="Reliance")
    night = Code.objects.create(study=study, name="Night use")
    text = version.text()
    emoji = text.index("😀")
    code_span(version, coder=coder, code=trust, start=emoji, end=emoji + 1, memo="the emoji")
    code_span(version, coder=researcher, code=night, start=text.index("every"), end=len(text))
    Memo.objects.create(study=study, author=researcher, title="Trust memo", text="Ask about trust", code=trust)
    Memo.objects.create(study=study, author=researcher, title="On P", text="Calm interview", transcript=transcript)
    make_transcript(study)  # an uncoded second transcript
    return study


def exported(study: Study) -> bytes:
    buffer = io.BytesIO()
    write_qdpx(study_project(study=study), buffer)
    return buffer.getvalue()


def test_the_project_validates_against_the_refi_qda_schema(coded_study: Study) -> None:
    data = exported(coded_study)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        qde = archive.read("project.qde")
        texts = [name for name in archive.namelist() if name.startswith("sources/")]
    assert validation_errors(qde, "project") == []
    assert len(texts) == 2
    # REFI-QDA 1.5 §8.1: an internal:// path names a file in the lower-case "sources" folder.
    paths = {path for e in etree.fromstring(qde).iter() if (path := e.get("plainTextPath"))}
    assert {f"sources/{path.removeprefix('internal://')}" for path in paths} == set(texts)
    assert b"Maria" not in data  # redacted text only
    assert b"free text never exported" not in qde
    assert b'timeStamp="4000"' in qde


def test_positions_are_code_points_into_the_source_text(coded_study: Study) -> None:
    project = read_qdpx(io.BytesIO(exported(coded_study)))
    source = next(s for s in project.sources if s.codings)
    emoji = next(c for c in source.codings if c.memo == "the emoji")
    assert source.text[emoji.start : emoji.end] == "😀"
    assert source.sync_points[1] == (len(REDACTED[0]) + 1, 4000)


def test_reading_back_gives_the_same_codebook_sources_codings_and_cases(coded_study: Study) -> None:
    project = read_qdpx(io.BytesIO(exported(coded_study)))
    assert tree_to_data(project.codes) == tree_to_data(tree_from_study(coded_study.pk))
    stored = {
        (c.guid, c.start, c.end, c.code.guid, c.memo)
        for c in Coding.objects.filter(transcript_version__transcript__recording__interview__study=coded_study)
    }
    assert {(c.guid, c.start, c.end, c.code, c.memo) for s in project.sources for c in s.codings} == stored
    assert sorted(s.text for s in project.sources) == ["\n".join(REDACTED)] * 2
    [case] = [c for c in project.cases if c.values]
    assert case.values == {"region": "asia", "gender": "man"}
    assert {n.title for n in project.notes} == {"Trust memo", "On P"}
    assert next(n for n in project.notes if n.title == "Trust memo").code is not None


def test_an_exported_project_imports_back_with_equal_codings(coded_study: Study, owner: User) -> None:
    data = exported(coded_study)
    codings = Coding.objects.filter(transcript_version__transcript__recording__interview__study=coded_study)
    before = sorted((c.guid, c.start, c.end, c.text, c.code_id, c.coder_id, c.memo) for c in codings)
    codings.delete()
    report = import_project(study=coded_study, actor=owner, project=read_qdpx(io.BytesIO(data)))
    after = sorted((c.guid, c.start, c.end, c.text, c.code_id, c.coder_id, c.memo) for c in codings.all())
    assert after == before
    assert report.codings_imported == 2
    assert report.codes_created == 0
    assert Code.objects.filter(study=coded_study).count() == 3


def test_a_project_from_another_tool_brings_its_codebook_and_lists_its_sources(study: Study, owner: User) -> None:
    project = read_qdpx(foreign_qdpx())
    [source] = project.sources
    assert source.text[source.codings[0].start : source.codings[0].end] == "hope"
    report = import_project(study=study, actor=owner, project=project)
    assert Code.objects.get(study=study).name == "Hope"
    assert Code.objects.get(study=study).colour == "#00AA00"
    assert report.sources[0].codings == 1
    assert report.sources[0].imported == 0
    assert "not imported" in report.sources[0].note


def _text_in_a_file(folder: str) -> io.BytesIO:
    """The other tool's project with its text source in a file of `folder`, as REFI-QDA 1.5 §8.1 lays it out."""
    text = "नमस्ते, hope grows."
    qde = FOREIGN.replace(f"<PlainTextContent>{text}</PlainTextContent>", "").replace(
        'name="Field notes">', 'name="Field notes" plainTextPath="internal://notes.txt">'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", qde.encode())
        archive.writestr(f"{folder}/notes.txt", text.encode())
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize("folder", ["sources", "Sources"])
def test_a_project_with_its_text_in_the_sources_folder_imports_in_either_spelling(
    study: Study, owner: User, folder: str
) -> None:
    project = read_qdpx(_text_in_a_file(folder))
    [source] = project.sources
    assert source.text[source.codings[0].start : source.codings[0].end] == "hope"
    report = import_project(study=study, actor=owner, project=project)
    assert Code.objects.get(study=study).name == "Hope"
    assert report.sources[0].codings == 1


def test_a_text_source_missing_from_the_file_is_named_in_the_specs_folder() -> None:
    with pytest.raises(ProjectFormatError, match=r"refers to sources/notes\.txt, which is not in the file"):
        read_qdpx(_text_in_a_file("texts"))


def _zipped(name: str, data: bytes, *, damage: bool = False) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    raw = bytearray(buffer.getvalue())
    if damage:  # overwrite the middle of the deflated data (the local header is 30 bytes plus the name)
        start = 30 + len(name) + 20
        raw[start : start + 40] = b"\xff" * 40
    return io.BytesIO(bytes(raw))


def test_a_broken_file_is_refused_with_a_reason_not_a_library_error() -> None:
    foreign = foreign_qdpx().getvalue()
    project = zipfile.ZipFile(io.BytesIO(foreign)).read("project.qde")
    cases = [
        (io.BytesIO(b"not a zip"), "is a ZIP archive"),
        (_zipped("other.txt", b"x"), r"project\.qde, which is not in the file"),
        (_zipped("project.qde", project * 40, damage=True), "cannot be unpacked"),
        (_zipped("project.qde", project.replace(b'startPosition="8"', b'startPosition="eight"')), "not valid"),
    ]
    for upload, reason in cases:
        with pytest.raises(ProjectFormatError, match=reason):
            read_qdpx(upload)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The file is not a .qdpx project: a .qdpx file is a ZIP archive."),
        ("es", "El archivo no es un proyecto .qdpx: un archivo .qdpx es un archivo ZIP."),
        ("hi", "यह फ़ाइल .qdpx प्रोजेक्ट नहीं है: .qdpx फ़ाइल एक ZIP संग्रह होती है।"),
    ],
)
def test_the_import_page_explains_a_broken_file_in_the_researchers_language(
    study: Study, owner: User, language: str, expected: str
) -> None:
    client = Client(headers={"accept-language": language})
    client.force_login(owner)
    upload = SimpleUploadedFile("project.qdpx", b"not a zip", content_type="application/octet-stream")
    response = client.post(reverse("exports:import", args=[study.slug]), {"project": upload}, follow=True)
    assert response.status_code == 200
    assert expected in [str(message) for message in get_messages(response.wsgi_request)]
    assert not Code.objects.filter(study=study).exists()
