"""Writes of a study's interview guide: add, edit, move and delete questions.

Positions are 1..n within a study, unique in the database. Every write that touches positions locks the study
row first, so two researchers editing the guide at once take turns instead of colliding on a position.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Max, RestrictedError
from django.utils.translation import gettext as _

from studies.models import GuideQuestion, Study
from studies.models.guide import DEFAULT_ANSWER_SECONDS
from studies.services.study_setup import StudySetupError, check_setup_editable


class GuideError(Exception):
    """A change to the guide that cannot be made; the message is for the team member, in their language."""


def _lock(study: Study) -> Study:
    """The study row locked; an archived study's guide is final (GuideError)."""
    locked = Study.objects.select_for_update().get(pk=study.pk)
    try:
        check_setup_editable(locked)
    except StudySetupError as error:
        raise GuideError(str(error)) from error
    return locked


def _clean_prompt(prompt: dict[str, str], study: Study) -> dict[str, str]:
    languages = study.languages or ["en"]
    cleaned = {language: text.strip() for language, text in prompt.items() if language in languages and text.strip()}
    if languages[0] not in cleaned:
        raise GuideError(_("Write the question at least in the study's first language."))
    return cleaned


@transaction.atomic
def add_guide_question(
    *, study: Study, prompt: dict[str, str], max_seconds: int = DEFAULT_ANSWER_SECONDS
) -> GuideQuestion:
    """Append a question after the last one. The caller has checked the role."""
    study = _lock(study)
    last = study.guide_questions.aggregate(last=Max("position"))["last"] or 0
    return GuideQuestion.objects.create(
        study=study, position=last + 1, prompt=_clean_prompt(prompt, study), max_seconds=max_seconds
    )


@transaction.atomic
def edit_guide_question(*, question: GuideQuestion, prompt: dict[str, str], max_seconds: int) -> GuideQuestion:
    """Change a question's wording or answer length. Answers already recorded stay linked to it."""
    _lock(question.study)
    question.prompt, question.max_seconds = _clean_prompt(prompt, question.study), max_seconds
    question.save(update_fields=["prompt", "max_seconds", "updated_at"])
    return question


@transaction.atomic
def move_guide_question(*, question: GuideQuestion, up: bool) -> bool:
    """Swap the question with its neighbour above (or below); False when it is already first (or last)."""
    _lock(question.study)
    question = GuideQuestion.objects.get(pk=question.pk)
    siblings = GuideQuestion.objects.filter(study_id=question.study_id)
    neighbour = (
        siblings.filter(position__lt=question.position).order_by("-position").first()
        if up
        else siblings.filter(position__gt=question.position).order_by("position").first()
    )
    if neighbour is None:
        return False
    # The positions are unique: park one question past the end while the other takes its place.
    mine, theirs = question.position, neighbour.position
    last = siblings.aggregate(last=Max("position"))["last"] or 0
    siblings.filter(pk=question.pk).update(position=last + 1)
    siblings.filter(pk=neighbour.pk).update(position=mine)
    siblings.filter(pk=question.pk).update(position=theirs)
    return True


def delete_guide_question(*, question: GuideQuestion) -> None:
    """Delete a question nobody has answered yet, and close the gap in the positions.

    A question with answers (or skips) is kept (GuideError): the answers are research data and need it.
    """
    try:
        with transaction.atomic():
            _lock(question.study)
            position = question.position
            question.delete()
            # Ascending, one row at a time: each moves into the place just freed (positions are unique).
            for later in GuideQuestion.objects.filter(study_id=question.study_id, position__gt=position).order_by(
                "position"
            ):
                GuideQuestion.objects.filter(pk=later.pk).update(position=F("position") - 1)
    except RestrictedError as error:
        raise GuideError(
            _("Participants have already answered or skipped this question, so it cannot be deleted.")
        ) from error
