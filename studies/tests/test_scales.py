"""Scored scales (issue #21): PHQ-9, PHQ-2, GAD-7, GAD-2 and WHO-5 scored against hand-computed cases, added to a
questionnaire once, scored on submission, shown by role, exported, and PHQ-9 item 9 reaching the safety contact."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from studies.demographics import demographic_keys, demographics_of
from studies.models import (
    OutboxMessage,
    Participant,
    Question,
    Questionnaire,
    SafetyContact,
    SafetyEvent,
    ScreeningResponse,
    Study,
)
from studies.scales import GAD2, GAD7, PHQ2, PHQ9, WHO5, Band, Option, ScaleDefinition, score
from studies.services.emails import deliver_message
from studies.services.launch import launch_checklist
from studies.services.question_checks import fields_of
from studies.services.questionnaire_export import answers_csv
from studies.services.questionnaires import QuestionnaireError, create_rule, edit_question
from studies.services.scales import add_scale
from studies.services.stage_questionnaires import answer_questionnaire
from studies.tests.factories import ParticipantFactory, QuestionnaireFactory, build_screening
from studies.tests.test_screening import answers, fresh_token

pytestmark = pytest.mark.django_db


def items(*values: int) -> dict[int, int]:
    """Answers by item number, item 1 first."""
    return {number: value for number, value in enumerate(values, start=1)}


# (item answers, hand-computed total, band): each total at a band's edge.
PHQ9_CASES = [
    ((0, 0, 0, 0, 0, 0, 0, 0, 0), 0, "minimal"),
    ((1, 1, 1, 1, 0, 0, 0, 0, 0), 4, "minimal"),
    ((1, 1, 1, 1, 1, 0, 0, 0, 0), 5, "mild"),
    ((3, 3, 3, 0, 0, 0, 0, 0, 0), 9, "mild"),
    ((3, 3, 3, 1, 0, 0, 0, 0, 0), 10, "moderate"),
    ((2, 2, 2, 2, 2, 2, 2, 0, 0), 14, "moderate"),
    ((3, 3, 3, 3, 3, 0, 0, 0, 0), 15, "moderately_severe"),
    ((3, 3, 3, 3, 3, 3, 1, 0, 0), 19, "moderately_severe"),
    ((3, 3, 3, 3, 3, 3, 2, 0, 0), 20, "severe"),
    ((3, 3, 3, 3, 3, 3, 3, 3, 3), 27, "severe"),
]


@pytest.mark.parametrize(("given", "total", "band"), PHQ9_CASES)
def test_it_scores_phq9_and_its_bands_as_computed_by_hand(given: tuple[int, ...], total: int, band: str) -> None:
    found = score(PHQ9, items(*given))
    assert found is not None
    assert (found.total, found.band) == (total, band)


@pytest.mark.parametrize(
    ("given", "total", "band"),
    [
        ((0, 1, 1, 1, 1, 0, 0), 4, "minimal"),
        ((1, 1, 1, 1, 1, 0, 0), 5, "mild"),
        ((3, 3, 3, 0, 0, 0, 0), 9, "mild"),
        ((3, 3, 3, 1, 0, 0, 0), 10, "moderate"),
        ((2, 2, 2, 2, 2, 2, 2), 14, "moderate"),
        ((3, 3, 3, 3, 3, 0, 0), 15, "severe"),
        ((3, 3, 3, 3, 3, 3, 3), 21, "severe"),
    ],
)
def test_it_scores_gad7_bands(given: tuple[int, ...], total: int, band: str) -> None:
    found = score(GAD7, items(*given))
    assert found is not None
    assert (found.total, found.band) == (total, band)


@pytest.mark.parametrize("definition", [PHQ2, GAD2])
@pytest.mark.parametrize(("given", "band"), [((1, 1), "negative"), ((2, 1), "positive"), ((3, 3), "positive")])
def test_it_screens_positive_at_three_or_more_on_the_two_item_scales(
    definition: ScaleDefinition, given: tuple[int, int], band: str
) -> None:
    found = score(definition, items(*given))
    assert found is not None
    assert (found.total, found.band) == (sum(given), band)


@pytest.mark.parametrize(
    ("given", "total", "band"),
    [
        ((0, 0, 0, 0, 0), 0, "likely_depression"),
        ((2, 2, 1, 1, 1), 28, "likely_depression"),
        ((2, 2, 2, 1, 1), 32, "poor"),
        ((3, 3, 3, 2, 1), 48, "poor"),
        ((3, 3, 3, 2, 2), 52, "adequate"),
        ((5, 5, 5, 5, 5), 100, "adequate"),
    ],
)
def test_it_turns_who5_raw_scores_into_percentages_and_bands(given: tuple[int, ...], total: int, band: str) -> None:
    found = score(WHO5, items(*given))
    assert found is not None
    assert (found.total, found.band) == (total, band)


def test_a_missing_or_foreign_answer_gives_no_score() -> None:
    assert score(PHQ9, items(1, 1, 1, 1, 1, 1, 1, 1)) is None
    assert score(PHQ9, {**items(0, 0, 0, 0, 0, 0, 0, 0), 9: "4"}) is None
    assert score(PHQ9, {**items(0, 0, 0, 0, 0, 0, 0, 0), 9: "never"}) is None


def test_reverse_items_and_subscales_are_scored() -> None:
    options = (Option(0, PHQ9.options[0].label), Option(1, PHQ9.options[1].label), Option(2, PHQ9.options[2].label))
    custom = ScaleDefinition(
        key="custom",
        name="Custom",
        items=3,
        options=options,
        bands=(Band("low", 0, 3, PHQ9.bands[0].label), Band("high", 4, 6, PHQ9.bands[1].label)),
        reverse_items=frozenset({2}),
        subscales={"first_two": (1, 2)},
    )
    found = score(custom, {1: "2", 2: "0", 3: "1"})  # item 2 reversed: 2 - 0 = 2
    assert found is not None
    assert (found.total, found.band, found.subscales) == (5, "high", {"first_two": 4})


def scale_questionnaire(study: Study, scale: str = "phq9", kind: str = Questionnaire.Kind.SCREENING) -> Questionnaire:
    questionnaire = build_screening(study) if kind == Questionnaire.Kind.SCREENING else None
    questionnaire = questionnaire or QuestionnaireFactory(study=study, kind=kind)
    add_scale(questionnaire=questionnaire, scale_key=scale)
    return questionnaire


def test_adding_a_scale_inserts_required_scored_questions_without_wording(study: Study) -> None:
    questionnaire = scale_questionnaire(study)
    added = list(questionnaire.questions.exclude(scale_key="").order_by("position"))
    assert [q.key for q in added] == [f"phq9_{n}" for n in range(1, 10)]
    assert all(q.required and q.kind == Question.Kind.LIKERT and q.text == {} for q in added)
    assert [c["value"] for c in added[0].choices] == ["0", "1", "2", "3"]
    assert [(q.key, q.risk_values) for q in added if q.is_risk_item] == [("phq9_9", ["1", "2", "3"])]


def test_adding_the_same_scale_twice_is_refused_and_changes_nothing(study: Study) -> None:
    questionnaire = scale_questionnaire(study)
    before = questionnaire.questions.count()
    with pytest.raises(QuestionnaireError, match="already has the PHQ-9"):
        add_scale(questionnaire=questionnaire, scale_key="phq9")
    assert questionnaire.questions.count() == before


def test_the_page_adds_a_scale_once_for_a_researcher_and_refuses_a_coder(
    study: Study, researcher: User, coder: User
) -> None:
    questionnaire = build_screening(study)
    url = reverse("studies:questionnaire_scale", args=[study.slug, questionnaire.pk])
    client = Client()
    client.force_login(researcher)
    assert client.post(url, {"scale": "gad7"}).status_code == 302
    again = client.post(url, {"scale": "gad7"})
    assert again.status_code == 400
    assert "already has the GAD-7" in again.content.decode()
    assert questionnaire.questions.filter(scale_key="gad7").count() == 7
    other = Client()
    other.force_login(coder)
    assert other.post(url, {"scale": "who5"}).status_code == 403
    assert not questionnaire.questions.filter(scale_key="who5").exists()


def phq9_answers(*values: int) -> dict[str, str]:
    return {f"q_phq9_{n}": str(value) for n, value in enumerate(values, start=1)}


def submit_phq9(study: Study, *values: int, **overrides: Any) -> Any:
    client = Client()
    data = {**answers(**overrides), **phq9_answers(*values), "token": fresh_token(client, study)}
    return client.post(reverse("participate:screening", args=[study.slug]), data)


def test_a_screening_stores_the_score_for_rules_and_quotas(study: Study) -> None:
    scale_questionnaire(study)
    assert submit_phq9(study, 3, 3, 2, 2, 1, 1, 0, 0, 0).status_code == 302
    response = Participant.objects.get().responses.get()
    assert (response.attributes["phq9_total"], response.attributes["phq9_band"]) == (12, "moderate")
    assert not SafetyEvent.objects.exists()


def test_the_shared_demographics_carry_the_score_not_the_items(study: Study) -> None:
    scale_questionnaire(study)
    assert submit_phq9(study, 3, 3, 2, 2, 1, 1, 0, 0, 0).status_code == 302
    participant = Participant.objects.get()

    keys = demographic_keys(study.pk)
    shared = demographics_of([participant.pk], keys)[participant.pk]

    assert keys[-2:] == ["phq9_total", "phq9_band"]
    assert not any(key.startswith("phq9_") and key[-1].isdigit() for key in keys)
    assert (shared["phq9_total"], shared["phq9_band"]) == (12, "moderate")


def test_phq9_item_9_reaches_the_safety_contact_without_the_answer(
    study: Study, django_capture_on_commit_callbacks: Any
) -> None:
    SafetyContact.objects.create(study=study, name="Safety lead", email="safety@example.org")
    scale_questionnaire(study)
    with django_capture_on_commit_callbacks() as callbacks:
        assert submit_phq9(study, 0, 0, 0, 0, 0, 0, 0, 0, 1).status_code == 302
    assert len(callbacks) == 1
    event = SafetyEvent.objects.get()
    assert event.question_key == "phq9_9"
    alert = OutboxMessage.objects.get(safety_event=event)
    assert (alert.kind, alert.urgent) == (OutboxMessage.Kind.SAFETY_ALERT, True)
    assert deliver_message(message_id=alert.id) == "sent"
    [message] = mail.outbox
    assert message.to == ["safety@example.org"]
    assert event.participant.code in message.body
    assert "Several days" not in message.body
    assert "phq9_total" not in message.body


def test_a_later_questionnaire_stores_its_score_too(study: Study) -> None:
    questionnaire = scale_questionnaire(study, "who5", Questionnaire.Kind.WELLBEING)
    participant = ParticipantFactory(study=study, status=Participant.Status.CONSENTED)
    response, created = answer_questionnaire(
        participant=participant,
        questionnaire=questionnaire,
        questions=list(questionnaire.questions.all()),
        answers={f"who5_{n}": "3" for n in range(1, 6)},
        language="en",
    )
    assert created
    assert (response.attributes["who5_total"], response.attributes["who5_band"]) == (60, "adequate")


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("owner", True), ("researcher", True), ("interviewer", False), ("coder", False), ("viewer", False)],
)
def test_the_score_is_shown_on_the_participant_page_to_owners_and_researchers_only(
    study: Study, request: pytest.FixtureRequest, persona: str, shown: bool
) -> None:
    scale_questionnaire(study)
    submit_phq9(study, 3, 3, 3, 3, 3, 0, 0, 0, 0)
    participant = Participant.objects.get()
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("studies:participant", args=[study.slug, participant.code]))
    assert page.status_code == 200
    body = page.content.decode()
    assert ("Scale scores" in body) is shown
    assert ("Moderately severe" in body) is shown


def test_the_answers_csv_carries_the_score_columns(study: Study) -> None:
    questionnaire = scale_questionnaire(study)
    submit_phq9(study, 1, 1, 1, 1, 1, 0, 0, 0, 0)
    header, row = b"".join(answers_csv(questionnaire=questionnaire)).decode("utf-8-sig").splitlines()
    columns = header.split(",")
    assert columns[-2:] == ["phq9_total", "phq9_band"]
    assert row.split(",")[-2:] == ["5", "mild"]


def test_the_team_words_an_item_but_cannot_change_what_it_scores(study: Study, researcher: User) -> None:
    questionnaire = scale_questionnaire(study)
    item = questionnaire.questions.get(key="phq9_1")
    client = Client()
    client.force_login(researcher)
    page = client.get(reverse("studies:question", args=[study.slug, questionnaire.pk, item.pk])).content.decode()
    assert 'placeholder="Item 1 (enter your licensed wording)"' in page
    wording = {language: f"Licensed item one ({language})" for language in study.languages or ["en"]}
    worded = edit_question(question=item, fields={**fields_of(item), "text": wording})
    assert (worded.text, worded.scale_key, worded.scale_item) == (wording, "phq9", 1)
    recoded = [{**choice, "value": str(int(choice["value"]) + 1)} for choice in worded.choices]
    with pytest.raises(QuestionnaireError, match="scored scale"):
        edit_question(question=worded, fields={**fields_of(worded), "choices": recoded})
    assert [c["value"] for c in Question.objects.get(pk=item.pk).choices] == ["0", "1", "2", "3"]


def test_an_eligibility_rule_can_use_the_band(study: Study) -> None:
    questionnaire = scale_questionnaire(study)
    create_rule(questionnaire=questionnaire, key="phq9_band", operator="in", value=["minimal", "mild"], description="")
    submit_phq9(study, 3, 3, 3, 3, 3, 3, 3, 0, 0)
    submit_phq9(study, 1, 0, 0, 0, 0, 0, 0, 0, 0, email="other@example.org")
    # The second person shares the first one's device and is flagged for that; eligibility is what is checked.
    decided = sorted(ScreeningResponse.objects.values_list("attributes__phq9_total", "eligible"))
    assert decided == [(1, True), (21, False)]


def test_the_set_up_page_offers_scales_to_researchers_only(study: Study, researcher: User, viewer: User) -> None:
    questionnaire = scale_questionnaire(study)
    url = reverse("studies:questionnaire", args=[study.slug, questionnaire.pk])
    for persona, offered in ((researcher, True), (viewer, False)):
        client = Client()
        client.force_login(persona)
        body = client.get(url).content.decode()
        assert ("Add a scored scale" in body) is offered
        assert "Item 9 (enter your licensed wording)" in body


def test_a_scale_without_wording_holds_the_launch(study: Study) -> None:
    questionnaire = scale_questionnaire(study)
    [check] = [check for check in launch_checklist(study=study) if check.code == "screening"]
    assert not check.ok
    assert "9 questions have no wording yet" in check.message
    questionnaire.questions.filter(scale_key="phq9").update(
        text={"en": "Licensed wording", "es": "Texto con licencia", "hi": "लाइसेंस प्राप्त शब्द"}
    )
    [check] = [check for check in launch_checklist(study=study) if check.code == "screening"]
    assert check.ok
