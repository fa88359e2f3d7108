"""Emails telling participants that a later-stage questionnaire is due: once per person and questionnaire.

Two ways in: a stage change (consent, booking, a completed interview) queues the messages for that person in
the change's own transaction (the outbox), and a beat task sweeps for pairs that became due otherwise (a
questionnaire added after people had passed its stage). Both end in one claim per pair, so neither sends twice.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from studies.models import OutboxMessage, Participant, Questionnaire, QuestionnaireNotice, Study
from studies.services.outbox import queue_message
from studies.services.stage_questionnaires import REACHED, due_questionnaires


def _later_stage_questionnaires() -> QuerySet[Questionnaire]:
    # A closed study asks nothing more of its participants.
    # A draft is not asked yet: it is announced once published.
    later = Questionnaire.objects.exclude(kind=Questionnaire.Kind.SCREENING).exclude(published_at=None)
    return later.exclude(study__status=Study.Status.CLOSED)


def unannounced_pairs(*, participant_id: int | None = None) -> list[tuple[int, int]]:
    """(participant id, questionnaire id) for questionnaires due, unanswered and not yet announced.

    Withdrawn people are never in REACHED, so they never appear.
    """
    pairs: list[tuple[int, int]] = []
    for questionnaire in _later_stage_questionnaires().order_by("id"):
        people = (
            Participant.objects.filter(
                study_id=questionnaire.study_id,
                status__in=REACHED[Questionnaire.Stage(questionnaire.available_from)],
            )
            .exclude(responses__questionnaire=questionnaire)
            .exclude(questionnaire_notices__questionnaire=questionnaire)
        )
        if participant_id is not None:
            people = people.filter(id=participant_id)
        pairs.extend((pid, questionnaire.id) for pid in people.order_by("id").values_list("id", flat=True))
    return pairs


def announce_when_due(*, participant_id: int) -> None:
    """Call inside the transaction that moved the participant to a new stage (after saving the new status): one
    outbox message per questionnaire that this made due commits with the change."""
    queue_due_emails(participant_id=participant_id)


def queue_due_emails(*, participant_id: int | None) -> int:
    """Queue a "questionnaire due" message for each unannounced pair (of one participant, or everyone); must run
    in a transaction. A pair queued twice (a stage change and the beat sweep) is claimed once when sent."""
    pairs = unannounced_pairs(participant_id=participant_id)
    for pid, questionnaire_id in pairs:
        queue_message(kind=OutboxMessage.Kind.QUESTIONNAIRE_DUE, participant_id=pid, questionnaire_id=questionnaire_id)
    return len(pairs)


def claim_notice(*, participant: Participant, questionnaire_id: int) -> QuestionnaireNotice | None:
    """The notice row if this caller may send the email now, else None (not due, or already claimed)."""
    if participant.study.status == Study.Status.CLOSED:
        return None
    if questionnaire_id not in {q.id for q in due_questionnaires(participant=participant)}:
        return None
    try:
        with transaction.atomic():
            return QuestionnaireNotice.objects.create(participant=participant, questionnaire_id=questionnaire_id)
    except IntegrityError:
        return None


def mark_notice_sent(*, notice: QuestionnaireNotice) -> None:
    QuestionnaireNotice.objects.filter(id=notice.id).update(sent_at=timezone.now())


def release_notice(*, notice: QuestionnaireNotice) -> None:
    """The mail server did not take it: free the claim so the retry (or the next sweep) can send."""
    QuestionnaireNotice.objects.filter(id=notice.id, sent_at__isnull=True).delete()
