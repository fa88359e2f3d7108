"""Questionnaire versions: an edit after someone answered starts the next version, and each response keeps the one
it answered.

The live questions are always the current version. When a change arrives while responses to the current version
exist, the questions as they stand are first frozen into a QuestionnaireVersion (its `definition`), then the
questionnaire's `version` goes up and the change applies to the new one. Readers of a response (the participant's
page, the answers CSV, the data dictionary) take the questions of the version it answered from `questions_of`, so
answers to a question deleted since stay readable with their wording.
"""

from __future__ import annotations

from typing import Any

from studies.models import Question, Questionnaire, QuestionnaireVersion, ScreeningResponse
from studies.services.question_checks import fields_of


def definition(questionnaire: Questionnaire) -> dict[str, Any]:
    """The questionnaire's current questions and sections as plain data (section ids become keys)."""
    sections = list(questionnaire.sections.order_by("position", "id"))
    keys = {section.pk: section.key for section in sections}
    questions = []
    for question in questionnaire.questions.order_by("position", "id"):
        fields: dict[str, Any] = dict(fields_of(question))
        fields["section"] = keys.get(fields.pop("section_id"), "")
        fields.update(scale_key=question.scale_key, scale_item=question.scale_item)
        questions.append(fields)
    return {
        "title": dict(questionnaire.title),
        "sections": [{"key": section.key, "title": dict(section.title)} for section in sections],
        "questions": questions,
    }


def start_version_if_answered(questionnaire: Questionnaire) -> bool:
    """Freeze the current version when someone answered it, and make the next one current (call it under the
    questionnaire's row lock, before the change). True when a new version started."""
    if not ScreeningResponse.objects.filter(questionnaire=questionnaire, version=questionnaire.version).exists():
        return False
    QuestionnaireVersion.objects.create(
        questionnaire=questionnaire, number=questionnaire.version, definition=definition(questionnaire)
    )
    questionnaire.version += 1
    questionnaire.save(update_fields=["version", "updated_at"])
    return True


def questions_of(questionnaire: Questionnaire, number: int) -> list[Question]:
    """The questions of a version, in order: the live ones for the current version, else unsaved copies of the
    frozen ones (for reading and export only)."""
    if number == questionnaire.version:
        return list(questionnaire.questions.select_related("section").order_by("position", "id"))
    frozen = QuestionnaireVersion.objects.filter(questionnaire=questionnaire, number=number).first()
    if frozen is None:
        return []
    questions = []
    for position, fields in enumerate(frozen.definition.get("questions", [])):
        known = {name: value for name, value in fields.items() if name not in ("section", "section_id")}
        questions.append(Question(questionnaire=questionnaire, position=position, **known))
    return questions


def numbers(questionnaire: Questionnaire) -> list[int]:
    """Every version of the questionnaire, oldest first."""
    frozen = list(questionnaire.versions.values_list("number", flat=True))
    return [*frozen, questionnaire.version]
