from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.utils import translation
from lxml import etree

from accounts.models import User
from coding.codetree import CodebookFormatError, CodeNode, tree_from_data, tree_from_study, tree_to_data
from coding.refi import PROJECT_NS, codes_element, read_codebook, validation_errors, write_codebook
from coding.refi.codebook import format_description, parse_description
from coding.services import current_codebook_version, import_codebook
from studies.models import Study
from studies.tests.factories import StudyFactory

SAMPLES = Path(__file__).resolve().parent / "samples"


def _rich_tree() -> list[CodeNode]:
    return [
        CodeNode(
            name="Support roles",
            is_codable=False,
            children=[
                CodeNode(
                    name="Listener",
                    colour="#FF8800",
                    definition="The chatbot as someone who listens.\nWithout judging.",
                    when_to_use="The person describes being heard.",
                    when_not_to_use="Advice or information.",
                    example="“It just let me talk at 3 am.”",
                ),
                CodeNode(name="सलाहकार (adviser)", colour="#0055AA", definition="ऐसी बातचीत जिसमें सलाह मिली"),
            ],
        ),
        CodeNode(name="الثقة", example="كنت أثق به أكثر من الناس"),
        CodeNode(name="Other", children=[CodeNode(name="Listener")]),
    ]


def test_an_exported_codebook_validates_against_the_refi_qda_schema() -> None:
    data = write_codebook(_rich_tree(), origin="Interview platform")
    assert validation_errors(data, "codebook") == []
    assert b'xmlns="urn:QDA-XML:codebook:1.0"' in data


def test_the_schema_check_reports_what_is_wrong() -> None:
    bad = b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code name="x" isCodable="true"/></Codes></CodeBook>'
    errors = validation_errors(bad, "codebook")
    assert errors
    assert "guid" in errors[0]


def test_the_specifications_own_codebook_example_validates_and_imports(study: Study, researcher: User) -> None:
    data = (SAMPLES / "refi_spec_example.qdc").read_bytes()
    assert validation_errors(data, "codebook") == []
    nodes = read_codebook(data)
    import_codebook(study=study, actor=researcher, nodes=nodes, source="REFI-QDA codebook")
    tree = tree_from_study(study.id)
    assert [node.name for node in tree][:3] == ["Topics", "Economy", "Health care"]
    assert tree[0].is_codable is False
    assert tree[1].colour == "#FFFF00"
    assert tree[1].definition == "Anything about jobs or taxes or business"
    assert tree[0].guid == uuid.UUID("5215cc69-b628-4e02-afb9-9beeaee55808")


def test_a_codebook_round_trips_through_qdc_into_a_fresh_study(study: Study, researcher: User) -> None:
    import_codebook(study=study, actor=researcher, nodes=_rich_tree(), source="test")
    exported = write_codebook(tree_from_study(study.id), origin="Interview platform")
    fresh = StudyFactory()
    import_codebook(study=fresh, actor=researcher, nodes=read_codebook(exported), source="REFI-QDA codebook")
    assert tree_to_data(tree_from_study(fresh.id)) == tree_to_data(tree_from_study(study.id))
    assert tree_to_data(tree_from_study(fresh.id)) == tree_to_data(_rich_tree_with(tree_from_study(study.id)))


def _rich_tree_with(stored: list[CodeNode]) -> list[CodeNode]:
    """The hand-made tree with the GUIDs it was stored under (to compare every other field with the original)."""
    original = _rich_tree()
    for mine, theirs in zip(walk_all(original), walk_all(stored), strict=True):
        mine.guid = theirs.guid
    return original


def walk_all(nodes: list[CodeNode]) -> list[CodeNode]:
    return [n for node in nodes for n in node.walk()]


def test_it_imports_a_codebook_written_in_another_tools_style(study: Study, researcher: User) -> None:
    """A hand-written .qdc like NVivo/QualCoder exports: braces and lower-case GUIDs, #RGB and missing colours,
    no description, deep nesting, duplicate names under different parents, sets, and a comment."""
    nodes = read_codebook((SAMPLES / "other_tool_style.qdc").read_bytes())
    report = import_codebook(study=study, actor=researcher, nodes=nodes, source="REFI-QDA codebook")
    tree = tree_from_study(study.id)
    assert report.created == 7
    assert report.warnings == ["'Coping' was already taken there, so it was imported as 'Coping (2)'."]
    assert [node.name for node in tree] == ["Chatbot use", "Wellbeing"]
    assert [child.name for child in tree[0].children] == ["Coping", "Coping (2)"]
    assert [child.name for child in tree[1].children] == ["Coping"]
    assert tree[0].children[0].children[0].children[0].name == "Late at night"
    assert tree[0].colour == "#FF0000"
    assert tree[1].colour == ""
    assert tree[1].children[0].definition == "Ways of managing stress"


def test_importing_the_same_file_again_changes_nothing(study: Study, researcher: User) -> None:
    data = (SAMPLES / "refi_spec_example.qdc").read_bytes()
    import_codebook(study=study, actor=researcher, nodes=read_codebook(data), source="qdc")
    report = import_codebook(study=study, actor=researcher, nodes=read_codebook(data), source="qdc")
    assert (report.created, report.updated, report.unchanged, report.warnings) == (0, 0, 6, [])
    assert report.version is not None
    assert report.version.number == 1  # no new codebook version for an unchanged codebook


