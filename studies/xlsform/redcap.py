"""A REDCap data dictionary (the instrument designer's CSV, 18 standard columns) as our questionnaire.

Field types: text (validation date_ymd/date_mdy/date_dmy -> date, time -> time, email, phone, integer -> number with
its min and max), notes -> long text, radio and dropdown -> single choice, yesno and truefalse -> single choice
with REDCap's own codes (1/0), checkbox -> multiple choice, calc -> calculated value, descriptive -> note, slider.
"1, Yes | 0, No" choices; a Section Header (or a new instrument, when there are several) starts a section; a matrix
group whose fields share its choices and are named `<group>_<row>` becomes a matrix. Branching logic
(`[q] = '1'`, `[q(2)] = '1'` for a ticked checkbox, <>, >, >=, <, <=, and/or) becomes conditions through the
XLSForm expression reader; `[field]` piping in labels becomes ${field}. A data dictionary has one language: the
study's first.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override

from studies.xlsform.expressions import ExpressionError, parse_calculation, parse_relevant
from studies.xlsform.mapping import CHOICE_KINDS, DERIVED_NUMBERS, NUMBER_KINDS, Plan, blank_question
from studies.xlsform.problems import ImportRefused, Problem
from studies.xlsform.reader import MAX_CELL_CHARS, MAX_FILE_BYTES, MAX_QUESTIONS, MAX_ROWS

# The standard columns by the words their headers start with (REDCap's exact headers vary a little by version).
COLUMNS = {
    "variable / field name": "field",
    "form name": "form",
    "section header": "section",
    "field type": "type",
    "field label": "label",
    "choices, calculations, or slider labels": "choices",
    "field note": "note",
    "text validation type or show slider number": "validation",
    "text validation min": "min",
    "text validation max": "max",
    "identifier?": "identifier",
    "branching logic": "branching",
    "required field?": "required",
    "custom alignment": "alignment",
    "question number": "number",
    "matrix group name": "matrix",
    "matrix ranking?": "ranking",
    "field annotation": "annotation",
}
TYPES = {
    "notes": "long_text",
    "radio": "single",
    "dropdown": "single",
    "yesno": "single",
    "truefalse": "single",
    "checkbox": "multiple",
    "calc": "calculated",
    "descriptive": "note",
    "slider": "slider",
}
VALIDATIONS = {
    "": "short_text",
    "date_ymd": "date",
    "date_mdy": "date",
    "date_dmy": "date",
    "time": "time",
    "email": "email",
    "phone": "phone",
    "integer": "number",
}
CHECKBOX = re.compile(r"\[([A-Za-z0-9_]+)\(([A-Za-z0-9_.-]+)\)\]\s*(=|<>|!=)\s*(['\"]?)([01])\4")
FIELD = re.compile(r"\[([A-Za-z0-9_]+)\]")


@dataclass(frozen=True)
class Field:
    number: int  # the row in a spreadsheet (the header is row 1)
    cells: dict[str, str]

    def get(self, name: str) -> str:
        return self.cells.get(name, "")


@dataclass
class _Context:
    language: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def problem(self, message: str, row: Field, column: str) -> None:
        self.problems.append(Problem(message, row.number, column))


def read_dictionary(data: bytes) -> list[Field]:
    """The fields of a data dictionary, or ImportRefused: not UTF-8, not a CSV, no REDCap header, too big."""
    if not data:
        raise ImportRefused([Problem(_("The file is empty."))])
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefused([Problem(_("The file is larger than 5 MB: a questionnaire is much smaller."))])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([Problem(_("Save the data dictionary as CSV in UTF-8, as REDCap downloads it."))]) from None
    if "\x00" in text:
        raise ImportRefused([Problem(_("This is not a CSV file: it holds binary data."))])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        names = [_column(cell) for cell in header]
        if not {"field", "type", "label"} <= set(names):
            message = _(
                "This is not a REDCap data dictionary: its first row lacks “Variable / Field Name”, “Field Type”."
            )
            raise ImportRefused([Problem(message, 1)])
        return _fields(reader, names)
    except csv.Error:
        raise ImportRefused([Problem(_("This file cannot be read as CSV."), reader.line_num)]) from None


def _column(header: str) -> str:
    return next((name for start, name in COLUMNS.items() if header.startswith(start)), "")


def _fields(reader: Any, names: list[str]) -> list[Field]:
    fields, problems = [], []
    for number, record in enumerate(reader, start=2):
        cells = {name: value.strip() for name, value in zip(names, record, strict=False) if name and value.strip()}
        if not cells:
            continue
        if any(len(value) > MAX_CELL_CHARS for value in cells.values()):
            problems.append(Problem(_("A cell of this row is longer than 5,000 characters."), number))
        fields.append(Field(number, cells))
        if len(fields) > min(MAX_ROWS, MAX_QUESTIONS):
            problems.append(Problem(_("More than 500 questions: split the form into several questionnaires."), number))
            break
    if problems:
        raise ImportRefused(problems)
    return fields


def map_redcap(data: bytes, *, languages: list[str], fallback_title: str) -> Plan:
    """The questionnaire a data dictionary describes, in the study's first language; ImportRefused lists every
    problem."""
    fields = read_dictionary(data)
    context = _Context(languages[0])
    sections: list[dict[str, Any]] = []
    questions: list[dict[str, Any]] = []
    if fields:
        # REDCap's first field is always the record's id: the platform numbers responses itself.
        message = _("The first field is REDCap's record ID: the platform identifies responses itself.")
        context.notes.append(Problem(message, fields[0].number, "Variable / Field Name"))
        fields = fields[1:]
    several_forms = len({row.get("form") for row in fields}) > 1
    form, section = "", ""
    for row in fields:
        header = _plain(row.get("section"))
        if header or (several_forms and row.get("form") != form):
            section = _section(sections, header or row.get("form"), "" if header else row.get("form"), context.language)
            context.rows.setdefault(section, row.number)
        form = row.get("form")
        question = _question(context, row, section)
        if question is not None:
            questions.append(question)
    questions = _matrices(context, fields, questions)
    if not questions and not context.problems:
        context.problems.append(Problem(_("The data dictionary has no fields.")))
    if context.problems:
        raise ImportRefused(context.problems)
    notes = list(context.notes)
    if len(languages) > 1:
        message = _(
            "A REDCap data dictionary has one language: the questions are in %(language)s. Translate them into "
            "%(others)s in the builder; until then the launch checklist lists them."
        ) % {"language": languages[0], "others": ", ".join(languages[1:])}
        notes.append(Problem(message))
    return Plan({languages[0]: fallback_title}, sections, questions, context.rows, notes)


def _plain(text: str) -> str:
    """A REDCap label as plain text: HTML tags dropped, entities decoded, [field] piping as ${field}."""
    return FIELD.sub(r"${\1}", html.unescape(strip_tags(text))).strip()


def _section(sections: list[dict[str, Any]], title: str, key: str, language: str) -> str:
    base = (key or slugify(title).replace("-", "_"))[:50] or "section"
    taken = {section["key"] for section in sections}
    key, count = base, 1
    while key in taken:
        count += 1
        key = f"{base}_{count}"
    text = title.replace("_", " ").capitalize() if title == key else title
    sections.append({"key": key, "title": {language: text[:200]}})
    return key


def _question(context: _Context, row: Field, section: str) -> dict[str, Any] | None:
    kind = _kind(context, row)
    if kind is None:
        return None
    key = row.get("field")
    question = blank_question(key, kind)
    question["section"] = section
    label = _plain(row.get("label"))
    question["text"] = {context.language: label} if label else {}
    hint = _plain(row.get("note"))
    question["help_text"] = {context.language: hint} if hint else {}
    question["required"] = row.get("required").lower() in ("y", "yes", "1") and kind not in ("note", "calculated")
    _details(context, row, question)
    if row.get("branching"):
        question["conditions"], question["condition_match"] = _branching(context, row)
    if row.get("annotation"):
        message = _("Action tags (@HIDDEN, @DEFAULT…) are not read.")
        context.notes.append(Problem(message, row.number, "Field Annotation"))
    context.rows.setdefault(key, row.number)
    context.kinds[key] = kind
    return question


def _kind(context: _Context, row: Field) -> str | None:
    field_type = row.get("type").lower()
    if field_type == "text":
        validation = row.get("validation").lower()
        if validation == "integer" and row.get("field") in DERIVED_NUMBERS:
            return DERIVED_NUMBERS[row.get("field")]
        if validation in VALIDATIONS:
            return VALIDATIONS[validation]
        if validation == "number" or validation.startswith("number_"):
            message = _("Answers with decimals are not supported: use the validation integer.")
        else:
            message = _("The validation “%(validation)s” is not supported.") % {"validation": validation}
        context.problem(message, row, "Text Validation Type OR Show Slider Number")
        return None
    if field_type not in TYPES:
        message = _("The platform has no question of the type “%(type)s”.") % {"type": field_type or "-"}
        context.problem(message, row, "Field Type")
        return None
    return TYPES[field_type]


def _details(context: _Context, row: Field, question: dict[str, Any]) -> None:
    kind, field_type = question["kind"], row.get("type").lower()
    if field_type in ("yesno", "truefalse"):
        with override(context.language):
            words = (_("Yes"), _("No")) if field_type == "yesno" else (_("True"), _("False"))
        question["choices"] = [
            {"value": "1", "labels": {context.language: words[0]}},
            {"value": "0", "labels": {context.language: words[1]}},
        ]
    elif kind in CHOICE_KINDS:
        question["choices"] = _choices(context, row)
    elif kind == "calculated":
        try:
            question["calculation"] = parse_calculation(FIELD.sub(r"${\1}", row.get("choices")))
        except ExpressionError as error:
            message = _("This calculation cannot be imported: %(reason)s") % {"reason": error}
            context.problem(message, row, "Choices, Calculations, OR Slider Labels")
    elif kind == "slider":
        anchors = [_plain(part) for part in row.get("choices").split("|") if part.strip()]
        if anchors:
            question["help_text"] = {context.language: " · ".join(anchors)}
    if kind in ("number", "slider"):
        question["min_value"], question["max_value"] = _bounds(context, row, kind)
    elif kind == "age" and (row.get("min") or row.get("max")):
        message = _(
            "“age” is the platform's own age question (0 to 120): remove these bounds, and check ages with an "
            "eligibility rule such as age ≥ 18."
        )
        context.problem(message, row, "Text Validation Min")


def _choices(context: _Context, row: Field) -> list[dict[str, Any]]:
    choices = []
    for part in row.get("choices").split("|"):
        if not part.strip():
            continue
        value, comma, label = part.partition(",")
        if not comma:
            message = _("Write each choice as “code, label”, split by |: “%(part)s” has no comma.") % {
                "part": part.strip()[:40]
            }
            context.problem(message, row, "Choices, Calculations, OR Slider Labels")
            continue
        choices.append({"value": value.strip(), "labels": {context.language: _plain(label)}})
    return choices


def _bounds(context: _Context, row: Field, kind: str) -> tuple[int | None, int | None]:
    found: list[int | None] = []
    for name in ("min", "max"):
        text = row.get(name)
        if text and not re.fullmatch(r"-?\d+", text):
            context.problem(_("A bound is a whole number."), row, f"Text Validation {name.capitalize()}")
        found.append(int(text) if re.fullmatch(r"-?\d+", text) else None)
    low, high = found
    if kind == "slider":
        return (0 if low is None else low), (100 if high is None else high)
    return low, high


def _branching(context: _Context, row: Field) -> tuple[list[dict[str, Any]], str]:
    """REDCap's branching logic, rewritten as the XLSForm expression it means, then read as one."""
    text = CHECKBOX.sub(
        lambda m: (
            f"{'' if _ticked(m) else 'not('}selected(${{{m.group(1)}}}, '{m.group(2)}'){'' if _ticked(m) else ')'}"
        ),
        row.get("branching"),
    )
    text = FIELD.sub(r"${\1}", text).replace("<>", "!=")
    text = re.sub(r"\b(AND|OR)\b", lambda m: m.group(1).lower(), text)
    try:
        if "[" in text:
            raise ExpressionError(_("Events, instances and functions in brackets are not supported."))
        conditions, match = parse_relevant(text)
    except ExpressionError as error:
        message = _("This expression cannot be imported: %(reason)s") % {"reason": error}
        context.problem(message, row, "Branching Logic (Show field only if...)")
        return [], "all"
    for condition in conditions:
        kind = context.kinds.get(condition["key"], "")
        if condition["value"] is not None and kind in CHOICE_KINDS:
            condition["value"] = str(condition["value"])
        elif (
            kind in NUMBER_KINDS and isinstance(condition["value"], str) and re.fullmatch(r"-?\d+", condition["value"])
        ):
            condition["value"] = int(condition["value"])
    return conditions, match


