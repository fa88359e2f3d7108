"""Free-text answers are sealed in the database; closed answers stay plain for rules, quotas and dashboards."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from studies.models import Participant, Question, ScreeningResponse, Study
from studies.services.questionnaire_export import answers_csv
from studies.services.quotas import stratum_counts
from studies.services.stage_questionnaires import answer_questionnaire
from studies.tests.factories import QuestionFactory, QuestionnaireFactory, build_screening
from studies.tests.test_screening import submit

pytestmark = pytest.mark.django_db

WORDS = "Xochitl Ngozi-Ferreira, after the night at Saint Brigid's ward"


def stored_row(response: ScreeningResponse) -> str:
    """Every column of the response as PostgreSQL holds it, read without the application's fields."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM studies_screeningresponse WHERE id = %s", [response.pk])
        row = cursor.fetchone()
    assert row is not None
    return " ".join(str(value) for value in row)


def test_a_free_text_screening_answer_is_sealed_and_read_back_in_plain(study: Study) -> None:
    questionnaire = build_screening(study)
    QuestionFactory(questionnaire=questionnaire, key="gender_description", kind=Question.Kind.SHORT_TEXT)
    assert submit(Client(), study, q_gender_description=WORDS).status_code == 302
    response = ScreeningResponse.objects.get(participant__study=study)
    raw = stored_row(response)
    assert "Ngozi" not in raw
    assert "Brigid" not in raw
    assert response.answers["gender_description"] == WORDS
    assert "gender_description" not in response.attributes


def test_closed_answers_stay_plain_and_queryable_for_rules_quotas_and_dashboards(study: Study) -> None:
    build_screening(study)
    stratum = study.strata.create(name="Europe", key="region", values=["europe"], target=1, maximum=5)
    assert submit(Client(), study, q_country="ES").status_code == 302
    participant = Participant.objects.get(study=study)
    assert participant.status == Participant.Status.ELIGIBLE  # the rule read the closed answer
    response = participant.responses.get()
    assert response.attributes["country"] == "ES"
    assert ScreeningResponse.objects.filter(attributes__region="europe", attributes__used_chatbot="yes").count() == 1
    Participant.objects.filter(pk=participant.pk).update(status=Participant.Status.CONSENTED)
    assert stratum_counts(study=study)[stratum.id] == 1
    raw = stored_row(response)
    assert '"europe"' in raw  # attributes are plain JSON in the database
    assert '"ES"' in raw


def test_a_later_questionnaires_long_answer_is_sealed_and_still_exported(study: Study) -> None:
    participant = Participant.objects.create(study=study, code="P-TXT2", status=Participant.Status.CONSENTED)
    questionnaire = QuestionnaireFactory(study=study, kind="wellbeing", available_from="consented")
    notes = QuestionFactory(questionnaire=questionnaire, key="notes", kind=Question.Kind.LONG_TEXT)
    mood = QuestionFactory(questionnaire=questionnaire, key="mood", kind=Question.Kind.LIKERT, min_value=1)
    response, created = answer_questionnaire(
        participant=participant,
        questionnaire=questionnaire,
        questions=[notes, mood],
        answers={"notes": WORDS, "mood": "4"},
        language="en",
    )
    assert created
    raw = stored_row(response)
    assert "Ngozi" not in raw
    assert response.attributes == {"mood": "4"}
    exported = b"".join(answers_csv(questionnaire=questionnaire)).decode("utf-8-sig")
    assert WORDS in exported
