"""Checking a question before it is saved: key, texts per study language, choices, range, skip logic, risk and
attention settings.

The question form calls `question_errors` to show every problem at once, each beside its field; the services call
it again under the questionnaire's lock, so that what is written is sound whoever sends it. A later importer
(XLSForm, issue #21) can hand it the same `QuestionFields`.
"""

from __future__ import annotations

import re
from typing import Any, TypedDict

import regex
from django.utils.translation import gettext as _

from studies.logic import LogicError, answer_names, condition_errors, parse_calculation, references, tree_refs
from studies.models import Question
from studies.services.rules import CHOICE_KINDS, DERIVED_KEYS, Target, possible_values, question_target, targets_of

Kind = Question.Kind
KEY = re.compile(r"[-a-zA-Z0-9_]{1,60}")
# Choice values are what rules, quotas and exports hold: short and plain, like keys.
CHOICE_VALUE = re.compile(r"[-a-zA-Z0-9_.]{1,60}")
RANGE_KINDS = frozenset({Kind.NUMBER, Kind.LIKERT, Kind.SLIDER})
TEXT_KINDS = frozenset({Kind.SHORT_TEXT, Kind.LONG_TEXT})
PATTERN_KINDS = frozenset({Kind.SHORT_TEXT, Kind.LONG_TEXT, Kind.PHONE, Kind.EMAIL})
# What a calculation may add up: answers that are numbers, or choices whose values are.
NUMERIC_KINDS = frozenset({Kind.NUMBER, Kind.SLIDER, Kind.AGE, Kind.BIRTH_YEAR, Kind.CALCULATED, *CHOICE_KINDS})
MAX_SCALE_POINTS = 11


class QuestionFields(TypedDict):
    """Everything a team member sets on a question (position aside: it follows from where the question is)."""

    key: str
    kind: str
    required: bool
    text: dict[str, str]
    help_text: dict[str, str]
    choices: list[dict[str, Any]]
    min_value: int | None
    max_value: int | None
    conditions: list[dict[str, Any]]
    condition_match: str
    rows: list[dict[str, Any]]
    calculation: str
    min_length: int | None
    max_length: int | None
    pattern: str
    validation_message: dict[str, str]
    section_id: int | None
    is_risk_item: bool
    risk_values: list[str]
    is_attention_check: bool
    attention_answer: str


def blank_fields(key: str, kind: str) -> QuestionFields:
    """A question's fields at their defaults (not required, no texts, no logic): importers and tests fill in the
    rest."""
    return QuestionFields(
        key=key,
        kind=kind,
        required=False,
        text={},
        help_text={},
        choices=[],
        min_value=None,
        max_value=None,
        conditions=[],
        condition_match="all",
        rows=[],
        calculation="",
        min_length=None,
        max_length=None,
        pattern="",
        validation_message={},
        section_id=None,
        is_risk_item=False,
        risk_values=[],
        is_attention_check=False,
        attention_answer="",
    )


FieldError = tuple[str, str]  # (form field name, message); "text_<language>" for a text in one language


def fields_of(question: Question) -> QuestionFields:
    """A saved question's fields, as the form and the services exchange them."""
    return QuestionFields(
        key=question.key,
        kind=question.kind,
        required=question.required,
        text=dict(question.text),
        help_text=dict(question.help_text or {}),
        choices=[dict(choice) for choice in question.choices],
        min_value=question.min_value,
        max_value=question.max_value,
        conditions=[dict(condition) for condition in question.conditions],
        condition_match=question.condition_match,
        rows=[dict(row) for row in question.rows],
        calculation=question.calculation,
        min_length=question.min_length,
        max_length=question.max_length,
        pattern=question.pattern,
        validation_message=dict(question.validation_message or {}),
        section_id=question.section_id,
        is_risk_item=question.is_risk_item,
        risk_values=[str(value) for value in question.risk_values],
        is_attention_check=question.is_attention_check,
        attention_answer=question.attention_answer,
    )


def question_errors(
    *, fields: QuestionFields, languages: list[str], earlier: list[Question], others: list[Question]
) -> list[FieldError]:
    """Every problem with these fields: `earlier` are the questions asked before this one (skip logic may depend
    on them only), `others` every other question of the questionnaire (keys are unique)."""
    draft = Question(**fields)
    return [
        *_key_errors(fields, others),
        *_text_errors(fields, languages),
        *_choice_errors(fields, languages),
        *_range_errors(fields),
        *_row_errors(fields, languages, others),
        *_validation_errors(fields, languages),
        *logic_errors(fields, earlier),
        *_risk_errors(fields, question_target(draft)),
        *_attention_errors(fields, question_target(draft)),
    ]


def key_errors(*, key: str, kind: str, others: list[Question]) -> list[str]:
    """Why a question cannot take this key (also for a duplicate's new key)."""
    if not KEY.fullmatch(key):
        return [_("Use letters, digits, - and _ only (at most 60), such as used_chatbot.")]
    if any(other.key == key for other in others):
        return [_("Another question already uses this key.")]
    if key in DERIVED_KEYS and kind not in DERIVED_KEYS[key]:
        return [_("“%(key)s” is a value the platform derives from the answers; pick another key.") % {"key": key}]
    return []


