"""Checks of the parts of a set-up that run the study day to day: the `compensation` plan and the team's `messages`
(their wording per kind and language). The services check the rest when the file is imported (a known currency, an
amount with two decimals), and a refusal there rolls the whole import back."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from seeds.setup import checks as c
from studies.models import CompensationPlan, MessageTemplate, PaymentMethod
from studies.services import message_wording as wording

PLAN_REQUIRED = ("amount", "currency", "method")
PLAN_OPTIONAL = ("earned_when", "descriptions")
MESSAGE_KEYS = ("kind", "language", "subject", "body")


def _choice(problems: c.Problems, path: str, value: Any, choices: list[str]) -> None:
    if value not in choices:
        problems.add(path, _("Expected one of: %(values)s.") % {"values": ", ".join(choices)})


def check_compensation(problems: c.Problems, path: str, value: Any, languages: list[str]) -> None:
    data = c.mapping(problems, path, value, required=PLAN_REQUIRED, optional=PLAN_OPTIONAL)
    if data is None:
        return
    amount = data.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float | str):
        problems.add(c.at(path, "amount"), _("Write the amount as a number, such as 25.00."))
    c.text(problems, c.at(path, "currency"), data.get("currency"), max_length=3)
    _choice(problems, c.at(path, "method"), data.get("method"), list(PaymentMethod.values))
    earned = data.get("earned_when", CompensationPlan.Trigger.INTERVIEW_DONE)
    _choice(problems, c.at(path, "earned_when"), earned, list(CompensationPlan.Trigger.values))
    if "descriptions" in data:
        c.per_language(problems, c.at(path, "descriptions"), data["descriptions"], languages, first_required=False)


def check_messages(problems: c.Problems, path: str, value: Any, languages: list[str]) -> None:
    seen: list[tuple[str, Any]] = []
    for index, item in enumerate(c.sequence(problems, path, value) or []):
        here = c.at(path, index)
        data = c.mapping(problems, here, item, required=MESSAGE_KEYS)
        if data is None:
            continue
        _choice(problems, c.at(here, "kind"), data.get("kind"), list(MessageTemplate.Kind.values))
        _choice(problems, c.at(here, "language"), data.get("language"), languages)
        for field, limit in (("subject", wording.SUBJECT_MAX_LENGTH), ("body", wording.BODY_MAX_LENGTH)):
            if c.text(problems, c.at(here, field), data.get(field), max_length=limit):
                for unknown in wording.unknown_placeholders(data[field]):
                    problems.add(c.at(here, field), _("%(name)s is not a placeholder.") % {"name": unknown})
        seen.append((here, f"{data.get('kind')} ({data.get('language')})"))
    c.unique(problems, path, seen, _("message and language"))
