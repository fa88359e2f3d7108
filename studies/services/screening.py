"""Public screening: one submission becomes one participant, whole or not at all, at most once per form."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.crypto import keyed_hash
from studies.models import ContactDetails, Participant, Question, Questionnaire, ScreeningResponse, Study
from studies.services.eligibility import Eligibility, derive_attributes, evaluate_eligibility, stored_attributes
from studies.services.fraud import RiskAssessment, assess_risk, client_hash
from studies.services.quotas import full_strata
from studies.services.safety import record_safety_events

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I, which people misread


@dataclass(frozen=True)
class Submission:
    """What the public form collected; contact details go to ContactDetails, never into answers."""

    form_token: str
    started_at: datetime
    answers: dict[str, Any]
    name: str
    email: str
    phone: str
    language: str
    ip: str
    user_agent: str
    honeypot: str = ""


@dataclass(frozen=True)
class Outcome:
    response: ScreeningResponse
    created: bool
    risk_items: list[str]


def _new_code() -> str:
    return "P-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))


def create_participant(*, study: Study, status: str, language: str) -> Participant:
    """A participant with a fresh pseudonym; retries on the rare collision (unique constraint, savepoint)."""
    for attempt in range(20):
        code = _new_code() if attempt < 10 else _new_code() + secrets.choice(CODE_ALPHABET) * 2
        try:
            with transaction.atomic():
                return Participant.objects.create(study=study, code=code, status=status, language=language)
        except IntegrityError:
            continue
    raise RuntimeError("No free pseudonym after 20 attempts.")


def triggered_risk_items(questions: list[Question], answers: dict[str, Any]) -> list[str]:
    keys = []
    for question in questions:
        if not question.is_risk_item or question.key not in answers:
            continue
        given = answers[question.key]
        given_values = {str(v) for v in given} if isinstance(given, list) else {str(given)}
        if given_values & {str(v) for v in question.risk_values}:
            keys.append(question.key)
    return keys


def _status(*, eligible: bool, flagged: bool, full: bool) -> str:
    if not eligible:
        return Participant.Status.INELIGIBLE
    if flagged:
        return Participant.Status.FLAGGED
    return Participant.Status.WAITLISTED if full else Participant.Status.ELIGIBLE


def submit_screening(
    *, study: Study, questionnaire: Questionnaire, submission: Submission, questions: list[Question] | None = None
) -> Outcome:
    """Evaluate eligibility, fraud risk, quotas and risk items; create the participant and their response.

    The form token is unique: a double click, back-button resubmit or replay returns the first outcome and
    creates nothing. The caller has checked that the study is recruiting and the token's signature.
    """
    try:
        with transaction.atomic():
            return _save(study=study, questionnaire=questionnaire, submission=submission, questions=questions)
    except IntegrityError:
        # A concurrent twin of this submission committed first; the unique token rolled this one back.
        existing = ScreeningResponse.objects.filter(form_token=submission.form_token).first()
        if existing is None:
            raise
        return Outcome(existing, created=False, risk_items=[])


@dataclass(frozen=True)
class _Assessment:
    attributes: dict[str, Any]
    eligibility: Eligibility
    risk: RiskAssessment
    email_hash: str
    phone_hash: str
    client: str


def _assess(
    *, study: Study, questionnaire: Questionnaire, questions: list[Question], submission: Submission, now: datetime
) -> _Assessment:
    """Everything decided about a submission before anything is written: eligibility, hashes, risk."""
    attributes = derive_attributes(questions, submission.answers)
    email_hash = keyed_hash(submission.email) if submission.email else ""
    phone_hash = keyed_hash(submission.phone) if submission.phone else ""
    client = client_hash(ip=submission.ip, user_agent=submission.user_agent)
    risk = assess_risk(
        study=study,
        questions=questions,
        answers=submission.answers,
        honeypot=submission.honeypot,
        seconds_taken=(now - submission.started_at).total_seconds(),
        min_seconds=questionnaire.min_completion_seconds,
        email_hash=email_hash,
        phone_hash=phone_hash,
        client=client,
        now=now,
    )
    eligibility = evaluate_eligibility(questionnaire=questionnaire, attributes=attributes)
    return _Assessment(attributes, eligibility, risk, email_hash, phone_hash, client)


def _save(
    *, study: Study, questionnaire: Questionnaire, submission: Submission, questions: list[Question] | None
) -> Outcome:
    now = timezone.now()
    questions = questions if questions is not None else list(questionnaire.questions.all())
    found = _assess(study=study, questionnaire=questionnaire, questions=questions, submission=submission, now=now)
    eligible, reasons = found.eligibility.eligible, found.risk.reasons
    full = eligible and bool(full_strata(study=study, attributes=found.attributes))
    status = _status(eligible=eligible, flagged=bool(reasons), full=full)
    participant = create_participant(study=study, status=status, language=submission.language)
    ContactDetails.objects.create(
        participant=participant,
        name=submission.name,
        email=submission.email,
        phone=submission.phone,
        email_hash=found.email_hash,
        phone_hash=found.phone_hash,
    )
    response = ScreeningResponse.objects.create(
        study=study,
        questionnaire=questionnaire,
        participant=participant,
        form_token=submission.form_token,
        language=submission.language,
        answers=submission.answers,
        attributes=stored_attributes(questions, found.attributes),
        started_at=submission.started_at,
        submitted_at=now,
        eligible=eligible,
        eligibility_reasons=found.eligibility.reasons,
        risk_level=found.risk.level,
        risk_reasons=reasons,
        review=ScreeningResponse.Review.PENDING if reasons else ScreeningResponse.Review.NOT_NEEDED,
        client_hash=found.client,
        version=questionnaire.version,
    )
    risk_items = triggered_risk_items(questions, submission.answers)
    record_safety_events(participant=participant, question_keys=risk_items)
    return Outcome(response, created=True, risk_items=risk_items)


@transaction.atomic
def review_response(*, response: ScreeningResponse, clear: bool) -> ScreeningResponse:
    """A researcher's decision on a flagged response: clear it into the pool (or the waitlist) or reject it.

    The caller has checked the researcher's role.
    """
    response = ScreeningResponse.objects.select_for_update().get(pk=response.pk)
    participant = response.participant
    if clear:
        response.review = ScreeningResponse.Review.CLEARED
        full = bool(full_strata(study=response.study, attributes=response.attributes))
        participant.status = _status(eligible=bool(response.eligible), flagged=False, full=full)
    else:
        response.review = ScreeningResponse.Review.REJECTED
        participant.status = Participant.Status.INELIGIBLE
    response.save(update_fields=["review", "updated_at"])
    participant.save(update_fields=["status", "updated_at"])
    return response
