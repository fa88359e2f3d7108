"""The team's CSV of one questionnaire's answers: content, roles, the audit entry, defused formulas."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, User
from studies.models import ContactDetails, Participant, Questionnaire, ScreeningResponse, Study
from studies.tests.factories import YES_NO, ParticipantFactory, QuestionFactory, QuestionnaireFactory

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def answered(study: Study, questionnaire: Questionnaire, answers: dict[str, object], **fields: object) -> Participant:
    participant = ParticipantFactory(study=study, **fields)
    ContactDetails.objects.create(participant=participant, name="Sam Rivera", email="sam@example.org")
    moment = timezone.now() - timedelta(days=ScreeningResponse.objects.count() + 1)
    ScreeningResponse.objects.create(
        study=study,
        questionnaire=questionnaire,
        participant=participant,
        form_token=f"t{participant.id}",
        language=str(fields.get("language", "en")),
        answers=answers,
        started_at=moment,
        submitted_at=moment,
    )
    return participant


def wellbeing(study: Study) -> Questionnaire:
    questionnaire = QuestionnaireFactory(study=study, kind="wellbeing", available_from="consented")
    QuestionFactory(questionnaire=questionnaire, key="mood", kind="likert", min_value=-3, max_value=3)
    QuestionFactory(questionnaire=questionnaire, key="help", kind="single", choices=YES_NO)
    QuestionFactory(questionnaire=questionnaire, key="apps", kind="multiple", choices=YES_NO)
    QuestionFactory(questionnaire=questionnaire, key="notes", kind="long_text", required=False)
    return questionnaire


def download(client: Client, questionnaire: Questionnaire) -> list[list[str]]:
    response = client.get(reverse("studies:questionnaire_export", args=[questionnaire.study.slug, questionnaire.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_has_a_row_per_response_with_pseudonyms_and_a_column_per_question_key(
    study: Study, researcher: User
) -> None:
    questionnaire = wellbeing(study)
    first = answered(study, questionnaire, {"mood": "-2", "help": "yes", "apps": ["yes", "no"], "notes": "Bien"})
    second = answered(study, questionnaire, {"mood": "1", "help": "no"}, language="hi")
    other = wellbeing(ParticipantFactory().study)
    answered(other.study, other, {"mood": "3"})
    page = signed_in(researcher).get(reverse("studies:questionnaire", args=[study.slug, questionnaire.pk]))
    assert reverse("studies:questionnaire_export", args=[study.slug, questionnaire.pk]) in page.content.decode()
    rows = download(signed_in(researcher), questionnaire)
    assert rows[0] == ["participant", "submitted_at", "language", "version", "mood", "help", "apps", "notes"]
    assert [row[0] for row in rows[1:]] == [second.code, first.code]  # oldest first
    assert rows[2][2:] == ["en", "1", "-2", "yes", "yes;no", "Bien"]
    assert rows[1][2:] == ["hi", "1", "1", "no", "", ""]
    assert rows[1][1] == ScreeningResponse.objects.get(participant=second).submitted_at.isoformat()
    assert "sam@example.org" not in str(rows)
    assert "Sam Rivera" not in str(rows)


def test_owners_and_researchers_download_other_roles_are_refused_and_outsiders_see_nothing(
    study: Study, owner: User, researcher: User, interviewer: User, coder: User, viewer: User, outsider: User
) -> None:
    questionnaire = wellbeing(study)
    url = reverse("studies:questionnaire_export", args=[study.slug, questionnaire.pk])
    for user in (owner, researcher):
        assert signed_in(user).get(url).status_code == 200
    for user in (interviewer, coder, viewer):
        assert signed_in(user).get(url).status_code == 403
    assert signed_in(outsider).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the sign-in page
    elsewhere = wellbeing(ParticipantFactory().study)
    wrong_study = reverse("studies:questionnaire_export", args=[study.slug, elsewhere.pk])
    assert signed_in(owner).get(wrong_study).status_code == 404  # another study's questionnaire
    assert AuditEntry.objects.filter(action="questionnaire_responses.exported").count() == 2


def test_each_download_is_audit_logged_with_ids_only(study: Study, owner: User) -> None:
    questionnaire = wellbeing(study)
    answered(study, questionnaire, {"mood": "0", "notes": "private words"})
    download(signed_in(owner), questionnaire)
    entry = AuditEntry.objects.get(action="questionnaire_responses.exported")
    assert entry.actor == owner
    assert entry.study_id == study.id
    assert entry.target_id == str(questionnaire.pk)
    assert entry.detail == {"questionnaire": questionnaire.pk, "responses": 1}


def test_a_free_text_answer_that_looks_like_a_formula_is_neutralised(study: Study, researcher: User) -> None:
    questionnaire = wellbeing(study)
    answered(study, questionnaire, {"mood": "-1", "notes": '=HYPERLINK("http://evil.example","x")'})
    answered(study, questionnaire, {"notes": "+1+cmd|' /C calc'!A0"})
    answered(study, questionnaire, {"notes": "@SUM(A1)"})
    answered(study, questionnaire, {"notes": "-2+3"})
    notes = [row[-1] for row in download(signed_in(researcher), questionnaire)[1:]]
    assert sorted(notes) == sorted(
        ["'-2+3", "'@SUM(A1)", "'+1+cmd|' /C calc'!A0", '\'=HYPERLINK("http://evil.example","x")']
    )
    assert "-1" in [row[4] for row in download(signed_in(researcher), questionnaire)[1:]]  # a number stays one
