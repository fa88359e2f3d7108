"""An XLSForm's rows as our questionnaire: sections and question dicts for
studies.services.questionnaires.import_questionnaire, or every problem found, by row and column.

Types: integer -> number, text -> short text (appearance multiline: long text), select_one -> single choice
(appearance likert: Likert), select_multiple -> multiple choice, date, time, note, calculate -> calculated value,
range -> slider, acknowledge -> confirmation; a top-level group -> a section; a field-list group of select_one rows
of one list -> a matrix (studies.xlsform.groups). The optional `platform_type` column, which our export writes,
restores what XLSForm has no type for (e-mail, phone, age, year of birth, country, language). Metadata rows
(start, end, today, deviceid…) are left out with a note: the platform records times itself and never devices.
Anything else the platform cannot hold is a problem on its row: nothing is dropped without saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import override

from studies.services.question_checks import blank_fields
from studies.xlsform.expressions import ExpressionError, parse_calculation, parse_constraint, parse_relevant
from studies.xlsform.groups import Group, build_tree, matrix_rows, type_words
from studies.xlsform.languages import code_of
from studies.xlsform.problems import ImportRefused, Problem
from studies.xlsform.reader import Row, Sheet, Workbook

PLAIN_TYPES = {
    "integer": "number",
    "text": "short_text",
    "select_one": "single",
    "select_multiple": "multiple",
    "date": "date",
    "time": "time",
    "note": "note",
    "calculate": "calculated",
    "range": "slider",
    "acknowledge": "confirm",
}
# What `platform_type` may turn an XLSForm type into.
REFINED = {
    "text": {"short_text", "long_text", "email", "phone"},
    "integer": {"number", "age", "birth_year"},
    "select_one": {"single", "likert", "country", "language"},
}
METADATA = frozenset(
    {"start", "end", "today", "deviceid", "imei", "subscriberid", "simserial", "phonenumber", "username", "email"}
    | {"audit", "start-geopoint", "background-geopoint", "background-audio"}
)
# An integer the platform derives values from by its name (studies.services.rules.DERIVED_KEYS): its own type.
DERIVED_NUMBERS = {"age": "age"}
CHOICE_KINDS = frozenset({"single", "multiple", "likert"})
NUMBER_KINDS = frozenset({"number", "age", "birth_year", "slider", "calculated"})
TEXT_KINDS = frozenset({"short_text", "long_text", "email", "phone"})
NO_ANSWER = frozenset({"note", "calculated"})
# Columns that change what a form does, which the platform cannot do: a value there is a problem on its row.
UNSUPPORTED_COLUMNS = frozenset(
    {"choice_filter", "repeat_count", "default", "trigger", "read_only", "image", "big-image", "audio", "video"}
)
READ_COLUMNS = frozenset(
    {"type", "name", "label", "hint", "required", "relevant", "constraint", "constraint_message", "calculation"}
    | {"appearance", "parameters", "platform_type"}
)
TRANSLATED = frozenset({"label", "hint", "constraint_message"})
YES = frozenset({"yes", "true", "1", "true()"})
NO = frozenset({"", "no", "false", "0", "false()"})
PARAMETER = re.compile(r"([a-z_]+)\s*=\s*(-?\d+(?:\.\d+)?)")


def blank_question(key: str, kind: str) -> dict[str, Any]:
    """A question dict with every field import_questionnaire reads, at its default."""
    return {**blank_fields(key, kind), "section": ""}


@dataclass
class Plan:
    """What to create: the title, sections and questions in order; `rows` says where each question (and section)
    key was written, for problems the service finds; `notes` what was left aside, for the team member to read."""

    title: dict[str, str]
    sections: list[dict[str, Any]]
    questions: list[dict[str, Any]]
    rows: dict[str, int]
    notes: list[Problem] = field(default_factory=list)


@dataclass
class _Context:
    languages: list[str]
    spoken: dict[str, str]  # the language part of a column as written ("" for a plain column) -> study language
    choices: dict[str, list[Row]]
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # earlier answer names -> their type
    rows: dict[str, int] = field(default_factory=dict)

    def problem(self, message: str, row: Row | None = None, column: str = "", sheet: str = "survey") -> None:
        self.problems.append(Problem(message, row.number if row else None, column, sheet))

    def texts(self, row: Row, base: str) -> dict[str, str]:
        found = {}
        for column, value in row.cells.items():
            name, _separator, written = column.partition("::")
            if name == base and written.strip() in self.spoken:
                found[self.spoken[written.strip()]] = value
        return found


def map_xlsform(book: Workbook, *, languages: list[str], fallback_title: str) -> Plan:
    """The questionnaire the workbook describes, in the study's `languages`; ImportRefused lists every problem."""
    settings = book.sheets["settings"].rows[0] if "settings" in book.sheets and book.sheets["settings"].rows else None
    context = _Context(languages, {}, {}, notes=list(book.notes))
    _read_languages(context, book, settings)
    _read_choices(context, book.sheets.get("choices"))
    survey = book.sheets["survey"]
    _check_columns(context, survey)
    tree = build_tree(survey.rows, context.problems)
    sections: list[dict[str, Any]] = []
    questions: list[dict[str, Any]] = []
    loose = ""  # the section holding questions written between or after groups
    for node in tree:
        if isinstance(node, Row):
            if sections and not loose:
                loose = _loose_section(context, node, sections)
            questions += _row_questions(context, node, section=loose, outer=([], "all"))
        else:
            _top_group(context, node, sections, questions)
            loose = ""
    if not questions and not context.problems:
        context.problem(_("The survey sheet has no questions."))
    if context.problems:
        raise ImportRefused(context.problems)
    title = (settings.get("form_title") if settings else "") or fallback_title
    return Plan({languages[0]: title[:200]}, sections, questions, context.rows, context.notes)


