"""Checking an eligibility rule against the questionnaire it belongs to, before it is saved or a study launches.

A rule names a question key or a derived value (studies.services.eligibility). A typo in the key, a value no
answer can take, or a comparison that does not fit the answer's type would silently make every applicant
ineligible, so each is refused with a message that says what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pycountry
from django.utils.translation import gettext as _

from studies.models import EligibilityRule, Question, Questionnaire
from studies.services.eligibility import AGE_BANDS, REGION_OF, age_band

Op = EligibilityRule.Operator
Kind = Question.Kind
NUMBER_KINDS = frozenset({Kind.NUMBER, Kind.AGE, Kind.BIRTH_YEAR})
CHOICE_KINDS = frozenset({Kind.SINGLE, Kind.MULTIPLE, Kind.LIKERT})
LIST_OPERATORS = frozenset({Op.IN, Op.NOT_IN, Op.INCLUDES})
BOUND_OPERATORS = frozenset({Op.AT_LEAST, Op.AT_MOST})


@dataclass(frozen=True)
class Target:
    """What a rule's key stands for: its kind of value, the values it can take (None: any), its number range."""

    kind: str  # "number", "choice", "multiple", "boolean"
    allowed: frozenset[str] | None = None
    low: float | None = None
    high: float | None = None


def rule_targets(questionnaire: Questionnaire) -> dict[str, Target]:
    """Every key a rule of this questionnaire may name, free-text questions excepted (they are sealed at rest)."""
    targets: dict[str, Target] = {}
    for question in questionnaire.questions.all():
        targets.update(_targets_of(question))
    return targets


def _targets_of(question: Question) -> dict[str, Target]:
    kind = question.kind
    if kind in CHOICE_KINDS:
        values = frozenset(str(choice["value"]) for choice in question.choices)
        return {question.key: Target("multiple" if kind == Kind.MULTIPLE else "choice", values)}
    if kind in NUMBER_KINDS:
        low, high = _number_range(question)
        age = {"age": Target("number", low=0, high=120), "age_band": Target("choice", _AGE_BANDS)}
        return {question.key: Target("number", low=low, high=high), **(age if kind != Kind.NUMBER else {})}
    if kind == Kind.COUNTRY:
        regions = frozenset({*REGION_OF.values(), "other"})
        return {question.key: Target("choice", _COUNTRIES), "country": Target("choice", _COUNTRIES),
                "region": Target("choice", regions)}  # fmt: skip
    if kind == Kind.LANGUAGE:
        return {question.key: Target("choice", _LANGUAGES)}
    if kind == Kind.CONFIRM:
        return {question.key: Target("boolean", frozenset({"True", "False"}))}
    return {}


def _number_range(question: Question) -> tuple[float | None, float | None]:
    if question.kind == Kind.AGE:
        return 0, 120
    if question.kind == Kind.BIRTH_YEAR:
        return 1900, 2100
    return question.min_value, question.max_value


_COUNTRIES = frozenset(country.alpha_2 for country in pycountry.countries)
_LANGUAGES = frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))
_AGE_BANDS = frozenset({*(age_band(low) for low, _high in AGE_BANDS), "under-18", "65+"})


def rule_errors(
    *, questionnaire: Questionnaire, key: str, operator: str, value: Any, targets: dict[str, Target] | None = None
) -> list[str]:
    """Why this rule cannot be saved (translated messages), or nothing when it is sound."""
    targets = rule_targets(questionnaire) if targets is None else targets
    target = targets.get(key)
    if target is None:
        return [_unknown_key(targets, key)]
    if operator not in Op.values:
        return [_("Pick a condition from the list.")]
    if operator == Op.INCLUDES and target.kind != "multiple":
        return [_("“includes” works only with a multiple-choice question; use “is one of” instead.")]
    if operator in BOUND_OPERATORS:
        return _bound_errors(target, key, value)
    values = value if isinstance(value, list) else [value]
    if operator in LIST_OPERATORS and not (isinstance(value, list) and value):
        return [_('Give a list of values, for example ["US", "GB"].')]
    if operator not in LIST_OPERATORS and isinstance(value, list):
        return [_("“=” and “≠” take one value; use “is one of” for a list.")]
    return _value_errors(target, key, values)


def _unknown_key(targets: dict[str, Target], key: str) -> str:
    known = ", ".join(sorted(targets)) or _("none yet: add questions first")
    return _("No question or derived value is called “%(key)s”. Keys you can use: %(known)s.") % {
        "key": key,
        "known": known,
    }


def _bound_errors(target: Target, key: str, value: Any) -> list[str]:
    if target.kind != "number":
        return [_("“%(key)s” is not a number, so “≥” and “≤” cannot apply to it.") % {"key": key}]
    try:
        bound = float(value)
    except (TypeError, ValueError):
        return [_("“≥” and “≤” need a number, such as 18.")]
    if (target.low is not None and bound < target.low) or (target.high is not None and bound > target.high):
        return [_("No answer to “%(key)s” can be %(value)s (answers run from %(low)s to %(high)s).") % {
            "key": key, "value": value, "low": _shown(target.low), "high": _shown(target.high)}]  # fmt: skip
    return []


def _value_errors(target: Target, key: str, values: list[Any]) -> list[str]:
    if target.kind == "number":
        if any(_not_number(item) for item in values):
            return [_("“%(key)s” is a number: compare it with numbers.") % {"key": key}]
        return []
    impossible = [str(item) for item in values if target.allowed is not None and str(item) not in target.allowed]
    if impossible:
        choices = ", ".join(sorted(target.allowed or ()))
        if len(choices) > 300:
            choices = choices[:300] + "…"
        return [_("No answer to “%(key)s” can be %(values)s. Possible values: %(choices)s.") % {
            "key": key, "values": ", ".join(impossible), "choices": choices}]  # fmt: skip
    return []


def _not_number(item: Any) -> bool:
    try:
        float(item)
    except (TypeError, ValueError):
        return True
    return isinstance(item, bool)


def _shown(bound: float | None) -> str:
    return "…" if bound is None else f"{bound:g}"


def questionnaire_rule_errors(questionnaire: Questionnaire) -> dict[int, list[str]]:
    """The saved rules that no longer hold up (a question renamed or deleted since, a choice removed), by rule id."""
    problems, targets = {}, rule_targets(questionnaire)
    for rule in questionnaire.rules.order_by("id"):
        errors = rule_errors(
            questionnaire=questionnaire, key=rule.key, operator=rule.operator, value=rule.value, targets=targets
        )
        if errors:
            problems[rule.id] = errors
    return problems
