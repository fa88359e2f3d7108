"""Checking an eligibility rule against the questionnaire it belongs to, before it is saved or a study launches.

A rule names a question key or a derived value (studies.services.eligibility). A typo in the key, a value no
answer can take, or a comparison that does not fit the answer's type would silently make every applicant
ineligible, so each is refused with a message that says what to fix. The checks mirror how
`eligibility._holds` compares: `=` and "is one of" compare texts (so 18.0 never equals an answer of 18),
`≥` and `≤` compare numbers, "includes" looks inside a multiple-choice answer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pycountry
from django.utils.translation import gettext as _

from studies.models import EligibilityRule, Question, Questionnaire
from studies.scales import SCALES, ScaleDefinition
from studies.services.eligibility import AGE_BANDS, REGION_OF, age_band

Op = EligibilityRule.Operator
Kind = Question.Kind
NUMBER_KINDS = frozenset({Kind.NUMBER, Kind.AGE, Kind.BIRTH_YEAR})
CHOICE_KINDS = frozenset({Kind.SINGLE, Kind.MULTIPLE, Kind.LIKERT})
LIST_OPERATORS = frozenset({Op.IN, Op.NOT_IN, Op.INCLUDES})
BOUND_OPERATORS = frozenset({Op.AT_LEAST, Op.AT_MOST})
# Values only the platform derives from answers; a question may carry such a key only when it is their source.
DERIVED_KEYS = {"age": {Kind.AGE}, "age_band": set(), "country": {Kind.COUNTRY}, "region": set()}
# A Likert question without choices is a scale of whole numbers; studies.forms.screening draws it the same way.
LIKERT_DEFAULT = (1, 5)


@dataclass(frozen=True)
class Target:
    """What a rule's key stands for: its kind of value, the values it can take (None: any), its number range.

    A "choice" target whose values are all numbers (a Likert scale) has a range too, so `≥` and `≤` apply to it.
    """

    kind: str  # "number", "choice", "multiple", "boolean"
    allowed: frozenset[str] | None = None
    low: float | None = None
    high: float | None = None


class RuleValueError(ValueError):
    """The value typed for a rule cannot be read; the message says how to write it."""


def rule_targets(questionnaire: Questionnaire) -> dict[str, Target]:
    """Every key a rule of this questionnaire may name, free-text questions excepted (they are sealed at rest)."""
    return targets_of(questionnaire.questions.all())


def targets_of(questions: Iterable[Question]) -> dict[str, Target]:
    """The keys these questions offer to rules, quotas and skip logic (saved or not: edits are checked before
    they are written)."""
    targets: dict[str, Target] = {}
    scales = set()
    for question in questions:
        targets.update(_targets_of(question))
        scales.add(question.scale_key)
    for key in sorted(scales & SCALES.keys()):
        targets.update(_scale_targets(SCALES[key]))
    return targets


def _scale_targets(scale: ScaleDefinition) -> dict[str, Target]:
    """A scored scale's total and band (studies.scales), stored with each complete response."""
    high = max(scale.values) * scale.items * scale.multiplier
    bands = frozenset(band.key for band in scale.bands)
    return {f"{scale.key}_total": Target("number", low=0, high=high), f"{scale.key}_band": Target("choice", bands)}


def question_target(question: Question) -> Target | None:
    """What the question's own answer is, or None for free text."""
    return _targets_of(question).get(question.key)


def _targets_of(question: Question) -> dict[str, Target]:
    kind = question.kind
    if kind in CHOICE_KINDS:
        values = _choice_values(question)
        low, high = _numeric_range(values)
        return {question.key: Target("multiple" if kind == Kind.MULTIPLE else "choice", values, low, high)}
    if kind in NUMBER_KINDS:
        low, high = _number_range(question)
        age = {"age": Target("number", low=0, high=120), "age_band": Target("choice", _AGE_BANDS)}
        return {question.key: Target("number", low=low, high=high), **(age if kind != Kind.NUMBER else {})}
    if kind == Kind.COUNTRY:
        regions = frozenset({*REGION_OF.values(), "other"})
        return {
            question.key: Target("choice", _COUNTRIES),
            "country": Target("choice", _COUNTRIES),
            "region": Target("choice", regions),
        }
    if kind == Kind.LANGUAGE:
        return {question.key: Target("choice", _LANGUAGES)}
    if kind == Kind.SLIDER:
        return {question.key: Target("number", low=question.min_value or 0, high=_or(question.max_value, 100))}
    if kind == Kind.CALCULATED:
        return {question.key: Target("number")}
    if kind == Kind.MATRIX:
        values = _choice_values(question)
        low, high = _numeric_range(values)
        return {f"{question.key}_{row['key']}": Target("choice", values, low, high) for row in question.rows}
    if kind == Kind.CONFIRM:
        # An unticked box is no answer at all (studies.forms.screening), so the only value there is is True.
        return {question.key: Target("boolean", frozenset({"True"}))}
    return {}


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _choice_values(question: Question) -> frozenset[str]:
    if question.choices or question.kind != Kind.LIKERT:
        return frozenset(str(choice["value"]) for choice in question.choices)
    low, high = question.min_value or LIKERT_DEFAULT[0], question.max_value or LIKERT_DEFAULT[1]
    return frozenset(str(point) for point in range(low, high + 1))