def test_importing_a_changed_file_updates_codes_by_guid_in_a_new_version(study: Study, researcher: User) -> None:
    data = (SAMPLES / "refi_spec_example.qdc").read_bytes()
    import_codebook(study=study, actor=researcher, nodes=read_codebook(data), source="qdc")
    changed = read_codebook(data.replace(b'name="Economy"', b'name="Jobs"', 1))
    report = import_codebook(study=study, actor=researcher, nodes=changed, source="qdc")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 5)
    assert report.version is not None
    assert report.version.number == 2


def test_it_reads_the_codebook_inside_a_project_file() -> None:
    project = (
        b'<Project xmlns="urn:QDA-XML:project:1.0" name="p"><CodeBook><Codes>'
        b'<Code guid="85D17F60-7BB0-481E-B742-B4861DD669DF" name="happiness" isCodable="true" color="#F00082"/>'
        b"</Codes></CodeBook></Project>"
    )
    assert [(node.name, node.colour) for node in read_codebook(project)] == [("happiness", "#F00082")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<CodeBook><Codes>", "not well-formed"),
        (b"<Other/>", "not a REFI-QDA codebook"),
        (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "no codes"),
        (b'<CodeBook><Codes><Code guid="nope" name="x" isCodable="true"/></Codes></CodeBook>', "is not a GUID"),
        (b'<CodeBook><Codes><Code guid="" name="x" isCodable="true" color="red"/></Codes></CodeBook>', "colour"),
    ],
)
def test_it_rejects_unusable_files_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(CodebookFormatError, match=message):
        read_codebook(data)


BAD_GUID = b'<CodeBook><Codes><Code guid="nope" name="x" isCodable="true"/></Codes></CodeBook>'


@pytest.mark.parametrize(
    ("data", "language", "expected"),
    [
        (BAD_GUID, "en", "Code 'x' (line 1): 'nope' is not a GUID."),
        (BAD_GUID, "es", "Código «x» (línea 1): «nope» no es un GUID."),
        (BAD_GUID, "hi", "कोड 'x' (पंक्ति 1): 'nope' कोई GUID नहीं है।"),
        (b"<Other/>", "es", "Esto no es un libro de códigos REFI-QDA: su elemento raíz no es CodeBook."),
        (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "hi", "कोडबुक में कोई कोड नहीं है।"),
    ],
)
def test_it_explains_an_unusable_file_in_the_active_language(data: bytes, language: str, expected: str) -> None:
    with translation.override(language), pytest.raises(CodebookFormatError) as refused:
        read_codebook(data)
    assert str(refused.value) == expected


def test_it_translates_the_sentence_around_the_xml_parsers_own_reason() -> None:
    with translation.override("es"), pytest.raises(CodebookFormatError, match=r"^El archivo no es XML bien formado \("):
        read_codebook(b"<CodeBook><Codes>")


def test_it_does_not_expand_external_entities_in_untrusted_files() -> None:
    doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    in_text = (
        b'<CodeBook><Codes><Code guid="" name="x" isCodable="true">'
        b"<Description>&e;</Description></Code></Codes></CodeBook>"
    )
    assert "root:" not in read_codebook(doctype + in_text)[0].definition
    in_attribute = b'<CodeBook><Codes><Code guid="" name="&e;" isCodable="true"/></Codes></CodeBook>'
    with pytest.raises(CodebookFormatError, match="not well-formed"):
        read_codebook(doctype + in_attribute)


def test_descriptions_keep_the_four_fields_apart() -> None:
    node = CodeNode(name="x", definition="Line one\nline two", when_to_use="a", when_not_to_use="b", example="c")
    text = format_description(node)
    assert text == "Line one\nline two\n\nWhen to use: a\n\nWhen not to use: b\n\nExample: c"
    assert parse_description(text) == {
        "definition": "Line one\nline two",
        "when_to_use": "a",
        "when_not_to_use": "b",
        "example": "c",
    }
    assert parse_description("Anything about jobs")["definition"] == "Anything about jobs"


def test_the_codes_element_serves_a_project_file_that_validates_against_project_xsd() -> None:
    """The .qdpx export will put the same <Codes> in project.qde (urn:QDA-XML:project:1.0)."""
    project = etree.Element(f"{{{PROJECT_NS}}}Project", {"name": "Study"}, nsmap={None: PROJECT_NS})
    codebook = etree.SubElement(project, f"{{{PROJECT_NS}}}CodeBook")
    codebook.append(codes_element(_rich_tree(), PROJECT_NS))
    data = etree.tostring(project, xml_declaration=True, encoding="UTF-8")
    assert validation_errors(data, "project") == []
    assert [node.name for node in read_codebook(data)] == ["Support roles", "الثقة", "Other"]


def test_a_version_snapshot_holds_the_tree_as_it_was(study: Study, researcher: User) -> None:
    import_codebook(study=study, actor=researcher, nodes=_rich_tree(), source="test")
    version = current_codebook_version(study=study)
    assert version is not None
    assert tree_to_data(tree_from_data(version.snapshot)) == tree_to_data(tree_from_study(study.id))