def _ticked(match: re.Match[str]) -> bool:
    """`[q(2)] = '1'` and `[q(2)] <> '0'` mean ticked."""
    return (match.group(3) == "=") == (match.group(5) == "1")


def _matrices(context: _Context, fields: list[Field], questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fields of one matrix group named `<group>_<row>` with the same choices become one matrix question."""
    groups: dict[str, list[str]] = {}
    for row in fields:
        if row.get("matrix"):
            groups.setdefault(row.get("matrix"), []).append(row.get("field"))
    result, done = [], set()
    by_key = {question["key"]: question for question in questions}
    for question in questions:
        group = next((name for name, keys in groups.items() if question["key"] in keys), None)
        members = [by_key[key] for key in groups.get(group or "", []) if key in by_key]
        if group is None or not _matrix_fits(group, members):
            result.append(question)
            continue
        if group not in done:
            done.add(group)
            result.append(_matrix(context, group, members))
    return result


def _matrix_fits(group: str, members: list[dict[str, Any]]) -> bool:
    first = members[0]
    return all(
        member["kind"] == "single"
        and member["key"].startswith(group + "_")
        and member["choices"] == first["choices"]
        and member["conditions"] == first["conditions"]
        and member["section"] == first["section"]
        for member in members
    )


def _matrix(context: _Context, group: str, members: list[dict[str, Any]]) -> dict[str, Any]:
    first = members[0]
    question = blank_question(group, "matrix")
    question.update(
        section=first["section"],
        text={context.language: group.replace("_", " ").capitalize()},
        choices=first["choices"],
        conditions=first["conditions"],
        condition_match=first["condition_match"],
        required=all(member["required"] for member in members),
        rows=[{"key": member["key"][len(group) + 1 :], "labels": member["text"]} for member in members],
    )
    context.rows.setdefault(group, context.rows.get(first["key"], 0))
    return question
