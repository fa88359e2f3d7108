"""One questionnaire's answers as CSV for the team: a row per response, a column per answer, and the data
dictionary that explains every column.

Participants appear by pseudonym only (never contact details). The `version` column says which version of the
questionnaire the person answered (studies.services.questionnaire_versions). The answer columns are the union over
all versions: the current version's in its order first, then those only earlier versions had (newest version
first); a response leaves the columns its version did not have empty. There is one column per answer name: a
question's key, or "<key>_<row>" per row of a matrix (studies.logic.answer_names); notes have none. Choice answers
are their stored values; multiple-choice answers are joined with ";"; calculated values are numbers. The file
starts with a byte-order mark so spreadsheets read Spanish and Hindi text as UTF-8, and any text cell a spreadsheet
would run as a formula is defused with a leading apostrophe (the same rule as the transcript CSV export). Scored
scales add their totals and bands.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from config.spreadsheet import defuse_formula
from studies.forms.screening import localized
from studies.logic import answer_names
from studies.models import Question, Questionnaire, ScreeningResponse
from studies.scales import SCALES, score_columns
from studies.services.questionnaire_versions import numbers, questions_of

FIXED_COLUMNS = ("participant", "submitted_at", "language", "version")
# A plain number such as "-3" or "2.5" is data, not a formula; it is written as is.
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)  # a number (a calculated value) is never a formula
    text = ";".join(str(item) for item in value) if isinstance(value, list) else str(value)
    return text if _NUMBER.fullmatch(text) else defuse_formula(text)


@dataclass(frozen=True)
class Layout:
    """The answer columns of every version and which of them each version had."""

    versions: list[tuple[int, list[Question]]]  # newest first
    columns: list[str]
    had: dict[int, frozenset[str]]  # version number -> its answer names
    scores: list[str]


def _answered_names(questions: Iterable[Question]) -> list[str]:
    return [name for q in questions if q.kind != Question.Kind.NOTE for name in answer_names(q)]


def layout(questionnaire: Questionnaire) -> Layout:
    """The columns of the answers CSV: one query per version (a handful)."""
    versions = [(number, questions_of(questionnaire, number)) for number in reversed(numbers(questionnaire))]
    columns: dict[str, None] = {}
    had: dict[int, frozenset[str]] = {}
    for number, questions in versions:
        names = _answered_names(questions)
        had[number] = frozenset(names)
        columns.update(dict.fromkeys(names))  # a name already there keeps its place
    # Scale scores (studies.scales) follow the answers: computed on submission, read from the plain attributes.
    scores = score_columns(q.scale_key for _number, questions in versions for q in questions)
    return Layout(versions, list(columns), had, scores)


def answers_csv(*, questionnaire: Questionnaire) -> Iterator[bytes]:
    """The CSV in chunks, one row at a time, so a large study is streamed rather than built in memory.

    The caller has checked the team member's role and audit-logged the export.
    """
    found = layout(questionnaire)
    keys, scores = found.columns, found.scores
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*FIXED_COLUMNS, *keys, *scores])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    rows = (
        ScreeningResponse.objects.filter(questionnaire=questionnaire)
        .order_by("submitted_at", "id")
        .values_list("participant__code", "submitted_at", "language", "version", "answers", "attributes")
    )
    for code, submitted_at, language, version, answers, attributes in rows.iterator(chunk_size=500):
        buffer.seek(0)
        buffer.truncate()
        # A version whose questions were never frozen (none should be) shows whatever it holds.
        had = found.had.get(version)
        given = [_cell(answers.get(key)) if had is None or key in had else "" for key in keys]
        writer.writerow(
            [code, submitted_at.isoformat(), language, version, *given, *(_cell(attributes.get(c)) for c in scores)]
        )
        yield buffer.getvalue().encode()


# -- the data dictionary ----------------------------------------------------------------------------------------------

DICTIONARY_COLUMNS = ("column", "question", "type", "versions")
FIXED_DESCRIPTIONS = {
    "participant": "The participant's pseudonym (never a name or contact details).",
    "submitted_at": "When the response was submitted (ISO 8601, with the UTC offset).",
    "language": "The language the person answered in (ISO 639-1 code).",
    "version": (
        "The version of the questionnaire the person answered: 1 at first, one more each time the questionnaire was "
        "edited after someone had answered it. A column of a question that version did not have is empty; "
        "'versions' lists the versions each column exists in."
    ),
}
KIND_DESCRIPTIONS: dict[str, str] = {
    Question.Kind.SINGLE: "Single choice: the chosen value.",
    Question.Kind.MULTIPLE: "Multiple choice: the chosen values, joined with ';'.",
    Question.Kind.SHORT_TEXT: "Free text as typed.",
    Question.Kind.LONG_TEXT: "Free text as typed.",
    Question.Kind.NUMBER: "A number.",
    Question.Kind.LIKERT: "Likert scale: the chosen point's value.",
    Question.Kind.COUNTRY: "A country as an ISO 3166-1 alpha-2 code.",
    Question.Kind.LANGUAGE: "A language as an ISO 639 code.",
    Question.Kind.BIRTH_YEAR: "A year of birth.",
    Question.Kind.AGE: "An age in years.",
    Question.Kind.CONFIRM: "A confirmation: true, or empty.",
    Question.Kind.DATE: "A date, YYYY-MM-DD.",
    Question.Kind.TIME: "A time of day, HH:MM (24 hours).",
    Question.Kind.EMAIL: "An email address.",
    Question.Kind.PHONE: "A phone number.",
    Question.Kind.SLIDER: "A whole number chosen on a slider.",
}
GENERAL_NOTES = (
    "A question hidden by its conditions keeps no answer: its column is empty. Descriptive text (notes) has no "
    "column. A text a spreadsheet would run as a formula starts with an apostrophe (')."
)


def _range(low: int | None, high: int | None) -> str:
    parts = [f"from {low}" if low is not None else "", f"to {high}" if high is not None else ""]
    return " ".join(part for part in parts if part)


def version_ranges(present: Iterable[int]) -> str:
    """Version numbers as ranges: [1, 2, 4] -> "1-2, 4"."""
    spans: list[list[int]] = []
    for number in sorted(set(present)):
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(str(low) if low == high else f"{low}-{high}" for low, high in spans)


def _values(question: Question, fallback: str) -> str:
    if question.choices:
        labels = (
            f"{c.get('value')} = {localized(c.get('labels') or {}, fallback, fallback)}" for c in question.choices
        )
        return " | ".join(labels)
    if question.kind == Question.Kind.SLIDER:
        low, high = question.min_value, question.max_value
        return _range(0 if low is None else low, 100 if high is None else high)
    if question.kind == Question.Kind.CALCULATED:
        return question.calculation
    return _range(question.min_value, question.max_value)


def _description(question: Question, row: dict[str, Any] | None) -> str:
    if row is not None:
        return (
            f"One row ('{row.get('key', '')}') of the matrix question '{question.key}': the chosen column's value "
            f"(see values). Answered under the name '{question.key}_{row.get('key', '')}'."
        )
    if question.kind == Question.Kind.CALCULATED:
        return (
            "Calculated on the server when the response was submitted, from the formula in values (${key} is "
            "another column); empty when an answer it uses was missing or it divided by zero."
        )
    described = KIND_DESCRIPTIONS.get(question.kind, "")
    if question.is_risk_item:
        described += " Risk item (answers " + ", ".join(map(str, question.risk_values)) + " alert the safety contact)."
    if question.is_attention_check:
        described += f" Attention check (expected answer: {question.attention_answer})."
    if question.scale_key:
        described += f" Item {question.scale_item} of the scored scale {question.scale_key}."
    return described.strip()


def _score_description(column: str) -> tuple[str, str]:
    key, _sep, part = column.partition("_")
    scale = SCALES[key]
    if part == "total":
        return key, f"{scale.name} total score, computed on submission (empty when an item was not answered)."
    if part == "band":
        bands = "; ".join(f"{band.key} = {band.low}-{band.high}" for band in scale.bands)
        return key, f"{scale.name} severity band by the total: {bands}."
    return key, f"{scale.name} subscale '{part}': the sum of its items."


def data_dictionary_csv(*, questionnaire: Questionnaire) -> bytes:
    """Every column of the answers CSV: the question it holds, its type, the versions it exists in, its wording in
    each study language (that of the newest version that had it), its possible values and what it means. Question
    wording only, never an answer. The caller has checked the team member's role and audit-logged the download."""
    languages = list(questionnaire.study.languages or ["en"])
    fallback = languages[0]
    found = layout(questionnaire)
    every = version_ranges(found.had)
    rows: list[list[str]] = [
        [*DICTIONARY_COLUMNS, *(f"label_{language}" for language in languages), "values", "description"]
    ]
    blank = [""] * len(languages)
    rows += [[column, "", "", every, *blank, "", FIXED_DESCRIPTIONS[column]] for column in FIXED_COLUMNS]
    newest: dict[str, tuple[Question, dict[str, Any] | None]] = {}
    for _number, questions in found.versions:
        for question in questions:
            matrix_rows = question.rows if question.kind == Question.Kind.MATRIX else [None]
            for row, name in zip(matrix_rows, answer_names(question), strict=True):
                newest.setdefault(name, (question, row))
    for column in found.columns:
        question, row = newest[column]
        labels = []
        for language in languages:
            label = localized(question.text, language, fallback)
            if row is not None:
                label += " - " + localized(row.get("labels") or {}, language, fallback)
            labels.append(label)
        present = version_ranges(number for number, names in found.had.items() if column in names)
        rows.append(
            [
                column,
                question.key,
                question.kind,
                present,
                *labels,
                _values(question, fallback),
                _description(question, row),
            ]
        )
    for column in found.scores:
        scale, description = _score_description(column)
        rows.append([column, scale, "score", every, *blank, "", description])
    rows.append(["*", "", "", every, *blank, "", GENERAL_NOTES])
    buffer = io.StringIO()
    # Question wording is the team's text: defused like any other cell.
    csv.writer(buffer, lineterminator="\r\n").writerows([[_cell(cell) for cell in row] for row in rows])
    return "\ufeff".encode() + buffer.getvalue().encode()
