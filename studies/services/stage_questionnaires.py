"""Questionnaires asked at a later stage (background, well-being, feedback), answered in the portal.

Answers are stored like screening answers (ScreeningResponse); the form token is derived from the
questionnaire and the participant, so each person answers each questionnaire at most once.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from studies.models import Participant, Question, Questionnaire, ScreeningResponse
from studies.scales import scale_attributes
from studies.services.eligibility import stored_attributes
from studies.services.safety import record_safety_events
from studies.services.screening import triggered_risk_items

S = Participant.Status
# Statuses from which each stage counts as reached.
REACHED = {
    Questionnaire.Stage.CONSENTED: (S.CONSENTED, S.SCHEDULED, S.INTERVIEWED),
    Questionnaire.Stage.SCHEDULED: (S.SCHEDULED, S.INTERVIEWED),
    Questionnaire.Stage.INTERVIEWED: (S.INTERVIEWED,),
}


def _token(questionnaire: Questionnaire, participant: Participant) -> str:
    return f"stage:{questionnaire.id}:{participant.id}"


def due_questionnaires(*, participant: Participant) -> list[Questionnaire]:
    """Later-stage questionnaires this person has reached and not answered yet (published ones: never a draft)."""
    answered = set(participant.responses.values_list("questionnaire_id", flat=True))
    candidates = (
        participant.study.questionnaires.exclude(kind=Questionnaire.Kind.SCREENING)
        .exclude(published_at=None)
        .order_by("id")
    )
    return [
        q
        for q in candidates
        if q.id not in answered and participant.status in REACHED[Questionnaire.Stage(q.available_from)]
    ]


def answer_questionnaire(
    *,
    participant: Participant,
    questionnaire: Questionnaire,
    questions: list[Question],
    answers: dict[str, Any],
    language: str,
) -> tuple[ScreeningResponse, bool]:
    """Save the answers once (a second submission returns the first); risk items alert the safety contact.

    The caller has checked that the questionnaire is due for this participant.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            response = ScreeningResponse.objects.create(
                study_id=participant.study_id,
                questionnaire=questionnaire,
                participant=participant,
                form_token=_token(questionnaire, participant),
                language=language,
                answers=answers,
                attributes=stored_attributes(questions, {**answers, **scale_attributes(questions, answers)}),
                started_at=now,
                submitted_at=now,
                version=questionnaire.version,
            )
            record_safety_events(participant=participant, question_keys=triggered_risk_items(questions, answers))
            return response, True
    except IntegrityError:
        return ScreeningResponse.objects.get(form_token=_token(questionnaire, participant)), False