def _numeric_range(values: frozenset[str]) -> tuple[float | None, float | None]:
    try:
        numbers = [float(value) for value in values]
    except ValueError:
        return None, None
    return (min(numbers), max(numbers)) if numbers else (None, None)


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
        return [_unknown_key(questionnaire, targets, key)]
    if operator not in Op.values:
        return [_("Pick a condition from the list.")]
    if operator == Op.INCLUDES and target.kind != "multiple":
        return [_("“includes” works only with a multiple-choice question; use “is one of” instead.")]
    if target.kind == "multiple" and operator != Op.INCLUDES:
        return [_("“%(key)s” is a multiple-choice question, so its answer is a list: use “includes”.") % {"key": key}]
    if operator in BOUND_OPERATORS:
        return _bound_errors(target, key, value)
    values = value if isinstance(value, list) else [value]
    if operator in LIST_OPERATORS and not (isinstance(value, list) and value):
        return [_('Give a list of values, for example ["US", "GB"].')]
    if operator not in LIST_OPERATORS and isinstance(value, list):
        return [_("“=” and “≠” take one value; use “is one of” for a list.")]
    return _value_errors(target, key, values)


def _unknown_key(questionnaire: Questionnaire, targets: dict[str, Target], key: str) -> str:
    # An unsaved questionnaire (a set-up file being checked) has no questions to look at.
    questions = questionnaire.questions.all() if questionnaire.pk is not None else []
    if any(q.key == key and q.kind in Question.FREE_TEXT_KINDS for q in questions):
        return _("“%(key)s” is a free-text question: its answers are sealed, so rules cannot read them.") % {"key": key}
    known = ", ".join(sorted(targets)) or _("none yet: add questions first")
    return _("No question or derived value is called “%(key)s”. Keys you can use: %(known)s.") % {
        "key": key,
        "known": known,
    }


def _bound_errors(target: Target, key: str, value: Any) -> list[str]:
    if target.low is None and target.high is None and target.kind != "number":
        return [_("“%(key)s” is not a number, so “≥” and “≤” cannot apply to it.") % {"key": key}]
    if _not_number(value) or isinstance(value, list):
        return [_("“≥” and “≤” need a number, such as 18.")]
    bound = float(value)
    if (target.low is not None and bound < target.low) or (target.high is not None and bound > target.high):
        return [
            _("No answer to “%(key)s” can be %(value)s (answers run from %(low)s to %(high)s).")
            % {"key": key, "value": value, "low": _shown(target.low), "high": _shown(target.high)}
        ]
    return []


def _value_errors(target: Target, key: str, values: list[Any]) -> list[str]:
    if target.kind == "number":
        return _number_value_errors(target, key, values)
    impossible = [_text(item) for item in values if target.allowed is not None and _text(item) not in target.allowed]
    if impossible:
        return [
            _("No answer to “%(key)s” can be %(values)s. Possible values: %(choices)s.")
            % {"key": key, "values": ", ".join(impossible), "choices": possible_values(target)}
        ]
    return []


def _number_value_errors(target: Target, key: str, values: list[Any]) -> list[str]:
    if any(_not_number(item) for item in values):
        return [_("“%(key)s” is a number: compare it with numbers.") % {"key": key}]
    # Answers are whole numbers and `=` compares texts: 18.5 (or 18.0) never equals an answer.
    if any(not _whole(item) for item in values):
        return [
            _("Answers to “%(key)s” are whole numbers: compare with whole numbers, or use “≥” and “≤”.") % {"key": key}
        ]
    outside = [str(item) for item in values if _outside(target, float(item))]
    if outside:
        return [
            _("No answer to “%(key)s” can be %(value)s (answers run from %(low)s to %(high)s).")
            % {"key": key, "value": ", ".join(outside), "low": _shown(target.low), "high": _shown(target.high)}
        ]
    return []


