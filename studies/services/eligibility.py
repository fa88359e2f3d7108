"""Derived values and declarative eligibility rules, evaluated on the server only.

Derived values rules and quotas may name besides question keys: `age` (from an age or year-of-birth
answer), `age_band` (18-24, 25-34, ...), `country` and `region` (a world region, UN M49) from a country
answer, and the scores of scored scales (`phq9_total`, `phq9_band`, ...: studies.scales).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from studies.models import EligibilityRule, Question, Questionnaire
from studies.scales import scale_attributes

# UN M49 regions by ISO 3166 alpha-2 code; countries not listed fall back to "other".
_REGIONS = {
    "africa": [
        "DZ",
        "AO",
        "BJ",
        "BW",
        "BF",
        "BI",
        "CV",
        "CM",
        "CF",
        "TD",
        "KM",
        "CG",
        "CD",
        "CI",
        "DJ",
        "EG",
        "GQ",
        "ER",
        "SZ",
        "ET",
        "GA",
        "GM",
        "GH",
        "GN",
        "GW",
        "KE",
        "LS",
        "LR",
        "LY",
        "MG",
        "MW",
        "ML",
        "MR",
        "MU",
        "MA",
        "MZ",
        "NA",
        "NE",
        "NG",
        "RW",
        "ST",
        "SN",
        "SC",
        "SL",
        "SO",
        "ZA",
        "SS",
        "SD",
        "TZ",
        "TG",
        "TN",
        "UG",
        "ZM",
        "ZW",
    ],
    "americas": [
        "AR",
        "BO",
        "BR",
        "CA",
        "CL",
        "CO",
        "CR",
        "CU",
        "DO",
        "EC",
        "SV",
        "GT",
        "HT",
        "HN",
        "JM",
        "MX",
        "NI",
        "PA",
        "PY",
        "PE",
        "PR",
        "TT",
        "US",
        "UY",
        "VE",
        "BS",
        "BB",
        "BZ",
        "GY",
        "SR",
    ],
    "asia": [
        "AF",
        "AM",
        "AZ",
        "BH",
        "BD",
        "BT",
        "BN",
        "KH",
        "CN",
        "GE",
        "HK",
        "IN",
        "ID",
        "IR",
        "IQ",
        "IL",
        "JP",
        "JO",
        "KZ",
        "KW",
        "KG",
        "LA",
        "LB",
        "MY",
        "MV",
        "MN",
        "MM",
        "NP",
        "KP",
        "OM",
        "PK",
        "PS",
        "PH",
        "QA",
        "SA",
        "SG",
        "KR",
        "LK",
        "SY",
        "TW",
        "TJ",
        "TH",
        "TL",
        "TR",
        "TM",
        "AE",
        "UZ",
        "VN",
        "YE",
    ],
    "europe": [
        "AL",
        "AD",
        "AT",
        "BY",
        "BE",
        "BA",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IS",
        "IE",
        "IT",
        "LV",
        "LI",
        "LT",
        "LU",
        "MT",
        "MD",
        "MC",
        "ME",
        "NL",
        "MK",
        "NO",
        "PL",
        "PT",
        "RO",
        "RU",
        "SM",
        "RS",
        "SK",
        "SI",
        "ES",
        "SE",
        "CH",
        "UA",
        "GB",
    ],
    "oceania": ["AU", "FJ", "KI", "MH", "FM", "NR", "NZ", "PW", "PG", "WS", "SB", "TO", "TV", "VU"],
}
REGION_OF = {code: region for region, codes in _REGIONS.items() for code in codes}
# The regions' names, in the order pages list them.
REGION_LABELS: dict[str, Promise] = {
    "africa": _("Africa"),
    "americas": _("Americas"),
    "asia": _("Asia"),
    "europe": _("Europe"),
    "oceania": _("Oceania"),
    "other": _("Other or unknown"),
}
AGE_BANDS = ((18, 24), (25, 34), (35, 44), (45, 54), (55, 64))


def age_band(age: int) -> str:
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}-{high}"
    return "under-18" if age < 18 else "65+"


def derive_attributes(questions: list[Question], answers: dict[str, Any]) -> dict[str, Any]:
    """Answers plus the derived values rules and quotas can use."""
    attributes = dict(answers)
    for question in questions:
        value = answers.get(question.key)
        if value in (None, ""):
            continue
        if question.kind == Question.Kind.AGE:
            attributes["age"] = int(value)
        elif question.kind == Question.Kind.BIRTH_YEAR:
            attributes["age"] = timezone.now().year - int(value)
        elif question.kind == Question.Kind.COUNTRY:
            attributes["country"] = str(value)
            attributes["region"] = REGION_OF.get(str(value), "other")
    if "age" in attributes:
        attributes["age_band"] = age_band(attributes["age"])
    attributes.update(scale_attributes(questions, answers))
    return attributes


def stored_attributes(questions: list[Question], attributes: dict[str, Any]) -> dict[str, Any]:
    """The attributes to store in plain (queryable) form: everything but free-text answers, which are kept only
    sealed in the response's `answers`. Rules are evaluated before this, on everything."""
    free_text = {question.key for question in questions if question.kind in Question.FREE_TEXT_KINDS}
    return {key: value for key, value in attributes.items() if key not in free_text}


def _holds(rule: EligibilityRule, value: Any) -> bool:
    expected = rule.value
    values = [str(item) for item in expected] if isinstance(expected, list) else [str(expected)]
    op = EligibilityRule.Operator
    if rule.operator in (op.AT_LEAST, op.AT_MOST):
        try:
            number, bound = float(value), float(expected)
        except (TypeError, ValueError):
            return False
        return number >= bound if rule.operator == op.AT_LEAST else number <= bound
    if rule.operator == op.INCLUDES:
        return isinstance(value, list) and any(str(item) in values for item in value)
    matched = str(value) in values if value is not None else False
    return matched if rule.operator in (op.EQUALS, op.IN) else not matched


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: list[str]


def evaluate_eligibility(*, questionnaire: Questionnaire, attributes: dict[str, Any]) -> Eligibility:
    """All rules must hold. Reasons name each failed rule (for researchers; never shown to the person)."""
    reasons = []
    for rule in questionnaire.rules.order_by("id"):
        if not _holds(rule, attributes.get(rule.key)):
            reasons.append(rule.description or f"{rule.key} {rule.operator} {rule.value}: not met")
    return Eligibility(eligible=not reasons, reasons=reasons)
