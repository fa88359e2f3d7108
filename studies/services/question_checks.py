"""Checking a question before it is saved: key, texts per study language, choices, range, skip logic, risk and
attention settings.

The question form calls `question_errors` to show every problem at once, each beside its field; the services call
it again under the questionnaire's lock, so that what is written is sound whoever sends it. A later importer
(XLSForm, issue #21) can hand it the same `QuestionFields`.
"""

from __future__ import annotations

import re
from typing import Any, TypedDict

from django.utils.translation import gettext as _

from studies.models import Question
from studies.services.rules import CHOICE_KINDS, DERIVED_KEYS, Target, possible_values, question_target

Kind = Question.Kind
KEY = re.compile(r"[-a-zA-Z0-9_]{1,60}")
# Choice values are what rules, quotas and exports hold: short and plain, like keys.
CHOICE_VALUE = re.compile(r"[-a-zA-Z0-9_.]{1,60}")
RANGE_KINDS = frozenset({Kind.NUMBER, Kind.LIKERT})
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
    show_if_key: str
    show_if_values: list[str]
    is_risk_item: bool
    risk_values: list[str]
    is_attention_check: bool
    attention_answer: str


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
        show_if_key=question.show_if_key,
        show_if_values=[str(value) for value in question.show_if_values],
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
        *show_if_errors(fields, earlier),
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
    if kind not in CHOICE_KINDS:
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


def show_if_errors(fields: QuestionFields, earlier: list[Question]) -> list[FieldError]:
    key, values = fields["show_if_key"], fields["show_if_values"]
    if not key:
        return [("show_if_key", _("Pick the question these answers belong to."))] if values else []
    source = next((question for question in earlier if question.key == key), None)
    target = question_target(source) if source is not None else None
    if target is None or target.allowed is None:
        return [
            (
                "show_if_key",
                _("Pick an earlier question with set answers: a question can depend only on one asked before it."),
            )
        ]
    if not values:
        return [("show_if_values", _("Give the answers to “%(key)s” that show this question.") % {"key": key})]
    return [("show_if_values", message) for message in _impossible(values, target, key)]


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