def _key_errors(fields: QuestionFields, others: list[Question]) -> list[FieldError]:
    if fields["kind"] not in Kind.values:
        return [("kind", _("Pick a type from the list."))]
    return [("key", message) for message in key_errors(key=fields["key"], kind=fields["kind"], others=others)]


def _text_errors(fields: QuestionFields, languages: list[str]) -> list[FieldError]:
    if fields["kind"] == Kind.CALCULATED and not any(fields["text"].values()):
        return []  # a value computed for the team, not shown to participants
    errors = [
        (f"text_{language}", _("Write the question in this language too: every study language needs it."))
        for language in languages
        if not fields["text"].get(language, "").strip()
    ]
    helps = {language for language in languages if fields["help_text"].get(language, "").strip()}
    errors += [
        (f"help_{language}", _("Write the help in every study language, or in none."))
        for language in languages
        if helps and language not in helps
    ]
    return errors


def _choice_errors(fields: QuestionFields, languages: list[str]) -> list[FieldError]:
    choices, kind = fields["choices"], fields["kind"]
    if kind not in CHOICE_KINDS and kind != Kind.MATRIX:
        message = _("Only single-choice, multiple-choice and Likert questions have choices: empty this box.")
        return [("choices", message)] if choices else []
    if not choices and kind != Kind.LIKERT:
        return [("choices", _("This type of question needs at least one choice."))]
    values = [str(choice.get("value", "")) for choice in choices]
    errors = [
        _("“%(value)s” cannot be a choice value: use letters, digits, -, _ and . only.") % {"value": value}
        for value in values
        if not CHOICE_VALUE.fullmatch(value)
    ]
    doubled = sorted({value for value in values if values.count(value) > 1})
    if doubled:
        errors.append(_("Each choice needs its own value; used twice: %(values)s.") % {"values": ", ".join(doubled)})
    for value, choice in zip(values, choices, strict=True):
        missing = [language for language in languages if not str(choice.get("labels", {}).get(language, "")).strip()]
        if missing:
            errors.append(
                _("The choice “%(value)s” has no label in: %(languages)s.")
                % {"value": value, "languages": ", ".join(missing)}
            )
    return [("choices", message) for message in errors]


def _range_errors(fields: QuestionFields) -> list[FieldError]:
    low, high, kind = fields["min_value"], fields["max_value"], fields["kind"]
    if low is None and high is None:
        return []
    if kind not in RANGE_KINDS:
        return [("min_value", _("Only number and Likert questions have a lowest and highest answer."))]
    if low is not None and high is not None and low > high:
        return [("max_value", _("The highest answer cannot be below the lowest."))]
    if kind != Kind.LIKERT:
        return []
    if fields["choices"]:
        return [("min_value", _("A Likert question with choices takes its points from them: leave the range empty."))]
    if low is None or high is None or low == high:
        return [("min_value", _("A scale needs its lowest and its highest point."))]
    # studies.forms.screening reads an empty or 0 lowest point as 1.
    if low == 0:
        return [("min_value", _("Start the scale at 1, or at a negative number."))]
    if high - low + 1 > MAX_SCALE_POINTS:
        return [("max_value", _("A scale has at most %(count)d points.") % {"count": MAX_SCALE_POINTS})]
    return []


def earlier_answers(earlier: list[Question]) -> dict[str, tuple[str, frozenset[str] | None]]:
    """Each answer name the earlier questions give (a matrix gives one per row): its type and its possible values
    (None: any)."""
    names: dict[str, tuple[str, frozenset[str] | None]] = {}
    for question in earlier:
        target = question_target(question)
        allowed = target.allowed if target is not None else None
        if question.kind == Kind.MATRIX:
            row_targets = targets_of([question])
            for name in answer_names(question):
                names[name] = (Kind.SINGLE, row_targets[name].allowed)
        elif question.kind != Kind.NOTE:
            names[question.key] = (question.kind, allowed)
    return names


def logic_errors(fields: QuestionFields, earlier: list[Question]) -> list[FieldError]:
    """Skip conditions, a calculation and piped answers may name only earlier answers, each in a way that fits."""
    names = earlier_answers(earlier)
    kinds = {name: kind for name, (kind, _allowed) in names.items()}
    errors: list[FieldError] = []
    if fields["condition_match"] not in ("all", "any"):
        errors.append(("conditions", _("Say whether all or any of the conditions must hold.")))
    values = {name: allowed for name, (_kind, allowed) in names.items()}
    errors += [("conditions", message) for message in condition_errors(fields["conditions"], kinds, values)]
    errors += _calculation_errors(fields, kinds)
    for language, text in fields["text"].items():
        unknown = [key for key in references(text) if key not in names]
        if unknown:
            message = _("“%(key)s” is not an earlier question, so its answer cannot be shown here.") % {
                "key": unknown[0]
            }
            errors.append((f"text_{language}", message))
    return errors


