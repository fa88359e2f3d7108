"""The XLSForm expression subset both ways, and the shapes that are not plain rows: a matrix as KoboToolbox writes
one (a field-list group of select_one rows of one list, a header row), platform types, languages by name."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree
from pyxform.xls2xform import convert  # type: ignore[import-untyped]

from studies.models import Study
from studies.services.questionnaire_versions import definition
from studies.xlsform.expressions import (
    ExpressionError,
    calculation_xpath,
    constraint_text,
    parse_calculation,
    parse_constraint,
    parse_relevant,
    relevant_text,
)
from studies.xlsform.importer import export_xlsform, import_xlsform
from studies.xlsform.languages import code_of
from studies.xlsform.problems import ImportRefused
from tests.xlsformkit import EN, ES, KOBO_CHOICES, KOBO_SETTINGS, kobo_form, row, workbook

RELEVANT: list[tuple[str, list[dict[str, Any]], str]] = [
    ("${a} = 'x'", [{"key": "a", "op": "eq", "value": "x"}], "all"),
    ('${a} != "x"', [{"key": "a", "op": "neq", "value": "x"}], "all"),
    (
        "${n} >= 18 and ${n} < 65.5",
        [{"key": "n", "op": "gte", "value": 18}, {"key": "n", "op": "lt", "value": 65.5}],
        "all",
    ),
    ("${n} > -3", [{"key": "n", "op": "gt", "value": -3}], "all"),
    ("${d} <= date('2024-05-31')", [{"key": "d", "op": "lte", "value": "2024-05-31"}], "all"),
    ("selected(${m}, 'crisis')", [{"key": "m", "op": "selected", "value": "crisis"}], "all"),
    ("not(selected(${m}, 'crisis'))", [{"key": "m", "op": "not_selected", "value": "crisis"}], "all"),
    ("${q} != ''", [{"key": "q", "op": "answered", "value": None}], "all"),
    ("${q} = ''", [{"key": "q", "op": "not_answered", "value": None}], "all"),
    (
        "(${a} = 'x' or selected(${m}, 'v'))",
        [{"key": "a", "op": "eq", "value": "x"}, {"key": "m", "op": "selected", "value": "v"}],
        "any",
    ),
    (
        "(${a} = 'x') and (${b} = 'y')",
        [{"key": "a", "op": "eq", "value": "x"}, {"key": "b", "op": "eq", "value": "y"}],
        "all",
    ),
]


@pytest.mark.parametrize(("text", "conditions", "match"), RELEVANT)
def test_it_reads_the_relevant_subset(text: str, conditions: list[dict[str, Any]], match: str) -> None:
    assert parse_relevant(text) == (conditions, match)


@pytest.mark.parametrize(
    "text",
    [
        "${a} = 'x' and ${b} = 'y' or ${c} = 'z'",
        "${a} = ",
        "count-selected(${m}) > 1",
        "(${a} = 'x'",
        "${a} = 'x')",
        "${a} = ${b}",
        "${a} = date('31/05/2024')",
        "'x' = ${a}",
        "${a} = 'x' and",
        "/data/a = 'x'",
        "${a.b} = 'x'",
    ],
)
def test_it_refuses_what_it_cannot_hold(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_relevant(text)


def test_the_export_writes_what_the_import_reads() -> None:
    kinds = {"a": "single", "m": "multiple", "n": "number", "d": "date", "q": "short_text"}
    for _text, conditions, match in RELEVANT:
        if all(condition["key"] in kinds for condition in conditions):
            assert parse_relevant(relevant_text(conditions, match, kinds)) == (conditions, match)


def test_constraints_become_bounds_lengths_and_patterns() -> None:
    found = parse_constraint(". > 0 and . < 11")
    assert (found.min_value, found.max_value) == (1, 10)
    found = parse_constraint("string-length(.) >= 2 and string-length(.) <= 40 and regex(., '[A-Z]{2}[0-9]+')")
    assert (found.min_length, found.max_length, found.pattern) == (2, 40, "[A-Z]{2}[0-9]+")
    for text in (". <= today()", ". >= 1 or . <= 3", ". > 1.5", ". >= 1 and . >= 2", ". = 3"):
        with pytest.raises(ExpressionError):
            parse_constraint(text)
    written = constraint_text(min_value=1, max_value=10, max_length=5, pattern="it's")
    assert written == '. >= 1 and . <= 10 and string-length(.) <= 5 and regex(., "it\'s")'


def test_calculations_swap_div_and_slash() -> None:
    assert parse_calculation("(${a} + ${b}) div 2 - -1") == "(${a} + ${b}) / 2 - - 1"
    assert calculation_xpath("(${a_b} + ${b}) / 2") == "(${a_b} + ${b})  div  2"
    for text in ("sum(${a})", "${a} mod 2", "if(${a} > 1, 1, 0)", "${a} * 'x'"):
        with pytest.raises(ExpressionError):
            parse_calculation(text)


def test_languages_are_read_by_code_or_by_name() -> None:
    assert [code_of(text) for text in ("Español (es)", "English (en)", "French", "हिन्दी (hi)", "Elvish")] == [
        "es",
        "en",
        "fr",
        "hi",
        None,
    ]


AGREE = [["agree", "1", "Disagree", "En desacuerdo"], ["agree", "2", "Neutral", "Neutral"]]
AGREE += [["agree", "3", "Agree", "De acuerdo"]]
MATRIX_SURVEY = [
    row("begin_group", "feel", "How do you feel?", "¿Cómo se siente?", appearance="field-list"),
    row("select_one agree", "feel_header", "", "", appearance="label"),
    row(
        "select_one agree", "feel_calm", "I feel calm", "Me siento tranquilo", required="yes", appearance="list-nolabel"
    ),
    row(
        "select_one agree", "feel_hope", "I feel hopeful", "Tengo esperanza", required="yes", appearance="list-nolabel"
    ),
    row("end_group"),
    row("text", "why_calm", "Why calm?", "¿Por qué tranquilo?", relevant="${feel_calm} = 3"),
    row("text", "email", "Your e-mail", "Su correo", platform_type="email"),
    row("select_one agree", "overall", "Overall", "En general", appearance="likert"),
    row("range", "mood", "Mood", "Ánimo", parameters="start=0 end=10 step=1"),
    row("acknowledge", "ok", "I understand", "Entiendo"),
    row("time", "bedtime", "Bedtime", "Hora de dormir"),
]


@pytest.fixture
def bilingual(study: Study) -> Study:
    study.languages = ["en", "es"]
    study.save(update_fields=["languages"])
    return study


def test_a_kobo_matrix_and_the_other_types_import_and_survive_pyxform(bilingual: Study) -> None:
    data = kobo_form(MATRIX_SURVEY, choices=[*KOBO_CHOICES, *AGREE])
    questionnaire = import_xlsform(study=bilingual, data=data, filename="m.xlsx", kind="wellbeing").questionnaire
    questions = {question.key: question for question in questionnaire.questions.all()}
    kinds = {key: question.kind for key, question in questions.items()}
    assert kinds == {
        "feel": "matrix",
        "why_calm": "short_text",
        "email": "email",
        "overall": "likert",
        "mood": "slider",
        "ok": "confirm",
        "bedtime": "time",
    }
    feel = questions["feel"]
    assert feel.rows == [
        {"key": "calm", "labels": {"en": "I feel calm", "es": "Me siento tranquilo"}},
        {"key": "hope", "labels": {"en": "I feel hopeful", "es": "Tengo esperanza"}},
    ]
    assert [choice["value"] for choice in feel.choices] == ["1", "2", "3"]
    assert feel.required is True
    assert questions["why_calm"].conditions == [{"key": "feel_calm", "op": "eq", "value": "3"}]
    assert (questions["mood"].min_value, questions["mood"].max_value) == (0, 10)

    exported = export_xlsform(questionnaire=questionnaire)
    warnings: list[str] = []
    root = etree.fromstring(convert(exported, warnings=warnings, file_type=".xlsx", form_name="data").xform.encode())
    binds = {bind.get("nodeset"): bind for bind in root.iter("{http://www.w3.org/2002/xforms}bind")}
    assert {"/data/feel/feel_calm", "/data/feel/feel_hope", "/data/email", "/data/mood", "/data/bedtime"} <= set(binds)
    assert binds["/data/why_calm"].get("relevant") == " /data/feel/feel_calm  = '3'"
    again = import_xlsform(study=bilingual, data=exported, filename="again.xlsx", kind="feedback").questionnaire
    assert definition(again)["questions"] == definition(questionnaire)["questions"]


def test_a_language_named_without_its_code_is_read_by_name(bilingual: Study) -> None:
    header = ["type", "name", "label::English", "label::Spanish"]
    data = workbook({"survey": [header, ["text", "city", "City", "Ciudad"]], "settings": KOBO_SETTINGS})
    questionnaire = import_xlsform(study=bilingual, data=data, filename="n.xlsx", kind="feedback").questionnaire
    assert questionnaire.questions.get().text == {"en": "City", "es": "Ciudad"}


def test_a_language_it_cannot_name_is_a_problem_on_its_column(bilingual: Study) -> None:
    header = ["type", "name", f"label::{EN}", f"label::{ES}", "label::Elvish"]
    data = workbook({"survey": [header, ["text", "city", "City", "Ciudad", "Ost"]]})
    with pytest.raises(ImportRefused) as refused:
        import_xlsform(study=bilingual, data=data, filename="n.xlsx", kind="feedback")
    [problem] = refused.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("survey", 1, "label::Elvish")