def _outside(target: Target, number: float) -> bool:
    return (target.low is not None and number < target.low) or (target.high is not None and number > target.high)


def _not_number(item: Any) -> bool:
    if isinstance(item, bool | list | dict) or item is None:
        return True
    try:
        return not math.isfinite(float(item))
    except (TypeError, ValueError):
        return True


def _whole(item: Any) -> bool:
    if isinstance(item, str):
        digits = item.strip().removeprefix("-")
        return digits.isascii() and digits.isdigit()
    return isinstance(item, int)


def _text(item: Any) -> str:
    return str(item)


def _shown(bound: float | None) -> str:
    return "…" if bound is None else f"{bound:g}"


def possible_values(target: Target, limit: int = 300) -> str:
    """The values a target can take, for a message or a hint (long lists such as countries are cut short)."""
    if target.allowed is None:
        return _("any number from %(low)s to %(high)s") % {"low": _shown(target.low), "high": _shown(target.high)}
    shown = ", ".join(sorted(target.allowed, key=_sort_key))
    return shown if len(shown) <= limit else shown[:limit] + "…"


def value_hint(target: Target) -> str:
    """What a rule on this target compares with, in a few words (for the rule form's help)."""
    if target.allowed is _COUNTRIES:
        return _("a two-letter country code (ISO 3166), such as US, GB, IN")
    if target.allowed is _LANGUAGES:
        return _("a two-letter language code (ISO 639-1), such as en, es, hi")
    if target.kind == "boolean":
        return _("true (ticked)")
    if target.kind == "number":
        return _("a whole number from %(low)s to %(high)s") % {"low": _shown(target.low), "high": _shown(target.high)}
    return possible_values(target)


def _sort_key(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


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


# --- Reading and showing a rule's value --------------------------------------------------------------------------


def parse_rule_value(*, text: str, operator: str, target: Target | None) -> Any:
    """The value a team member typed, as the rule stores it: JSON (`18`, `"yes"`, `["US", "GB"]`) or plain text,
    a comma list for “is one of” and “includes”. Numbers become numbers for number keys, `true` becomes True for
    a confirmation; what still does not fit is left for `rule_errors` to explain."""
    text = text.strip()
    if text[:1] in ("[", '"', "{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise RuleValueError(_('This is not a valid list: write US, GB or ["US", "GB"].')) from error
    elif operator in LIST_OPERATORS or "," in text:
        value = [item.strip() for item in text.split(",") if item.strip()]
    else:
        value = text
    if operator in LIST_OPERATORS and isinstance(value, str | int | float):
        value = [value]
    return [_coerce(item, target) for item in value] if isinstance(value, list) else _coerce(value, target)


def _coerce(item: Any, target: Target | None) -> Any:
    if target is None or not isinstance(item, str | int | float) or isinstance(item, bool):
        return item
    if target.kind == "boolean" and isinstance(item, str):
        return {"true": True, "false": False}.get(item.strip().lower(), item)
    if target.kind == "number":
        return _number(item)
    return str(item) if isinstance(item, int | float) else item


def _number(item: str | int | float) -> Any:
    try:
        number = float(item)
    except ValueError:
        return item
    if not math.isfinite(number):
        return item
    return int(number) if number.is_integer() else number


def value_text(value: Any) -> str:
    """A stored value as the rule form shows it: `18`, `yes`, `US, GB` (JSON where a comma list would not
    read back the same)."""
    items = value if isinstance(value, list) else [value]
    texts = [json.dumps(item) if not isinstance(item, str) else item for item in items]
    if any("," in text or not text.strip() for text in texts) or (isinstance(value, list) and not value):
        return json.dumps(value, ensure_ascii=False)
    return ", ".join(texts)


def rule_in_words(*, key: str, operator: str, value: Any) -> str:
    """“age ≥ 18”, “country is one of US, GB”: how the pages show a rule."""
    words: dict[str, str] = {
        Op.EQUALS: "=",
        Op.NOT_EQUALS: "≠",
        Op.IN: _("is one of"),
        Op.NOT_IN: _("is not one of"),
        Op.AT_LEAST: "≥",
        Op.AT_MOST: "≤",
        Op.INCLUDES: _("includes one of"),
    }
    shown = ", ".join(map(_word, value)) if isinstance(value, list) else _word(value)
    return f"{key} {words.get(operator, operator)} {shown}"


def _word(item: Any) -> str:
    if isinstance(item, bool):
        return _("ticked") if item else _("not ticked")
    return str(item)
