"""Answers and consent choices as a team member reads them on a participant's page: each question's text and each
choice's label in the reader's language (else the study's first), instead of keys and stored values such as
`['a', 'b']`. Reads only; the caller has checked that the reader's role may see them
(studies.participant_views.SCREENING_READERS).

A response is read with the questions of the version it answered (studies.services.questionnaire_versions), so an
answer to a question deleted or reworded since keeps the wording the person saw. A matrix row reads as
"<question> - <row>" with the chosen column's label; a calculated value as its number; a note has no answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.utils.translation import gettext as _

from studies.forms.screening import country_choices, language_choices, localized
from studies.logic import answer_names, pipe
from studies.models import Consent, Question, ScreeningResponse
from studies.services.consent import item_label
from studies.services.questionnaire_versions import questions_of


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


def _answers(response: ScreeningResponse, questions: list[Question], language: str, fallback: str) -> list[ShownAnswer]:
    given = response.answers
    by_name = {name: question for question in questions for name in answer_names(question)}

    def words(name: str, value: Any) -> str:
        return answer_text(by_name.get(name), value, language=language, fallback=fallback)

    def wording(mapping: dict[str, str], default: str) -> str:
        # Piped-in earlier answers ("${key}") read as the person's own answers, as their page showed them.
        text = localized(mapping or {}, language, fallback)
        return pipe(text, given, words) if text else default

    rows = []
    for question in questions:
        if question.kind == Question.Kind.NOTE:
            continue
        text = wording(question.text, question.key)
        if question.kind == Question.Kind.MATRIX:
            for row, name in zip(question.rows, answer_names(question), strict=True):
                if name in given:
                    label = wording(row.get("labels") or {}, str(row.get("key", "")))
                    rows.append(ShownAnswer(f"{text} - {label}", words(name, given[name])))
        elif question.key in given:
            rows.append(ShownAnswer(text, words(question.key, given[question.key])))
    # Answers no question of the version names (stored before versions were kept): the key is all there is.
    rows += [
        ShownAnswer(key, answer_text(None, value, language=language, fallback=fallback))
        for key, value in given.items()
        if key not in by_name
    ]
    return rows


def shown_responses(responses: list[ScreeningResponse], *, language: str, fallback: str) -> list[ShownResponse]:
    """Each response with its answers in the order of the questionnaire version it answered (select_related
    `questionnaire`). Each version's questions are read once per call, however many responses share it."""
    versions: dict[tuple[int, int], list[Question]] = {}
    shown = []
    for response in responses:
        key = (response.questionnaire_id, response.version)
        if key not in versions:
            versions[key] = questions_of(response.questionnaire, response.version)
        shown.append(ShownResponse(response, _answers(response, versions[key], language, fallback)))
    return shown


def consent_rows(consents: list[Consent]) -> list[ConsentRow]:
    """Each consent with its choices named as the participant read them, in the document's order."""
    rows = []
    for consent in consents:
        labels = [
            (item_label(key, rule), bool(consent.choices.get(key))) for key, rule in consent.document.ordered_items()
        ]
        rows.append(ConsentRow(consent, labels))
    return rows