def _read_languages(context: _Context, book: Workbook, settings: Row | None) -> None:
    default = code_of(settings.get("default_language")) if settings and settings.get("default_language") else None
    context.spoken[""] = default or context.languages[0]
    found = set()
    for sheet in (book.sheets[name] for name in ("survey", "choices") if name in book.sheets):
        for column in sheet.columns:
            base, separator, written = column.partition("::")
            if not separator or base not in TRANSLATED:
                continue
            code = code_of(written)
            if code is None:
                message = _("Name the language as %(base)s::Español (es): the code in brackets.") % {"base": base}
                context.problems.append(Problem(message, 1, column, sheet.name))
                continue
            if code not in context.languages:
                context.notes.append(
                    Problem(_("This study is not in this language: the column was not read."), 1, column, sheet.name)
                )
                continue
            context.spoken[written.strip()] = code
            if base == "label" and sheet.name == "survey":
                found.add(code)
    if "label" in book.sheets["survey"].columns:
        found.add(context.spoken[""])
    for code in context.languages:
        if code not in found:
            context.problem(
                _("The study is also in “%(code)s”: add a column label::%(code)s, such as label::Español (es).")
                % {"code": code}
            )


def _read_choices(context: _Context, sheet: Sheet | None) -> None:
    if sheet is None:
        return
    for row in sheet.rows:
        list_name = row.get("list_name") or row.get("list name")
        if not list_name:
            context.problem(_("This choice has no list_name."), row, "list_name", "choices")
            continue
        context.choices.setdefault(list_name, []).append(row)


def _check_columns(context: _Context, survey: Sheet) -> None:
    for column in survey.columns:
        base = column.partition("::")[0]
        if column and base not in READ_COLUMNS and base not in UNSUPPORTED_COLUMNS:
            context.notes.append(Problem(_("The platform has no use for this column: it was not read."), 1, column))
    for row in survey.rows:
        for column in row.cells:
            if column.partition("::")[0] in UNSUPPORTED_COLUMNS:
                context.problem(_("The platform cannot do what this column asks."), row, column)


def _loose_section(context: _Context, row: Row, sections: list[dict[str, Any]]) -> str:
    """Questions after a group need a section of their own (only those before the first section have none)."""
    taken = {section["key"] for section in sections} | {key for key in context.rows}
    number = len(sections) + 1
    while f"part_{number}" in taken:
        number += 1
    title = {}
    for language in context.languages:
        with override(language):
            title[language] = _("Part %(number)d") % {"number": number}
    sections.append({"key": f"part_{number}", "title": title})
    context.rows.setdefault(f"part_{number}", row.number)
    message = _("The questions from here to the next group form a section, “%(title)s”: rename it in the builder.")
    context.notes.append(Problem(message % {"title": title[context.languages[0]]}, row.number, "type", "survey"))
    return f"part_{number}"


