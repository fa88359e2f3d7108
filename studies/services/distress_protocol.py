"""A study's own distress protocol, as its set-up page saves it (studies/distress_protocol_views.py); how it
applies in interviews is studies.services.distress."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.audit import record_event
from studies.iso_names import language_name
from studies.models import DistressProtocol, SafetyEvent, Study, StudyMembership
from studies.permissions import MANAGERS, require_role
from studies.services.distress import (
    INTERVIEW_ROLES,
    MAX_QUESTIONS,
    QUESTION_MAX_LENGTH,
    DistressError,
    Outcome,
)
from studies.services.study_setup import StudySetupError, check_setup_editable

FOLLOW_UP_HOURS = (1, 24 * 14)


class ProtocolError(DistressError):
    """A protocol the set-up refuses; `field` names the form field it is about ("q-<row>-<language>",
    "notify_outcomes", "follow_up_hours", …), None for the whole form."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def save_protocol(
    *,
    study: Study,
    user: Any,
    questions: list[dict[str, str]],
    notify_outcomes: list[str],
    follow_up_outcomes: list[str],
    follow_up_hours: int,
    follow_up_assignee_id: int | None,
    follow_up_channel: str,
    request: HttpRequest | None = None,
) -> DistressProtocol:
    """Save the study's own distress protocol (owners and researchers). Everything is checked under the study's
    lock before anything is written, so a refusal (ProtocolError) changes nothing and an archive landing at the same
    time waits or refuses it. Rows left empty in every language are dropped; no question at all keeps the
    platform's questions. `follow_up_assignee_id` None: the interviewer who marked the moment follows up."""
    require_role(user, study.slug, MANAGERS)
    with transaction.atomic():
        locked = Study.objects.select_for_update().get(pk=study.pk)
        try:
            check_setup_editable(locked)
        except StudySetupError as error:
            raise ProtocolError(str(error)) from error
        texts = _checked_questions(questions, locked.languages or ["en"])
        notify = _checked_outcomes(notify_outcomes, "notify_outcomes")
        follow = _checked_outcomes(follow_up_outcomes, "follow_up_outcomes")
        _check_follow_up(locked, follow_up_hours, follow_up_assignee_id, follow_up_channel)
        protocol, _created = DistressProtocol.objects.update_or_create(
            study=locked,
            defaults={
                "questions": texts,
                "notify_outcomes": notify,
                "follow_up_outcomes": follow,
                "follow_up_hours": follow_up_hours,
                "follow_up_assignee_id": follow_up_assignee_id,
                "follow_up_channel": follow_up_channel,
            },
        )
        detail = {"questions": len(texts), "notify": notify, "follow_up": follow, "hours": follow_up_hours}
        record_event(
            action="distress_protocol.saved",
            actor=user,
            request=request,
            study_id=locked.pk,
            target=protocol,
            detail=detail,
        )
    return protocol


def _checked_questions(questions: list[dict[str, str]], languages: list[str]) -> list[dict[str, str]]:
    """Each question in every study language (rows empty everywhere dropped), each text short enough."""
    kept = []
    for row, texts in enumerate(questions, start=1):
        question = {code: str(texts.get(code, "")).strip() for code in languages}
        if not any(question.values()):
            continue
        for code, text in question.items():
            language = f"{language_name(code)} ({code})"
            if not text:
                message = _("Question %(number)d has no text in %(language)s: write it in every study language.")
                raise ProtocolError(message % {"number": row, "language": language}, f"q-{row - 1}-{code}")
            if len(text) > QUESTION_MAX_LENGTH:
                message = _("Question %(number)d in %(language)s is too long (at most %(limit)d characters).")
                limit = {"number": row, "language": language, "limit": QUESTION_MAX_LENGTH}
                raise ProtocolError(message % limit, f"q-{row - 1}-{code}")
        kept.append(question)
    if len(kept) > MAX_QUESTIONS:
        raise ProtocolError(_("Write at most %(limit)d questions.") % {"limit": MAX_QUESTIONS})
    return kept


def _checked_outcomes(values: list[str], field: str) -> list[str]:
    if any(value not in Outcome.values for value in values):
        raise ProtocolError(_("Choose outcomes from the list."), field)
    return [outcome for outcome in Outcome.values if outcome in values]


def _check_follow_up(study: Study, hours: int, assignee_id: int | None, channel: str) -> None:
    low, high = FOLLOW_UP_HOURS
    if isinstance(hours, bool) or not isinstance(hours, int) or not low <= hours <= high:
        message = _("Give the follow-up time in hours, from %(low)d to %(high)d (two weeks).")
        raise ProtocolError(message % {"low": low, "high": high}, "follow_up_hours")
    if channel not in SafetyEvent.Channel.values:
        raise ProtocolError(_("Choose how the follow-up is done."), "follow_up_channel")
    members = StudyMembership.objects.filter(study=study, role__in=INTERVIEW_ROLES)
    if assignee_id is not None and not members.filter(user_id=assignee_id).exists():
        message = _("Give the follow-up to an owner, a researcher or an interviewer of this study.")
        raise ProtocolError(message, "follow_up_assignee")
