"""Adding a scored scale (studies.scales) to a questionnaire: its items become questions the team then words."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.audit import record_event
from studies.models import Question, Questionnaire, Study
from studies.scales import SCALES, ScaleDefinition
from studies.services.questionnaires import QuestionnaireError


def _refuse(message: str) -> QuestionnaireError:
    return QuestionnaireError([("scale", message)])


def _choices(definition: ScaleDefinition, languages: list[str]) -> list[dict[str, object]]:
    """Each option's value with its neutral label in every study language (English until translated)."""
    choices = []
    for option in definition.options:
        labels: dict[str, str] = {}
        for language in languages:
            with translation.override(language):
                labels[language] = str(option.label)
        choice: dict[str, object] = {"value": str(option.value), "labels": labels}
        choices.append(choice)
    return choices


def _item(
    questionnaire: Questionnaire,
    definition: ScaleDefinition,
    item: int,
    choices: list[dict[str, object]],
    position: int,
) -> Question:
    risk = [str(value) for value in definition.risk_items.get(item, ())]
    return Question(
        questionnaire=questionnaire,
        position=position,
        key=definition.item_key(item),
        kind=Question.Kind.LIKERT,
        # No wording is shipped: the team enters the licensed item text on the question's page.
        text={},
        choices=choices,
        required=True,
        is_risk_item=bool(risk),
        risk_values=risk,
        scale_key=definition.key,
        scale_item=item,
    )


@transaction.atomic
def add_scale(*, questionnaire: Questionnaire, scale_key: str, request: HttpRequest | None = None) -> list[Question]:
    """Append the scale's items as required Likert questions (`phq9_1`, ...), risk items set as the scale says.

    Refused (QuestionnaireError, nothing written) for an unknown scale, an archived study, a scale the
    questionnaire already has, or a key another question already uses. The caller has checked the role.
    """
    definition = SCALES.get(scale_key)
    if definition is None:
        raise _refuse(_("Pick a scale from the list."))
    locked = Questionnaire.objects.select_for_update().select_related("study").get(pk=questionnaire.pk)
    if locked.study.status == Study.Status.ARCHIVED:
        raise _refuse(_("This study is archived: its questionnaires can no longer change."))
    existing = Question.objects.filter(questionnaire=locked)
    if existing.filter(scale_key=definition.key).exists():
        raise _refuse(_("This questionnaire already has the %(scale)s.") % {"scale": definition.name})
    keys = [definition.item_key(item) for item in range(1, definition.items + 1)]
    if taken := sorted(existing.filter(key__in=keys).values_list("key", flat=True)):
        raise _refuse(_("Another question already uses the key %(keys)s.") % {"keys": ", ".join(taken)})
    last = existing.aggregate(last=Max("position"))["last"]
    start = 0 if last is None else last + 1
    choices = _choices(definition, locked.study.languages or ["en"])
    created = Question.objects.bulk_create(
        _item(locked, definition, item, choices, start + item - 1) for item in range(1, definition.items + 1)
    )
    record_event(
        action="questionnaire.scale_added",
        request=request,
        study_id=locked.study_id,
        target=locked,
        detail={"questionnaire": locked.pk, "scale": definition.key, "questions": len(created)},
    )
    return created