def _calculation_errors(fields: QuestionFields, kinds: dict[str, str]) -> list[FieldError]:
    calculation = fields["calculation"].strip()
    if fields["kind"] != Kind.CALCULATED:
        return [("calculation", _("Only a calculated value has a calculation: empty this box."))] if calculation else []
    try:
        tree = parse_calculation(calculation)
    except LogicError as error:
        return [("calculation", str(error))]
    for key in tree_refs(tree):
        if key not in kinds:
            message = _("“%(key)s” is not an earlier question: a calculation adds up answers given before it.")
            return [("calculation", message % {"key": key})]
        if kinds[key] not in NUMERIC_KINDS:
            return [("calculation", _("“%(key)s” is not answered with a number.") % {"key": key})]
    return []


def _row_errors(fields: QuestionFields, languages: list[str], others: list[Question]) -> list[FieldError]:
    rows = fields["rows"]
    if fields["kind"] != Kind.MATRIX:
        return [("rows", _("Only a matrix has rows: empty this box."))] if rows else []
    if not rows:
        return [("rows", _("A matrix needs at least one row."))]
    keys = [str(row.get("key", "")) for row in rows]
    taken = {name for other in others for name in answer_names(other)}
    errors = []
    for key, row in zip(keys, rows, strict=True):
        name = f"{fields['key']}_{key}"
        if not CHOICE_VALUE.fullmatch(key) or "." in key:
            errors.append(_("“%(value)s” cannot be a row key: use letters, digits, - and _ only.") % {"value": key})
        elif keys.count(key) > 1 or name in taken:
            errors.append(_("The row key “%(value)s” is used twice.") % {"value": key})
        missing = [language for language in languages if not str(row.get("labels", {}).get(language, "")).strip()]
        if missing:
            errors.append(
                _("The row “%(value)s” has no label in: %(languages)s.")
                % {"value": key, "languages": ", ".join(missing)}
            )
    return [("rows", message) for message in errors]


def _validation_errors(fields: QuestionFields, languages: list[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    low, high = fields["min_length"], fields["max_length"]
    if (low is not None or high is not None) and fields["kind"] not in TEXT_KINDS:
        errors.append(("min_length", _("Only text answers have a shortest and longest length.")))
    elif low is not None and high is not None and low > high:
        errors.append(("max_length", _("The longest answer cannot be shorter than the shortest.")))
    elif high is not None and high > (4000 if fields["kind"] == Kind.LONG_TEXT else 200):
        errors.append(("max_length", _("A short text has at most 200 characters, a long text 4000.")))
    if fields["pattern"]:
        if fields["kind"] not in PATTERN_KINDS:
            errors.append(("pattern", _("Only text, e-mail and phone answers can be checked against a pattern.")))
        else:
            try:
                regex.compile(fields["pattern"])
            except regex.error:
                errors.append(("pattern", _("This pattern is not a valid regular expression.")))
    messages = {language for language in languages if fields["validation_message"].get(language, "").strip()}
    if messages and messages != set(languages):
        errors += [
            (f"message_{language}", _("Write the message in every study language, or in none."))
            for language in languages
            if language not in messages
        ]
    return errors


def _risk_errors(fields: QuestionFields, target: Target | None) -> list[FieldError]:
    values = fields["risk_values"]
    if not fields["is_risk_item"]:
        return [("risk_values", _("Tick “Risk item”, or leave these answers empty."))] if values else []
    if fields["kind"] not in CHOICE_KINDS or target is None:
        return [("is_risk_item", _("Only a single-choice, multiple-choice or Likert question can be a risk item."))]
    if not values:
        return [("risk_values", _("Give the answers that show crisis resources."))]
    return [("risk_values", message) for message in _impossible(values, target, fields["key"])]


def _attention_errors(fields: QuestionFields, target: Target | None) -> list[FieldError]:
    answer = fields["attention_answer"]
    if not fields["is_attention_check"]:
        return (
            [("attention_answer", _("Tick “Attention check”, or leave the expected answer empty."))] if answer else []
        )
    if fields["kind"] == Kind.MULTIPLE:
        return [
            ("is_attention_check", _("A multiple-choice question cannot be an attention check: use single choice."))
        ]
    if not answer:
        return [("attention_answer", _("Give the answer that shows the person is reading."))]
    if target is not None and target.kind == "number":
        if not re.fullmatch(r"-?[0-9]+", answer) or str(int(answer)) != answer:
            return [("attention_answer", _("Answers to this question are whole numbers, such as 7."))]
        return []
    return [("attention_answer", message) for message in _impossible([answer], target, fields["key"])]


def _impossible(values: list[str], target: Target | None, key: str) -> list[str]:
    if target is None or target.allowed is None:
        return []
    wrong = [value for value in values if value not in target.allowed]
    if not wrong:
        return []
    return [
        _("No answer to “%(key)s” can be %(values)s. Possible values: %(choices)s.")
        % {"key": key, "values": ", ".join(wrong), "choices": possible_values(target)}
    ]
