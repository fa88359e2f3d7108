"""Editing a questionnaire's questions: every field, with checks; delete, duplicate and reorder; what rules,
quotas, skip logic and stored answers forbid; who may do it; the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, User
from studies.models import Question, Questionnaire, ScreeningResponse, Stratum, Study
from studies.services.questionnaire_versions import questions_of
from studies.tests.factories import YES_NO, ParticipantFactory, QuestionFactory, build_screening

pytestmark = pytest.mark.django_db

TEXTS = {"text_en": "Do you sleep well?", "text_es": "¿Duerme bien?", "text_hi": "क्या आप अच्छी नींद लेते हैं?"}
CHOICES = "yes | Yes | Sí | हाँ\nno | No | No | नहीं"
USED_CHATBOT = {"key": "used_chatbot", "op": "eq", "value": "yes"}


@pytest.fixture
def screening(study: Study) -> Questionnaire:
    """age, country, used_chatbot, crisis (risk item), attention; rules age ≥ 18 and used_chatbot = yes."""
    return build_screening(study)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(question: Question, name: str = "studies:question") -> str:
    return reverse(name, args=[question.questionnaire.study.slug, question.questionnaire_id, question.pk])


def page(questionnaire: Questionnaire) -> str:
    return reverse("studies:questionnaire", args=[questionnaire.study.slug, questionnaire.pk])


def form_data(**overrides: Any) -> dict[str, Any]:
    return {"key": "sleep", "kind": "single", "required": "on", "choices": CHOICES, **TEXTS, **overrides}


def keys(questionnaire: Questionnaire) -> list[str]:
    return list(questionnaire.questions.order_by("position", "id").values_list("key", flat=True))


def answer(questionnaire: Questionnaire, attributes: dict[str, Any], answers: dict[str, Any] | None = None) -> None:
    participant = ParticipantFactory(study=questionnaire.study)
    now = timezone.now()
    ScreeningResponse.objects.create(
        study=questionnaire.study,
        questionnaire=questionnaire,
        participant=participant,
        form_token=f"t{participant.pk}",
        language="en",
        answers=answers or attributes,
        attributes=attributes,
        started_at=now,
        submitted_at=now,
    )


def test_a_manager_edits_every_field_and_the_change_is_audited(screening: Questionnaire, researcher: User) -> None:
    question = screening.questions.get(key="crisis")
    data = form_data(
        key="in_crisis",
        choices=CHOICES + "\nunsure | Not sure | No sé | पता नहीं",
        if_key_0="used_chatbot",
        if_op_0="eq",
        if_value_0="yes",
        condition_match="all",
        is_risk_item="on",
        risk_values="yes, unsure",
        help_en="Only you see this.",
        help_es="Solo usted lo ve.",
        help_hi="केवल आप इसे देखते हैं।",
    )
    response = signed_in(researcher).post(url(question), data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#question-{question.pk}")
    question.refresh_from_db()
    assert question.key == "in_crisis"
    assert question.text == {"en": "Do you sleep well?", "es": "¿Duerme bien?", "hi": "क्या आप अच्छी नींद लेते हैं?"}
    assert question.help_text["hi"] == "केवल आप इसे देखते हैं।"
    assert question.choices[2] == {"value": "unsure", "labels": {"en": "Not sure", "es": "No sé", "hi": "पता नहीं"}}
    assert question.required is True
    assert question.conditions == [{"key": "used_chatbot", "op": "eq", "value": "yes"}]
    assert (question.is_risk_item, question.risk_values) == (True, ["yes", "unsure"])
    entry = AuditEntry.objects.get(action="question.updated")
    assert entry.detail["question"] == question.pk
    assert entry.detail["renamed_from"] == "crisis"
    assert set(entry.detail["fields"]) == {
        "key",
        "text",
        "help_text",
        "choices",
        "required",
        "conditions",
        "risk_values",
    }
    assert "Do you sleep" not in str(entry.detail)


def test_the_form_shows_what_is_saved(screening: Questionnaire, owner: User) -> None:
    question = screening.questions.get(key="attention")
    body = signed_in(owner).get(url(question)).content.decode()
    assert "yes | Yes | Sí | \nno | No | No | </textarea>" in body  # no Hindi labels yet: to be written on saving
    assert 'name="is_attention_check" id="id_is_attention_check" checked' in body
    assert '<option value="used_chatbot">used_chatbot — Have you used' in body  # earlier questions only
    assert '<option value="attention">' not in body


def test_bad_input_is_refused_beside_each_field_keeping_what_was_typed(
    screening: Questionnaire, researcher: User
) -> None:
    question = screening.questions.get(key="used_chatbot")
    data = form_data(
        key="used_chatbot",
        choices="yes | Yes | Sí | हाँ\nyes | Again | Otra | फिर\nno way | No | No",
        text_hi="",
        if_key_0="age",
        if_op_0="eq",
        if_value_0="",
        risk_values="maybe",
    )
    response = signed_in(researcher).post(url(question), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Line 3: write the value, then a label per study language (en, es, hi), split by |." in body
    assert "This field is required." in body  # the Hindi text
    assert "Give the value “age” is compared with." in body
    assert "Tick “Risk item”, or leave these answers empty." in body
    assert 'href="#id_text_hi"' in body
    assert "Otra" in body  # what was typed stays
    question.refresh_from_db()
    assert question.choices == YES_NO


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"choices": "yes | Yes | Sí | हाँ\nyes | Y | S | ह"}, "used twice: yes"),
        ({"choices": "oui! | Oui | Sí | हाँ"}, "“oui!” cannot be a choice value"),
        ({"choices": ""}, "needs at least one choice"),
        ({"kind": "number", "min_value": "10", "max_value": "1", "choices": ""}, "cannot be below the lowest"),
        ({"kind": "short_text"}, "Only single-choice, multiple-choice and Likert questions have choices"),
        ({"kind": "likert", "choices": "", "min_value": "0", "max_value": "4"}, "Start the scale at 1"),
        ({"kind": "likert", "choices": "", "min_value": "1", "max_value": "20"}, "at most 11 points"),
        ({"is_risk_item": "on", "risk_values": "maybe"}, "No answer to “sleep” can be maybe"),
        ({"kind": "short_text", "choices": "", "is_risk_item": "on", "risk_values": "x"}, "can be a risk item"),
        ({"is_attention_check": "on"}, "Give the answer that shows the person is reading."),
        ({"is_attention_check": "on", "attention_answer": "si"}, "No answer to “sleep” can be si"),
        ({"kind": "multiple", "is_attention_check": "on", "attention_answer": "yes"}, "cannot be an attention check"),
        ({"if_key_0": "used_chatbot", "if_op_0": "eq", "if_value_0": "perhaps"}, "No answer to “used_chatbot” can be"),
        ({"if_key_0": "used_chatbot", "if_op_0": "eq"}, "Give the value “used_chatbot” is compared with."),
        ({"key": "age"}, "Another question already uses this key."),
        ({"key": "region"}, "a value the platform derives from the answers"),
        ({"help_en": "Only in English"}, "Write the help in every study language, or in none."),
    ],
)
def test_a_new_question_is_checked_before_it_is_added(
    screening: Questionnaire, owner: User, overrides: dict[str, str], message: str
) -> None:
    response = signed_in(owner).post(page(screening), {"action": "question", **form_data(**overrides)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "sleep" not in keys(screening)


def test_a_checked_question_is_appended_and_audited(screening: Questionnaire, owner: User) -> None:
    data = {"action": "question", **form_data(kind="likert", choices="", min_value="1", max_value="7")}
    assert signed_in(owner).post(page(screening), data).status_code == 302
    assert keys(screening)[-1] == "sleep"
    assert AuditEntry.objects.get(action="question.created").detail["key"] == "sleep"


def test_renaming_a_key_carries_the_rules_and_skip_logic_that_use_it(screening: Questionnaire, owner: User) -> None:
    question = screening.questions.get(key="used_chatbot")
    later = QuestionFactory(questionnaire=screening, key="which", conditions=[USED_CHATBOT])
    response = signed_in(owner).post(url(question), form_data(key="chatbot_use"))
    assert response.status_code == 302
    assert screening.rules.get(value="yes").key == "chatbot_use"
    later.refresh_from_db()
    assert later.conditions == [{**USED_CHATBOT, "key": "chatbot_use"}]
    assert AuditEntry.objects.filter(action="rule.updated", detail__renamed_from="used_chatbot").count() == 1
    assert AuditEntry.objects.filter(action="question.updated", target_id=str(later.pk)).count() == 1


def test_a_key_a_quota_uses_is_not_renamed_and_the_quota_is_named(screening: Questionnaire, owner: User) -> None:
    Stratum.objects.create(
        study=screening.study, name="Chatbot users", key="used_chatbot", values=["yes"], target=5, maximum=8
    )
    question = screening.questions.get(key="used_chatbot")
    response = signed_in(owner).post(url(question), form_data(key="chatbot_use"))
    assert response.status_code == 400
    assert "The quota “Chatbot users” uses “used_chatbot”" in response.content.decode()
    assert "used_chatbot" in keys(screening)
    assert screening.rules.get(value="yes").key == "used_chatbot"


def test_an_edit_that_would_break_a_rule_is_refused(screening: Questionnaire, owner: User) -> None:
    question = screening.questions.get(key="used_chatbot")
    response = signed_in(owner).post(url(question), form_data(key="used_chatbot", choices="no | No | No | नहीं"))
    assert response.status_code == 400
    assert "The rule “used_chatbot = yes” would no longer hold" in response.content.decode()
    question.refresh_from_db()
    assert question.choices == YES_NO


def test_answers_keep_the_key_type_and_chosen_values_of_their_question(screening: Questionnaire, owner: User) -> None:
    answer(screening, {"attention": "no"})
    question = screening.questions.get(key="attention")
    client = signed_in(owner)
    page_text = client.get(url(question)).content.decode()
    assert "People have answered this question" in page_text
    for data, message in [
        (form_data(key="attention_2", is_attention_check="on", attention_answer="no"), "its key stays “attention”"),
        (form_data(key="attention", kind="likert", choices="", min_value="1", max_value="5"), "its type cannot change"),
        (
            form_data(key="attention", choices="yes | Yes | Sí | हाँ", is_attention_check="on", attention_answer="yes"),
            "People have answered no: keep these choices",
        ),
    ]:
        response = client.post(url(question), data)
        assert response.status_code == 400, message
        assert message in response.content.decode()
    # Labels may change, and a choice nobody picked may go.
    relabelled = "no | Nope | Nada | नहीं"
    data = form_data(key="attention", choices=relabelled, is_attention_check="on", attention_answer="no")
    assert client.post(url(question), data).status_code == 302
    question.refresh_from_db()
    assert question.choices == [{"value": "no", "labels": {"en": "Nope", "es": "Nada", "hi": "नहीं"}}]


def test_a_free_text_answer_counts_as_an_answer_though_it_is_sealed(screening: Questionnaire, owner: User) -> None:
    story = QuestionFactory(questionnaire=screening, key="story", kind="long_text", required=False)
    answer(screening, {}, answers={"story": "I could not sleep."})
    data = form_data(key="story_2", kind="long_text", choices="", required="")
    response = signed_in(owner).post(url(story), data)
    assert response.status_code == 400
    assert "its key stays “story”" in response.content.decode()


def test_deleting_asks_first_then_deletes_closes_the_gap_and_audits(screening: Questionnaire, owner: User) -> None:
    question = screening.questions.get(key="crisis")
    client = signed_in(owner)
    asked = client.post(url(question, "studies:question_delete"))
    assert asked.status_code == 200
    assert "Delete the question “crisis”?" in asked.content.decode()
    assert 'name="confirm" value="yes"' in asked.content.decode()
    assert "crisis" in keys(screening)
    done = client.post(url(question, "studies:question_delete"), {"confirm": "yes"})
    assert done.status_code == 302
    assert keys(screening) == ["age", "country", "used_chatbot", "attention"]
    assert list(screening.questions.order_by("position").values_list("position", flat=True)) == [0, 1, 2, 3]
    assert AuditEntry.objects.get(action="question.deleted").detail == {
        "questionnaire": screening.pk,
        "question": question.pk,
        "key": "crisis",
    }


def test_deleting_what_rules_quotas_or_skip_logic_use_is_refused_naming_them(
    screening: Questionnaire, owner: User
) -> None:
    Stratum.objects.create(study=screening.study, name="Europe", key="region", values=["europe"], target=1, maximum=2)
    QuestionFactory(questionnaire=screening, key="which", conditions=[USED_CHATBOT])
    client = signed_in(owner)
    country = screening.questions.get(key="country")
    shown = client.post(url(country, "studies:question_delete")).content.decode()
    assert "quota “Europe” use “country”: change or delete them first." in shown
    assert 'name="confirm"' not in shown
    chatbot = screening.questions.get(key="used_chatbot")
    response = client.post(url(chatbot, "studies:question_delete"), {"confirm": "yes"}, follow=True)
    assert "rule “used_chatbot = yes”, question “which” use “used_chatbot”" in response.content.decode()
    assert {"country", "used_chatbot"} <= set(keys(screening))
    assert not AuditEntry.objects.filter(action="question.deleted").exists()


def test_an_answered_question_is_deleted_from_a_new_version_and_its_answers_stay_readable(
    screening: Questionnaire, owner: User
) -> None:
    answer(screening, {"crisis": "no"})
    question = screening.questions.get(key="crisis")
    response = signed_in(owner).post(url(question, "studies:question_delete"), {"confirm": "yes"}, follow=True)
    assert "The question was deleted." in response.content.decode()
    assert "Version 2" in response.content.decode()
    assert "crisis" not in keys(screening)
    screening.refresh_from_db()
    assert screening.version == 2
    kept = ScreeningResponse.objects.get(questionnaire=screening)
    assert (kept.version, kept.answers["crisis"]) == (1, "no")
    answered_then = questions_of(screening, kept.version)
    crisis = next(question for question in answered_then if question.key == "crisis")
    assert crisis.text == question.text
    assert crisis.choices == question.choices


def test_questions_move_up_and_down_but_never_above_what_they_depend_on(
    screening: Questionnaire, researcher: User
) -> None:
    client = signed_in(researcher)
    crisis = screening.questions.get(key="crisis")
    assert client.post(url(crisis, "studies:question_move"), {"direction": "up"}).status_code == 302
    assert keys(screening) == ["age", "country", "crisis", "used_chatbot", "attention"]
    assert AuditEntry.objects.get(action="question.moved").detail["to"] == 2
    client.post(url(crisis, "studies:question_move"), {"direction": "down"})
    assert keys(screening) == ["age", "country", "used_chatbot", "crisis", "attention"]
    first = screening.questions.get(key="age")
    client.post(url(first, "studies:question_move"), {"direction": "up"})  # already first: nothing happens
    assert keys(screening)[0] == "age"
    assert client.post(url(first, "studies:question_move"), {"direction": "sideways"}).status_code == 400
    Question.objects.filter(pk=crisis.pk).update(conditions=[USED_CHATBOT])
    refused = client.post(url(crisis, "studies:question_move"), {"direction": "up"}, follow=True)
    assert "“crisis” reads the answer to “used_chatbot”, so it must stay below it." in refused.content.decode()
    assert keys(screening) == ["age", "country", "used_chatbot", "crisis", "attention"]


def test_the_list_offers_keyboard_buttons_to_reorder(screening: Questionnaire, owner: User) -> None:
    body = signed_in(owner).get(page(screening)).content.decode()
    assert body.count('name="direction" value="up"') == 4
    assert body.count('name="direction" value="down"') == 4
    assert '<span class="visually-hidden"> crisis</span>' in body


def test_a_question_is_duplicated_under_a_new_key_right_below(screening: Questionnaire, owner: User) -> None:
    question = screening.questions.get(key="crisis")
    client = signed_in(owner)
    assert 'value="crisis_copy"' in client.get(url(question)).content.decode()
    response = client.post(url(question, "studies:question_duplicate"), {"copy-key": "crisis_2"})
    copied = screening.questions.get(key="crisis_2")
    assert response["Location"] == url(copied)
    assert keys(screening) == ["age", "country", "used_chatbot", "crisis", "crisis_2", "attention"]
    assert (copied.choices, copied.risk_values, copied.text) == (question.choices, ["yes"], question.text)
    assert AuditEntry.objects.get(action="question.created").detail["copied_from"] == question.pk
    taken = client.post(url(question, "studies:question_duplicate"), {"copy-key": "age"})
    assert taken.status_code == 400
    assert "Another question already uses this key." in taken.content.decode()
    assert 'href="#id_copy-key"' in taken.content.decode()


def test_other_roles_read_every_question_page_without_forms_and_every_post_is_refused(
    screening: Questionnaire, interviewer: User, coder: User, viewer: User
) -> None:
    question = screening.questions.get(key="used_chatbot")
    before = list(screening.questions.order_by("position").values("key", "position", "choices"))
    for user in (interviewer, coder, viewer):
        client = signed_in(user)
        for address in (page(screening), url(question), reverse("studies:questionnaires", args=[screening.study.slug])):
            response = client.get(address)
            assert response.status_code == 200
            main = response.content.decode().split("<main", 1)[1]
            assert "<form" not in main
        assert '<td lang="es">Sí</td>' in client.get(url(question)).content.decode()  # the whole question, read
        posts = [
            (page(screening), {"action": "question", **form_data()}),
            (url(question), form_data(key="used_chatbot")),
            (url(question, "studies:question_move"), {"direction": "down"}),
            (url(question, "studies:question_duplicate"), {"copy-key": "x"}),
            (url(question, "studies:question_delete"), {"confirm": "yes"}),
        ]
        for address, data in posts:
            assert client.post(address, data).status_code == 403, address
    assert list(screening.questions.order_by("position").values("key", "position", "choices")) == before
    assert not AuditEntry.objects.filter(action__startswith="question.").exists()


def test_an_archived_study_refuses_question_changes_with_a_message(screening: Questionnaire, owner: User) -> None:
    Study.objects.filter(pk=screening.study_id).update(status=Study.Status.ARCHIVED)
    question = screening.questions.get(key="crisis")
    client = signed_in(owner)
    shown = client.get(page(screening)).content.decode()
    assert "This study is archived" in shown
    assert 'name="action"' not in shown
    for address, data in [
        (url(question), form_data(key="crisis")),
        (url(question, "studies:question_move"), {"direction": "up"}),
        (url(question, "studies:question_duplicate"), {"copy-key": "x"}),
        (url(question, "studies:question_delete"), {"confirm": "yes"}),
        (page(screening), {"action": "question", **form_data()}),
    ]:
        response = client.post(address, data, follow=True)
        assert "This study is archived: its questionnaires can no longer change." in response.content.decode()
    assert keys(screening) == ["age", "country", "used_chatbot", "crisis", "attention"]
