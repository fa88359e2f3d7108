"""Checks of the questionnaire sections: `screening` and the later-stage `questionnaires`.

The shape (which names, which kinds of value) is checked here; what a question may hold is the questionnaire
builder's own check (`studies.services.question_checks.question_errors`), so a file cannot make a question the pages
would refuse. Its messages name a form field; `FIELD_PATHS` says where that field is in the file.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from seeds.setup import checks as c
from seeds.setup.shapes import question_values
from studies.models import Question, Questionnaire
from studies.services.question_checks import QuestionFields, question_errors

OPTIONAL_KEYS = (
    "help_text",
    "choices",
    "required",
    "min_value",
    "max_value",
    "show_if_key",
    "show_if_values",
    "conditions",
    "condition_match",
    "rows",
    "calculation",
    "min_length",
    "max_length",
    "pattern",
    "validation_message",
    "section",
    "risk_item",
    "risk_values",
    "attention_check",
    "attention_answer",
)
# The builder's field names in the file: the rest are the same, or one text per language (text_en → text.en).
FIELD_PATHS = {"is_risk_item": "risk_item", "is_attention_check": "attention_check"}
# A condition's problem is reported on `conditions` (or, in a file written before conditions, on `show_if_key`).
INT_MIN = -(2**31)


def check_questionnaire(
    problems: c.Problems, path: str, value: Any, languages: list[str], *, screening: bool
) -> list[Question] | None:
    """The questionnaire's questions as unsaved rows (for the rule and quota checks); None when any is unsound."""
    extra = () if screening else ("kind", "available_from")
    data = c.mapping(
        problems, path, value, required=("title", "questions", *extra), optional=("min_completion_seconds", "sections")
    )
    if data is None:
        return None
    c.per_language(problems, c.at(path, "title"), data.get("title"), languages, max_length=200)
    if "min_completion_seconds" in data:
        c.integer(problems, c.at(path, "min_completion_seconds"), data["min_completion_seconds"], high=86400)
    if not screening:
        _stage_fields(problems, path, data)
    sections = _sections(problems, c.at(path, "sections"), data.get("sections", []), languages)
    where = c.at(path, "questions")
    questions = c.sequence(problems, where, data.get("questions"))
    if questions is None:
        return None
    before = len(problems.items)
    rows: list[Question] = []
    for index, question in enumerate(questions):
        fields = _fields(problems, c.at(where, index), question)
        if fields is None:
            continue
        section = question.get("section", "")
        if section and section not in sections:
            problems.add(c.at(c.at(where, index), "section"), _("No section has this key."))
        for field, message in question_errors(fields=fields, languages=languages, earlier=rows, others=rows):
            problems.add(_field_path(c.at(where, index), field), message)
        rows.append(Question(**fields))
    return rows if len(problems.items) == before else None


def _sections(problems: c.Problems, path: str, value: Any, languages: list[str]) -> list[str]:
    """The section keys, in order (each section: key and title per language)."""
    keys = []
    for index, item in enumerate(c.sequence(problems, path, value) or []):
        section = c.mapping(problems, c.at(path, index), item, required=("key", "title"))
        if section is None:
            continue
        c.text(problems, c.at(c.at(path, index), "key"), section.get("key"), max_length=60)
        c.per_language(problems, c.at(c.at(path, index), "title"), section.get("title"), languages, max_length=200)
        keys.append(str(section.get("key")))
    return keys


def check_questionnaires(problems: c.Problems, path: str, value: Any, languages: list[str]) -> None:
    for index, item in enumerate(c.sequence(problems, path, value) or []):
        check_questionnaire(problems, c.at(path, index), item, languages, screening=False)


def question_fields(question: dict[str, Any]) -> QuestionFields:
    """A question of a valid file as the builder's fields."""
    values = question_values(question, 0)
    return QuestionFields(
        key=question["key"],
        kind=values["kind"],
        required=values["required"],
        text=values["text"],
        help_text=values["help_text"],
        choices=values["choices"],
        min_value=values["min_value"],
        max_value=values["max_value"],
        conditions=values["conditions"],
        condition_match=values["condition_match"],
        rows=values["rows"],
        calculation=values["calculation"],
        min_length=values["min_length"],
        max_length=values["max_length"],
        pattern=values["pattern"],
        validation_message=values["validation_message"],
        section_id=None,
        is_risk_item=values["is_risk_item"],
        risk_values=values["risk_values"],
        is_attention_check=values["is_attention_check"],
        attention_answer=values["attention_answer"],
    )


