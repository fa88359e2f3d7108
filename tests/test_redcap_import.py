"""A REDCap data dictionary (the standard 18-column CSV) imports as a draft questionnaire through the service, the
`import_redcap` command and the page: types, choices, branching logic (checkboxes included), a matrix group, a
calculation, piping, sections from section headers and instruments. A broken dictionary gets its problems by row
and creates nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from studies.models import Question, Questionnaire, Section, Study
from studies.services.launch import launch_checklist
from studies.xlsform.importer import import_redcap
from studies.xlsform.problems import ImportRefused

HEADER = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]
PHQ = "0, Not at all | 1, Several days | 2, More than half the days | 3, Nearly every day"
FIELDS = [
    {"field": "record_id", "type": "text", "label": "Record ID"},
    {"field": "age", "type": "text", "label": "<b>Age</b>", "note": "in years", "validation": "integer"},
    {"field": "sleep", "type": "text", "label": "Hours of sleep", "validation": "integer", "min": "0", "max": "24"},
    {"field": "first_use", "type": "text", "label": "First use of a chatbot", "validation": "date_ymd"},
    {"field": "contact_email", "type": "text", "label": "E-mail", "validation": "email", "identifier": "y"},
    {"field": "used_chatbot", "type": "yesno", "label": "Have you used a chatbot?", "required": "y"},
    {
        "field": "support",
        "type": "checkbox",
        "label": "What did it give you?",
        "choices": "1, Listening | 2, Advice | 3, Crisis help",
    },
    {"field": "crisis_detail", "type": "notes", "label": "Tell us more", "branching": "[support(3)] = '1'"},
    {
        "field": "mood",
        "type": "radio",
        "label": "How is your mood?",
        "choices": "1, Low | 2, OK | 3, Good",
        "branching": "[used_chatbot] = '1' and [age] >= 18",
    },
    {
        "field": "phq_1",
        "type": "radio",
        "section": "Over the last 2 weeks",
        "label": "Little interest",
        "choices": PHQ,
        "matrix": "phq",
    },
    {"field": "phq_2", "type": "radio", "label": "Feeling down", "choices": PHQ, "matrix": "phq"},
    {"field": "phq_total", "type": "calc", "label": "PHQ-2 total", "choices": "[phq_1] + [phq_2]"},
    {"field": "thanks", "type": "descriptive", "label": "Thank you, you are [age]."},
    {"field": "later_mood", "form": "follow_up", "type": "slider", "label": "Mood now", "choices": "Bad | | Good"},
    {
        "field": "comment",
        "form": "follow_up",
        "type": "dropdown",
        "label": "Anything else?",
        "choices": "a, Yes | b, No",
        "annotation": "@HIDDEN-SURVEY",
    },
]
COLUMN = dict(
    zip(
        [
            *("field", "form", "section", "type", "label", "choices", "note", "validation", "min", "max"),
            *("identifier", "branching", "required", "alignment", "number", "matrix", "ranking", "annotation"),
        ],
        HEADER,
        strict=True,
    )
)


def dictionary(fields: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for cells in fields:
        cells = {"form": "baseline", **cells}
        writer.writerow([cells.get(name, "") for name in COLUMN])
    return ("\ufeff" + out.getvalue()).encode()


@pytest.fixture
def english(study: Study) -> Study:
    study.languages = ["en"]
    study.save(update_fields=["languages"])
    return study


def check(questionnaire: Questionnaire) -> None:
    questions = {question.key: question for question in questionnaire.questions.select_related("section")}
    assert {key: question.kind for key, question in questions.items()} == {
        "age": "age",
        "sleep": "number",
        "first_use": "date",
        "contact_email": "email",
        "used_chatbot": "single",
        "support": "multiple",
        "crisis_detail": "long_text",
        "mood": "single",
        "phq": "matrix",
        "phq_total": "calculated",
        "thanks": "note",
        "later_mood": "slider",
        "comment": "single",
    }
    assert questions["age"].text == {"en": "Age"}
    assert questions["age"].help_text == {"en": "in years"}
    assert (questions["sleep"].min_value, questions["sleep"].max_value) == (0, 24)
    assert questions["used_chatbot"].choices == [
        {"value": "1", "labels": {"en": "Yes"}},
        {"value": "0", "labels": {"en": "No"}},
    ]
    assert questions["used_chatbot"].required is True
    assert questions["crisis_detail"].conditions == [{"key": "support", "op": "selected", "value": "3"}]
    assert questions["mood"].conditions == [
        {"key": "used_chatbot", "op": "eq", "value": "1"},
        {"key": "age", "op": "gte", "value": 18},
    ]
    assert questions["phq"].rows == [
        {"key": "1", "labels": {"en": "Little interest"}},
        {"key": "2", "labels": {"en": "Feeling down"}},
    ]
    assert questions["phq_total"].calculation == "${phq_1} + ${phq_2}"
    assert questions["thanks"].text == {"en": "Thank you, you are ${age}."}
    assert (questions["later_mood"].min_value, questions["later_mood"].max_value) == (0, 100)
    assert questions["later_mood"].help_text == {"en": "Bad · Good"}
    sections = list(Section.objects.filter(questionnaire=questionnaire).values_list("key", "title"))
    assert sections == [
        ("baseline", {"en": "Baseline"}),
        ("over_the_last_2_weeks", {"en": "Over the last 2 weeks"}),
        ("follow_up", {"en": "Follow up"}),
    ]
    assert questions["phq"].section == Section.objects.get(questionnaire=questionnaire, key="over_the_last_2_weeks")
    assert questions["comment"].section == Section.objects.get(questionnaire=questionnaire, key="follow_up")


def test_a_redcap_dictionary_imports_through_the_service(english: Study) -> None:
    result = import_redcap(study=english, data=dictionary(FIELDS), filename="dd.csv", kind="background")
    check(result.questionnaire)
    assert result.questionnaire.title == {"en": "dd"}
    # The record id and the action tag are left out, each with a note on its row.
    assert [(note.row, note.column) for note in result.notes] == [
        (2, "Variable / Field Name"),
        (16, "Field Annotation"),
    ]


def test_the_command_and_the_page_import_it(english: Study, owner: User, tmp_path: Path) -> None:
    path = tmp_path / "dd.csv"
    path.write_bytes(dictionary(FIELDS))
    out = io.StringIO()
    call_command("import_redcap", english.slug, str(path), stdout=out, stderr=io.StringIO())
    check(Questionnaire.objects.get(pk=int(out.getvalue().split()[-1])))

    client = Client()
    client.force_login(owner)
    upload = SimpleUploadedFile("dd.csv", dictionary(FIELDS), content_type="text/csv")
    url = reverse("studies:questionnaire_import", args=[english.slug])
    response = client.post(url, {"file": upload, "kind": "feedback", "available_from": "consented"})
    assert response.status_code == 302
    check(Questionnaire.objects.get(study=english, kind="feedback"))


BROKEN = {
    "bounds on age": (
        [{"field": "age", "type": "text", "label": "Age", "validation": "integer", "min": "18"}],
        "platform's own age question",
        3,
    ),
    "file field": ([{"field": "scan", "type": "file", "label": "Upload"}], "no question of the type “file”", 3),
    "decimal": ([{"field": "w", "type": "text", "label": "Weight", "validation": "number"}], "decimals", 3),
    "event logic": (
        [{"field": "q", "type": "text", "label": "Q", "branching": "[baseline_arm_1][age] = '1'"}],
        "cannot be imported",
        3,
    ),
    "function in calc": ([{"field": "t", "type": "calc", "label": "T", "choices": "sum([a],[b])"}], "cannot be", 3),
    "choice without code": ([{"field": "c", "type": "radio", "label": "C", "choices": "Yes | No"}], "no comma", 3),
    "later field": (
        [
            {"field": "q", "type": "text", "label": "Q", "branching": "[later] = '1'"},
            {"field": "later", "type": "text", "label": "L"},
        ],
        "not an earlier question",
        3,
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_dictionary_gets_its_problems_by_row_and_creates_nothing(case: str, english: Study) -> None:
    fields, expected, number = BROKEN[case]
    with pytest.raises(ImportRefused) as refused:
        import_redcap(study=english, data=dictionary([FIELDS[0], *fields]), filename="dd.csv", kind="background")
    problem = next(problem for problem in refused.value.problems if expected in problem.message)
    assert problem.row == number
    assert Questionnaire.objects.count() == Question.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file is empty."),
        (b"PK\x03\x04\x00\x00binary", "binary data"),
        (b"Variable,Type\nage,text\n", "not a REDCap data dictionary"),
        ("\n".join([",".join(HEADER), "caf\xe9,baseline,,text,Caf\xe9"]).encode("latin-1"), "UTF-8"),
    ],
)
def test_a_file_that_is_no_dictionary_is_refused(data: bytes, expected: str, english: Study, tmp_path: Path) -> None:
    path = tmp_path / "dd.csv"
    path.write_bytes(data)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_redcap", english.slug, str(path), stderr=err)
    assert expected in err.getvalue()
    assert Questionnaire.objects.count() == 0


def test_a_study_in_several_languages_gets_a_draft_to_translate_and_the_checklist_says_so(study: Study) -> None:
    imported = import_redcap(study=study, data=dictionary(FIELDS), filename="dd.csv", kind="screening")
    assert any("has one language" in note.message for note in imported.notes)
    questions = list(imported.questionnaire.questions.all())
    assert questions
    assert all(set(q.text) <= {"en"} for q in questions)
    translations = next(check for check in launch_checklist(study=study) if check.code == "translations")
    assert not translations.ok
    assert not translations.blocking
    assert "not yet in every study language" in translations.message