def _top_group(context: _Context, group: Group, sections: list[dict[str, Any]], questions: list[dict]) -> None:
    outer = _relevant(context, group.begin)
    if matrix_rows(group) is not None:
        questions += _matrix(context, group, section="", outer=outer)
        return
    key = group.name
    if not key:
        context.problem(_("This group needs a name."), group.begin, "name")
    title = context.texts(group.begin, "label") or {language: key for language in context.languages}
    sections.append({"key": key, "title": title})
    context.rows.setdefault(key, group.begin.number)
    for child in group.children:
        if isinstance(child, Row):
            questions += _row_questions(context, child, section=key, outer=outer)
        elif matrix_rows(child) is not None:
            questions += _matrix(context, child, section=key, outer=_merge(context, child.begin, outer))
        else:
            message = _("A group inside a group can only be a matrix (a field-list of select_one rows of one list).")
            context.problem(message, child.begin, "type")


def _relevant(context: _Context, row: Row) -> tuple[list[dict[str, Any]], str]:
    text = row.get("relevant")
    if not text:
        return [], "all"
    try:
        conditions, match = parse_relevant(text)
    except ExpressionError as error:
        context.problem(_("This expression cannot be imported: %(reason)s") % {"reason": error}, row, "relevant")
        return [], "all"
    return [_coerce(context, condition) for condition in conditions], match


def _coerce(context: _Context, condition: dict[str, Any]) -> dict[str, Any]:
    """A compared value as the answers hold it: choice values are text, numbers are numbers."""
    kind, value = context.kinds.get(condition["key"], ""), condition["value"]
    if value is None:
        return condition
    if kind in CHOICE_KINDS or kind in ("country", "language"):
        value = str(value)
    elif kind in NUMBER_KINDS and isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
        value = float(value) if "." in value else int(value)
    return {**condition, "value": value}


def _merge(context: _Context, row: Row, outer: tuple[list[dict[str, Any]], str]) -> tuple[list[dict[str, Any]], str]:
    """The row's own `relevant` joined to its group's: both must hold, so both must be "all" (or one condition)."""
    inner = _relevant(context, row)
    if not outer[0]:
        return inner
    if not inner[0]:
        return outer
    if (outer[1] == "any" and len(outer[0]) > 1) or (inner[1] == "any" and len(inner[0]) > 1):
        message = _("Its group is shown under other conditions: the platform cannot combine “or” with them.")
        context.problem(message, row, "relevant")
        return inner
    return [*outer[0], *inner[0]], "all"


def _row_questions(
    context: _Context, row: Row, *, section: str, outer: tuple[list[dict[str, Any]], str]
) -> list[dict[str, Any]]:
    words = type_words(row)
    kind = _kind(context, row, words)
    if kind is None:
        return []
    question = blank_question(row.get("name"), kind)
    if not question["key"]:
        context.problem(_("Every question needs a name."), row, "name")
        return []
    question["section"] = section
    question["text"] = context.texts(row, "label")
    question["help_text"] = context.texts(row, "hint")
    question["required"] = _required(context, row) and kind not in NO_ANSWER
    question["conditions"], question["condition_match"] = _merge(context, row, outer)
    _kind_fields(context, row, words, question)
    context.rows.setdefault(question["key"], row.number)
    context.kinds[question["key"]] = kind
    return [question]


def _kind(context: _Context, row: Row, words: list[str]) -> str | None:
    if not words:
        context.problem(_("This row has no type."), row, "type")
        return None
    word = words[0]
    if word in METADATA:
        message = _("Left out: the platform records when a questionnaire is started and sent, and never devices.")
        context.notes.append(Problem(message, row.number, "type", "survey"))
        return None
    if word not in PLAIN_TYPES:
        context.problem(_unsupported_type(word), row, "type")
        return None
    kind = PLAIN_TYPES[word]
    refined = row.get("platform_type")
    if refined:
        if refined not in REFINED.get(word, set()):
            message = _("“%(refined)s” does not fit the type “%(type)s”.") % {"refined": refined, "type": word}
            context.problem(message, row, "platform_type")
            return None
        return refined
    appearance = row.get("appearance").lower().split()
    if kind == "number" and row.get("name") in DERIVED_NUMBERS:
        return DERIVED_NUMBERS[row.get("name")]
    if kind == "short_text" and "multiline" in appearance:
        return "long_text"
    if kind == "single" and "likert" in appearance:
        return "likert"
    return kind


def _unsupported_type(word: str) -> str:
    if word == "decimal":
        return _("Answers with decimals are not supported: use integer.")
    if word in ("begin_repeat", "end_repeat"):
        return _("Repeated groups are not supported: ask each question once.")
    if word.endswith(("_from_file", "_external")):
        return _("Choices from a file are not supported: list them on the choices sheet.")
    return _("The platform has no question of the type “%(type)s”.") % {"type": word}


