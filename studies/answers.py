"""Answers and consent choices as a team member reads them on a participant's page: each question's text and each
choice's label in the reader's language (else the study's first), instead of keys and stored values such as
`['a', 'b']`. Reads only; the caller has checked that the reader's role may see them
(studies.participant_views.SCREENING_READERS)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.utils.translation import gettext as _

from studies.forms.screening import country_choices, language_choices, localized
from studies.models import Consent, Question, ScreeningResponse
from studies.services.consent import item_label


@dataclass(frozen=True)
class ShownAnswer:
    question: str
    answer: str


@dataclass(frozen=True)
class ShownResponse:
    response: ScreeningResponse
    answers: list[ShownAnswer]


@dataclass(frozen=True)
class ConsentRow:
    consent: Consent
    choices: list[tuple[str, bool]]  # (the item's label, the person's choice)


@cache
def _names(kind: str, language: str) -> dict[str, str]:
    choices = country_choices(language) if kind == Question.Kind.COUNTRY else language_choices(language)
    return dict(choices.rows)


def _one(question: Question | None, value: Any, language: str, fallback: str) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    text = str(value)
    if question is None:
        return text
    if question.kind in (Question.Kind.COUNTRY, Question.Kind.LANGUAGE):
        return _names(question.kind, language).get(text, text)
    for choice in question.choices:
        if str(choice.get("value")) == text:
            return localized(choice.get("labels") or {}, language, fallback) or text
    return text


def answer_text(question: Question | None, value: Any, *, language: str, fallback: str) -> str:
    """One stored answer as words: a choice's label, a country's or language's name, Yes or No, the labels of a
    multiple choice joined by commas; a value no longer among the choices (or of a deleted question) as stored."""
    values = value if isinstance(value, list) else [value]
    return ", ".join(_one(question, item, language, fallback) for item in values)


def _answers(response: ScreeningResponse, language: str, fallback: str) -> list[ShownAnswer]:
    questions = list(response.questionnaire.questions.all())
    given = response.answers
    rows = [
        ShownAnswer(
            localized(q.text, language, fallback) or q.key,
            answer_text(q, given[q.key], language=language, fallback=fallback),
        )
        for q in questions
        if q.key in given
    ]
    asked = {q.key for q in questions}
    # Answers to a question deleted since: the key is all that is left to name it.
    rows += [
        ShownAnswer(key, answer_text(None, value, language=language, fallback=fallback))
        for key, value in given.items()
        if key not in asked
    ]
    return rows


def shown_responses(responses: list[ScreeningResponse], *, language: str, fallback: str) -> list[ShownResponse]:
    """Each response with its answers in the questionnaire's order (prefetch `questionnaire__questions`)."""
    return [ShownResponse(response, _answers(response, language, fallback)) for response in responses]


def consent_rows(consents: list[Consent]) -> list[ConsentRow]:
    """Each consent with its choices named as the participant read them, in the document's order."""
    rows = []
    for consent in consents:
        labels = [
            (item_label(key, rule), bool(consent.choices.get(key))) for key, rule in consent.document.ordered_items()
        ]
        rows.append(ConsentRow(consent, labels))
    return rows
