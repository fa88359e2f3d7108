"""A participant's page shows owners and researchers each screening question's text and each answer's label in the
reader's language (else the study's first), not keys and stored values such as `['a', 'b']` (issue #23); consent
choices are named as the participant read them. Which roles see the answers at all is
test_participant_pages_by_role.py's subject, and stays as it was."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from studies.answers import answer_text
from studies.models import ConsentItem, Participant, Question, Questionnaire, ScreeningResponse, Study
from studies.tests.factories import (
    ConsentDocumentFactory,
    ConsentFactory,
    ParticipantFactory,
    QuestionFactory,
    build_screening,
)

pytestmark = pytest.mark.django_db

WHEN = datetime(2031, 5, 6, 14, 30, tzinfo=UTC)
SUPPORT = [
    {"value": "friends", "labels": {"en": "Friends or family", "es": "Amigos o familia"}},
    {"value": "therapist", "labels": {"en": "A therapist", "es": "Un terapeuta"}},
    {"value": "chatbot", "labels": {"en": "An AI chatbot", "es": "Un chatbot de IA"}},
]


def screened(study: Study) -> Participant:
    """Someone who answered the demo screening plus a multiple-choice question, in Spanish."""
    questionnaire = build_screening(study)
    QuestionFactory(
        questionnaire=questionnaire,
        key="support",
        kind=Question.Kind.MULTIPLE,
        choices=SUPPORT,
        text={"en": "Where do you look for support?", "es": "¿Dónde busca apoyo?"},
    )
    participant = ParticipantFactory(study=study, status=Participant.Status.ELIGIBLE, language="es")
    ScreeningResponse.objects.create(
        study=study,
        questionnaire=questionnaire,
        participant=participant,
        form_token="answers-page-token",
        language="es",
        answers={"age": 29, "country": "ES", "used_chatbot": "yes", "support": ["friends", "chatbot"], "gone": "x"},
        attributes={"age": 29},
        started_at=WHEN,
        submitted_at=WHEN,
        eligible=True,
    )
    return participant


def page(user: User, study: Study, participant: Participant, language: str = "en") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    response = client.get(reverse("studies:participant", args=[study.slug, participant.code]))
    assert response.status_code == 200
    return str(response.content.decode())


def test_an_owner_reads_question_texts_and_choice_labels_not_keys_or_lists(study: Study, owner: User) -> None:
    participant = screened(study)

    html = page(owner, study, participant)

    assert "<dt>Where do you look for support?</dt><dd>Friends or family, An AI chatbot</dd>" in html
    assert "<dt>Where do you live?</dt><dd>Spain</dd>" in html
    assert "<dt>How old are you?</dt><dd>29</dd>" in html
    assert "Have you used an AI chatbot for mental-health support in the past 12 months?</dt><dd>Yes</dd>" in html
    assert "[&#x27;" not in html
    assert "['" not in html
    assert "<dt>support</dt>" not in html
    assert "<dt>country</dt>" not in html
    # An answer to a question deleted since keeps its key: nothing else names it.
    assert "<dt>gone</dt><dd>x</dd>" in html


def test_a_researcher_reading_in_spanish_gets_the_spanish_texts_and_country_name(
    study: Study, researcher: User
) -> None:
    participant = screened(study)

    html = page(researcher, study, participant, language="es")

    assert "<dt>¿Dónde busca apoyo?</dt><dd>Amigos o familia, Un chatbot de IA</dd>" in html
    assert "<dt>¿Dónde vive?</dt><dd>España</dd>" in html
    assert "<dd>Sí</dd>" in html


def test_a_reader_in_a_language_the_study_lacks_gets_the_studys_first(study: Study, researcher: User) -> None:
    Study.objects.filter(pk=study.pk).update(languages=["es", "en"])
    participant = screened(study)

    html = page(researcher, study, participant, language="hi")

    assert "<dt>¿Dónde busca apoyo?</dt><dd>Amigos o familia, Un chatbot de IA</dd>" in html


def test_consent_choices_are_named_as_the_participant_read_them(study: Study, interviewer: User) -> None:
    participant = ParticipantFactory(study=study)
    items = {
        ConsentItem.AUDIO_RECORDING: {"required": True, "position": 0},
        "future_contact": {"required": False, "label": "You may contact me about later studies", "position": 1},
    }
    document = ConsentDocumentFactory(study=study, items=items)
    ConsentFactory(
        participant=participant,
        document=document,
        choices={ConsentItem.AUDIO_RECORDING: True, "future_contact": False},
    )

    html = page(interviewer, study, participant)

    assert f"{ConsentItem.AUDIO_RECORDING.label}: Yes; You may contact me about later studies: No" in html
    assert "future_contact" not in html


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        (Question.Kind.LANGUAGE, "ar", "Arabic"),
        (Question.Kind.CONFIRM, True, "Yes"),
        (Question.Kind.SINGLE, "retired-choice", "retired-choice"),
        (Question.Kind.LONG_TEXT, "In my own words", "In my own words"),
        (Question.Kind.LIKERT, 4, "4"),
    ],
)
def test_each_kind_of_answer_reads_as_words(kind: str, value: object, expected: str) -> None:
    question = Question(questionnaire=Questionnaire(), key="k", kind=kind, choices=SUPPORT)

    assert answer_text(question, value, language="en", fallback="en") == expected
