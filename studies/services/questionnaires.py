"""The questionnaire builder's writes (researcher UI and admin share the models)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from studies.models import EligibilityRule, Question, Questionnaire, Study


def parse_choices(text: str, languages: list[str]) -> list[dict[str, Any]]:
    """One choice per line: `value | label in the first language | label in the second ...`."""
    choices = []
    for line in text.splitlines():
        parts = [part.strip() for part in line.split("|")]
        if not parts[0]:
            continue
        labels = dict(zip(languages, parts[1:], strict=False)) or {languages[0]: parts[0]}
        choices.append({"value": parts[0], "labels": {lang: label for lang, label in labels.items() if label}})
    return choices


@transaction.atomic
def create_questionnaire(
    *, study: Study, kind: str, title: dict[str, str], available_from: str = Questionnaire.Stage.CONSENTED
) -> Questionnaire:
    """A new questionnaire; a study has at most one screening questionnaire (database constraint)."""
    return Questionnaire.objects.create(study=study, kind=kind, title=title, available_from=available_from)


@transaction.atomic
def add_question(*, questionnaire: Questionnaire, **fields: Any) -> Question:
    """Append a question (after the last one unless a position is given). The caller has checked roles."""
    if fields.get("position") is None:
        last = questionnaire.questions.aggregate(last=Max("position"))["last"]
        fields["position"] = 0 if last is None else last + 1
    return Question.objects.create(questionnaire=questionnaire, **fields)


@transaction.atomic
def add_rule(*, questionnaire: Questionnaire, key: str, operator: str, value: Any, description: str) -> EligibilityRule:
    return EligibilityRule.objects.create(
        questionnaire=questionnaire, key=key, operator=operator, value=value, description=description
    )