def _required(context: _Context, row: Row) -> bool:
    value = row.get("required").strip().lower()
    if value in YES:
        return True
    if value not in NO:
        context.problem(_("Write yes or no here: a condition cannot decide it."), row, "required")
    return False


def _kind_fields(context: _Context, row: Row, words: list[str], question: dict[str, Any]) -> None:
    kind = question["kind"]
    if kind in CHOICE_KINDS:
        question["choices"] = _choices(context, row, words)
    elif len(words) > 1 and kind not in ("country", "language"):
        context.problem(_("Only select_one and select_multiple name a list after the type."), row, "type")
    if kind == "calculated":
        _calculation(context, row, question)
    elif row.get("calculation"):
        context.problem(_("Only a calculate row has a calculation."), row, "calculation")
    if kind == "slider":
        _slider(context, row, question)
    if row.get("constraint"):
        _constraint(context, row, question)


def _choices(context: _Context, row: Row, words: list[str]) -> list[dict[str, Any]]:
    if len(words) != 2:
        message = _("Write the type as select_one list_name: “or_other” and other words are not supported.")
        context.problem(message, row, "type")
        return []
    rows = context.choices.get(words[1])
    if rows is None:
        context.problem(_("The choices sheet has no list “%(list)s”.") % {"list": words[1]}, row, "type")
        return []
    return [{"value": choice.get("name"), "labels": context.texts(choice, "label")} for choice in rows]


def _calculation(context: _Context, row: Row, question: dict[str, Any]) -> None:
    try:
        question["calculation"] = parse_calculation(row.get("calculation"))
    except ExpressionError as error:
        context.problem(_("This expression cannot be imported: %(reason)s") % {"reason": error}, row, "calculation")


def _slider(context: _Context, row: Row, question: dict[str, Any]) -> None:
    text = row.get("parameters").lower()
    found = {name: value for name, value in PARAMETER.findall(text)}
    leftover = PARAMETER.sub("", text).replace(",", " ").replace(";", " ").strip()
    if leftover or set(found) - {"start", "end", "step"} or found.get("step", "1") not in ("1", "1.0"):
        message = _("A slider takes whole numbers from start to end in steps of 1, such as start=0 end=100 step=1.")
        context.problem(message, row, "parameters")
        return
    try:
        question["min_value"], question["max_value"] = int(found.get("start", "1")), int(found.get("end", "10"))
    except ValueError:
        context.problem(_("The start and end of a slider are whole numbers."), row, "parameters")


def _constraint(context: _Context, row: Row, question: dict[str, Any]) -> None:
    kind = question["kind"]
    if kind == "age":
        message = _(
            "“age” is the platform's own age question (0 to 120): remove this constraint, and check ages with an "
            "eligibility rule such as age ≥ 18."
        )
        context.problem(message, row, "constraint")
        return
    if kind not in NUMBER_KINDS - {"slider", "calculated"} and kind not in TEXT_KINDS:
        context.problem(_("The platform checks numbers and texts only: remove this constraint."), row, "constraint")
        return
    try:
        found = parse_constraint(row.get("constraint"))
    except ExpressionError as error:
        context.problem(_("This expression cannot be imported: %(reason)s") % {"reason": error}, row, "constraint")
        return
    for name in ("min_value", "max_value"):
        value = getattr(found, name)
        if value is not None and not isinstance(value, int):
            context.problem(_("The platform's numbers are whole: use a whole bound."), row, "constraint")
            return
    for name in ("min_value", "max_value", "min_length", "max_length", "pattern"):
        if getattr(found, name) not in (None, ""):
            question[name] = getattr(found, name)
    question["validation_message"] = context.texts(row, "constraint_message")


def _matrix(
    context: _Context, group: Group, *, section: str, outer: tuple[list[dict[str, Any]], str]
) -> list[dict[str, Any]]:
    children = matrix_rows(group) or []
    question = blank_question(group.name, "matrix")
    question["section"] = section
    question["text"] = context.texts(group.begin, "label")
    question["help_text"] = context.texts(group.begin, "hint")
    question["conditions"], question["condition_match"] = outer
    question["required"] = all(_required(context, child) for child in children)
    question["choices"] = _choices(context, children[0], type_words(children[0])) if children else []
    question["rows"] = [
        {"key": child.get("name")[len(group.name) + 1 :], "labels": context.texts(child, "label")} for child in children
    ]
    context.rows.setdefault(question["key"], group.begin.number)
    for child in children:
        context.rows.setdefault(child.get("name"), child.number)
        context.kinds[child.get("name")] = "single"
    return [question]
