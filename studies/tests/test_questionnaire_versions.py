"""Questionnaire versions as the team reads them (issue #21): each response keeps the version it answered, and its
answers are shown, exported and documented with that version's questions, so an answer to a question reworded or
deleted since stays readable; a matrix, a calculated value and skip logic export as the data dictionary says."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from studies.answers import shown_responses
from studies.models import Question, Questionnaire, QuestionnaireVersion, ScreeningResponse, Study
from studies.services.question_checks import fields_of
from studies.services.questionnaire_export import answers_csv, data_dictionary_csv, version_ranges
from studies.services.questionnaire_versions import definition, questions_of
from studies.services.questionnaires import delete_question, edit_question
from studies.tests.factories import YES_NO, QuestionFactory, QuestionnaireFactory

pytestmark = pytest.mark.django_db

USED_V1 = "Have you used an AI chatbot for support?"
USED_V2 = "In the past year, have you used an AI chatbot for support?"
OFTEN = [
    {"value": "1", "labels": {"en": "Never", "es": "Nunca"}},
    {"value": "2", "labels": {"en": "Sometimes", "es": "A veces"}},
    {"value": "3", "labels": {"en": "Often", "es": "A menudo"}},
]


def screening(study: Study) -> Questionnaire:
    """A note, a single choice, a question shown only after a yes, a matrix, a score calculated from it, and a
    question the team will delete."""
    study.languages = ["en", "es"]
    study.save(update_fields=["languages"])
    questionnaire = QuestionnaireFactory(study=study)
    QuestionFactory(questionnaire=questionnaire, key="intro", kind="note", text={"en": "About your sleep (a note)."})
    QuestionFactory(questionnaire=questionnaire, key="used", kind="single", choices=YES_NO, text={"en": USED_V1})
    QuestionFactory(
        questionnaire=questionnaire,
        key="which",
        kind="short_text",
        required=False,
        text={"en": "Which chatbot?"},
        conditions=[{"key": "used", "op": "eq", "value": "yes"}],
    )
    QuestionFactory(
        questionnaire=questionnaire,
        key="sleep",
        kind="matrix",
        choices=OFTEN,
        rows=[
            {"key": "r1", "labels": {"en": "Falling asleep", "es": "Dormirse"}},
            {"key": "r2", "labels": {"en": "Waking at night", "es": "Despertarse"}},
        ],
        text={"en": "How often do you have trouble", "es": "Con qué frecuencia tiene problemas"},
    )
    QuestionFactory(
        questionnaire=questionnaire,
        key="total",
        kind="calculated",
        calculation="${sleep_r1} + ${sleep_r2} * 2",
        text={"en": "Sleep score"},
    )
    QuestionFactory(questionnaire=questionnaire, key="pets", kind="single", choices=YES_NO, text={"en": "Any pets?"})
    return questionnaire


def answer(study: Study, email: str, **answers: str) -> ScreeningResponse:
    """Submit the public screening form as a participant would (the server decides what is kept)."""
    client = Client()
    url = reverse("participate:screening", args=[study.slug])
    token = re.search(r'name="token" value="([^"]+)"', client.get(url).content.decode())
    assert token
    data = {f"q_{name}": value for name, value in answers.items()}
    data.update(token=token.group(1), name="", email=email, phone="", website="")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ScreeningResponse.objects.get(study=study, participant__contact__email_hash=_hash(email))


def _hash(email: str) -> str:
    from config.crypto import keyed_hash

    return keyed_hash(email)


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def versioned(study: Study) -> tuple[Questionnaire, ScreeningResponse, ScreeningResponse]:
    """Answered as version 1; `used` reworded (version 2 starts) and `pets` deleted; answered as version 2."""
    questionnaire = screening(study)
    # "which" is posted but hidden (the condition needs a yes): the server keeps nothing of it.
    first = answer(study, "one@example.org", used="no", which="Secret bot", sleep_r1="1", sleep_r2="3", pets="yes")
    before = definition(questionnaire)
    used = questionnaire.questions.get(key="used")
    edit_question(question=used, fields={**fields_of(used), "text": {"en": USED_V2, "es": "¿Usó un chatbot?"}})
    questionnaire.refresh_from_db()
    assert questionnaire.version == 2
    assert QuestionnaireVersion.objects.get(questionnaire=questionnaire, number=1).definition == before
    delete_question(question=questionnaire.questions.get(key="pets"))
    questionnaire.refresh_from_db()
    assert questionnaire.version == 2  # nobody answered version 2 yet: the deletion belongs to it
    second = answer(
        study, "two@example.org", used="yes", which='=HYPERLINK("http://x.example")', sleep_r1="2", sleep_r2="2"
    )
    return questionnaire, first, second


def test_each_response_keeps_its_version_and_hidden_answers_are_never_stored(study: Study) -> None:
    questionnaire, first, second = versioned(study)
    assert (first.version, second.version) == (1, 2)
    assert first.answers == {"used": "no", "sleep_r1": "1", "sleep_r2": "3", "total": 7, "pets": "yes"}
    assert second.answers["which"].startswith("=HYPERLINK")
    assert second.answers["total"] == 6
    assert "pets" in [q.key for q in questions_of(questionnaire, 1)]
    assert "pets" not in [q.key for q in questions_of(questionnaire, 2)]


def test_the_csv_has_a_version_column_and_the_union_of_every_versions_columns(study: Study) -> None:
    questionnaire, first, second = versioned(study)
    header, *rows = rows_of(b"".join(answers_csv(questionnaire=questionnaire)))
    # The current version's columns in its order (matrix rows flattened, no note), then the deleted question's.
    assert header == [
        "participant", "submitted_at", "language", "version", "used", "which", "sleep_r1", "sleep_r2", "total", "pets"
    ]  # fmt: skip
    by_code = {row[0]: row for row in rows}
    old, new = by_code[first.participant.code], by_code[second.participant.code]
    assert old[3:] == ["1", "no", "", "1", "3", "7", "yes"]
    # Version 2 had no "pets": empty; a text a spreadsheet would run is defused.
    assert new[3:] == ["2", "yes", '\'=HYPERLINK("http://x.example")', "2", "2", "6", ""]
    assert "one@example.org" not in str(rows)


def test_a_response_leaves_empty_the_columns_its_version_did_not_have(study: Study) -> None:
    questionnaire, _first, second = versioned(study)
    # Even if an answer under that name were somehow stored, a version that lacks the column shows nothing there.
    ScreeningResponse.objects.filter(pk=second.pk).update(answers={**second.answers, "pets": "no"})
    header, *rows = rows_of(b"".join(answers_csv(questionnaire=questionnaire)))
    pets = header.index("pets")
    assert sorted(row[pets] for row in rows) == ["", "yes"]


def test_the_team_reads_each_answer_with_the_wording_of_the_version_it_answered(
    study: Study, owner: User, researcher: User
) -> None:
    _questionnaire, first, second = versioned(study)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(owner)
    html = client.get(reverse("studies:participant", args=[study.slug, first.participant.code])).content.decode()
    assert f"<dt>{USED_V1}</dt><dd>No</dd>" in html
    assert USED_V2 not in html
    assert "<dt>Any pets?</dt><dd>Yes</dd>" in html  # deleted since, still named by its question
    assert "<dt>How often do you have trouble - Falling asleep</dt><dd>Never</dd>" in html
    assert "<dt>How often do you have trouble - Waking at night</dt><dd>Often</dd>" in html
    assert "<dt>Sleep score</dt><dd>7</dd>" in html
    assert "Which chatbot?" not in html  # hidden, so never answered
    assert "About your sleep" not in html  # a note has no answer
    client.force_login(researcher)
    html = client.get(reverse("studies:participant", args=[study.slug, second.participant.code])).content.decode()
    assert f"<dt>{USED_V2}</dt><dd>Yes</dd>" in html
    assert "Any pets?" not in html


def test_shown_responses_reads_each_version_once_however_many_responses(
    study: Study, django_assert_max_num_queries: Any
) -> None:
    versioned(study)
    responses = list(ScreeningResponse.objects.select_related("questionnaire").order_by("version")) * 5
    with django_assert_max_num_queries(2):  # one per version
        shown = shown_responses(responses, language="es", fallback="en")
    sleep = [row for row in shown[0].answers if row.question.startswith("Con qué")]
    assert [(row.question, row.answer) for row in sleep] == [
        ("Con qué frecuencia tiene problemas - Dormirse", "Nunca"),
        ("Con qué frecuencia tiene problemas - Despertarse", "A menudo"),
    ]


def test_the_data_dictionary_lists_the_versions_of_each_column_and_explains_them(
    study: Study, researcher: User, viewer: User
) -> None:
    questionnaire, _first, _second = versioned(study)
    url = reverse("studies:questionnaire_dictionary", args=[study.slug, questionnaire.pk])
    page = Client()
    page.force_login(researcher)
    assert url in page.get(reverse("studies:questionnaire", args=[study.slug, questionnaire.pk])).content.decode()
    response = page.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = rows_of(response.content)
    assert header == [
        "column", "question", "type", "versions", "label_en", "label_es", "values", "description"
    ]  # fmt: skip
    described = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    # Every column of the answers CSV is described, in the same order.
    csv_header = rows_of(b"".join(answers_csv(questionnaire=questionnaire)))[0]
    assert [row[0] for row in rows if row[0] != "*"] == csv_header
    assert "version" in described["version"]["description"]
    assert described["version"]["versions"] == "1-2"
    assert (described["used"]["versions"], described["used"]["label_en"]) == ("1-2", USED_V2)  # newest wording
    assert (described["pets"]["versions"], described["pets"]["label_en"]) == ("1", "Any pets?")
    row = described["sleep_r2"]
    assert (row["question"], row["type"], row["versions"]) == ("sleep", "matrix", "1-2")
    assert row["label_es"] == "Con qué frecuencia tiene problemas - Despertarse"
    assert row["values"] == "1 = Never | 2 = Sometimes | 3 = Often"
    assert "matrix" in row["description"]
    total = described["total"]
    assert (total["type"], total["values"]) == ("calculated", "${sleep_r1} + ${sleep_r2} * 2")
    assert "Calculated" in total["description"]
    assert "intro" not in described  # a note has no column
    assert "hidden" in described["*"]["description"]
    entry = AuditEntry.objects.get(action="questionnaire_dictionary.exported")
    assert (entry.actor, entry.target_id, entry.detail) == (
        researcher,
        str(questionnaire.pk),
        {"questionnaire": questionnaire.pk, "version": 2},
    )
    page.force_login(viewer)
    assert page.get(url).status_code == 403


def test_the_dictionary_defuses_wording_a_spreadsheet_would_run(study: Study) -> None:
    questionnaire = QuestionnaireFactory(study=study, kind="wellbeing", available_from="consented")
    QuestionFactory(questionnaire=questionnaire, key="mood", kind="slider", text={"en": "=1+1"})
    rows = rows_of(data_dictionary_csv(questionnaire=questionnaire))
    (mood,) = [row for row in rows if row[0] == "mood"]
    assert mood[4] == "'=1+1"
    assert mood[7] == "from 0 to 100"
    assert mood[3] == "1"


def test_version_numbers_read_as_ranges() -> None:
    assert version_ranges([2]) == "2"
    assert version_ranges([1, 2]) == "1-2"
    assert version_ranges([4, 1, 2, 6, 5]) == "1-2, 4-6"
    assert version_ranges([]) == ""


def test_a_question_kind_without_an_answer_gets_no_column(study: Study) -> None:
    questionnaire = screening(study)
    header = rows_of(b"".join(answers_csv(questionnaire=questionnaire)))[0]
    assert "intro" not in header
    assert Question.Kind.NOTE in Question.UNANSWERED_KINDS


def test_the_study_archive_keeps_a_deleted_closed_question_among_the_participants_columns(study: Study) -> None:
    from exports.archive import tables
    from studies.models import Participant

    _questionnaire, first, second = versioned(study)
    Participant.objects.filter(pk__in=[first.participant_id, second.participant_id]).update(
        status=Participant.Status.CONSENTED
    )
    header = [column.name for column in tables.participant_columns(study)]
    assert "pets" in header
    assert header.index("used") < header.index("pets")  # the live questions first
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in tables.participant_rows(study)}
    assert rows[first.participant.code]["pets"] == "yes"
    assert rows[second.participant.code].get("pets") is None
    assert "which" not in header  # free text is never shared