def _stage_fields(problems: c.Problems, path: str, data: dict[str, Any]) -> None:
    later = [kind for kind in Questionnaire.Kind.values if kind != Questionnaire.Kind.SCREENING]
    if data.get("kind") not in later:
        problems.add(c.at(path, "kind"), _("Expected one of: %(values)s.") % {"values": ", ".join(later)})
    if data.get("available_from") not in Questionnaire.Stage.values:
        stages = ", ".join(Questionnaire.Stage.values)
        problems.add(c.at(path, "available_from"), _("Expected one of: %(values)s.") % {"values": stages})


def _fields(problems: c.Problems, path: str, value: Any) -> QuestionFields | None:
    """The question's fields when every one has the right kind of value, else None (each problem reported)."""
    data = c.mapping(problems, path, value, required=("key", "kind", "text"), optional=OPTIONAL_KEYS)
    if data is None:
        return None
    before = len(problems.items)
    c.text(problems, c.at(path, "key"), data.get("key"), max_length=60)
    c.text(problems, c.at(path, "kind"), data.get("kind"), max_length=16)
    for name in ("text", "help_text"):
        _texts(problems, c.at(path, name), data.get(name, {}))
    for name in ("required", "risk_item", "attention_check"):
        if name in data:
            c.boolean(problems, c.at(path, name), data[name])
    for name in ("min_value", "max_value"):
        if data.get(name) is not None:
            c.integer(problems, c.at(path, name), data[name], low=INT_MIN)
    c.text(problems, c.at(path, "show_if_key"), data.get("show_if_key", ""), max_length=60, blank=True)
    _logic_shapes(problems, path, data)
    c.text(problems, c.at(path, "attention_answer"), data.get("attention_answer", ""), max_length=120, blank=True)
    for name in ("show_if_values", "risk_values"):
        _values(problems, c.at(path, name), data.get(name, []))
    _choices(problems, c.at(path, "choices"), data.get("choices", []))
    return question_fields(data) if len(problems.items) == before else None


def _logic_shapes(problems: c.Problems, path: str, data: dict[str, Any]) -> None:
    for index, item in enumerate(c.sequence(problems, c.at(path, "conditions"), data.get("conditions", [])) or []):
        c.mapping(problems, c.at(c.at(path, "conditions"), index), item, required=("key", "op"), optional=("value",))
    for index, item in enumerate(c.sequence(problems, c.at(path, "rows"), data.get("rows", [])) or []):
        row = c.mapping(problems, c.at(c.at(path, "rows"), index), item, required=("key", "labels"))
        if row is not None:
            _texts(problems, c.at(c.at(c.at(path, "rows"), index), "labels"), row.get("labels"))
    for name in ("calculation", "pattern", "section", "condition_match"):
        c.text(problems, c.at(path, name), data.get(name, ""), max_length=500, blank=True)
    for name in ("min_length", "max_length"):
        if data.get(name) is not None:
            c.integer(problems, c.at(path, name), data[name], low=0)
    _texts(problems, c.at(path, "validation_message"), data.get("validation_message", {}))


def _texts(problems: c.Problems, path: str, value: Any) -> None:
    """Texts by language; which languages are needed is the builder's check."""
    if not isinstance(value, dict):
        problems.add(path, _("Expected texts by language (en: …)."))
        return
    for language, item in value.items():
        c.text(problems, c.at(path, str(language)), item, max_length=500, blank=True)


def _values(problems: c.Problems, path: str, value: Any) -> None:
    for index, item in enumerate(c.sequence(problems, path, value) or []):
        c.text(problems, c.at(path, index), item, max_length=60)


def _choices(problems: c.Problems, path: str, value: Any) -> None:
    for index, choice in enumerate(c.sequence(problems, path, value) or []):
        item = c.mapping(problems, c.at(path, index), choice, required=("value", "labels"))
        if item is not None:
            c.text(problems, c.at(c.at(path, index), "value"), item.get("value"), max_length=60)
            _texts(problems, c.at(c.at(path, index), "labels"), item.get("labels"))


def _field_path(path: str, field: str) -> str:
    for prefix, name in (("text_", "text"), ("help_", "help_text"), ("message_", "validation_message")):
        if field.startswith(prefix):
            return c.at(c.at(path, name), field.removeprefix(prefix))
    return c.at(path, FIELD_PATHS.get(field, field))
