"""The researcher questionnaire builder: questions with per-language texts and choices, rules, roles."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from studies.models import EligibilityRule, Question, Questionnaire, Study
from studies.services.sections import publish

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_researcher_builds_a_screening_with_translated_choices_and_a_rule(study: Study, researcher: User) -> None:
    client = signed_in(researcher)
    created = client.post(
        reverse("studies:questionnaires", args=[study.slug]),
        {"kind": "screening", "title": "S", "available_from": "consented"},
    )
    questionnaire = Questionnaire.objects.get(study=study)
    assert created["Location"] == reverse("studies:questionnaire", args=[study.slug, questionnaire.pk])
    url = created["Location"]
    response = client.post(
        url,
        {
            "action": "question",
            "key": "used_chatbot",
            "kind": "single",
            "required": "on",
            "choices": "yes | Yes | Sí | हाँ\nno | No | No | नहीं",
            "text_en": "Have you used a chatbot for support?",
            "text_es": "¿Ha usado un chatbot como apoyo?",
            "text_hi": "क्या आपने सहायता के लिए चैटबॉट का उपयोग किया है?",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(questionnaire=questionnaire)
    assert question.choices[0] == {"value": "yes", "labels": {"en": "Yes", "es": "Sí", "hi": "हाँ"}}
    assert question.text["es"] == "¿Ha usado un chatbot como apoyo?"
    client.post(url, {"action": "rule", "key": "used_chatbot", "operator": "eq", "value": "yes", "description": "x"})
    country_rule = {"action": "rule", "key": "country", "operator": "not_in", "value": '["US"]', "description": ""}
    refused = client.post(url, country_rule)  # no question asks for a country yet: the rule could never hold
    assert refused.status_code == 400
    assert "No question or derived value is called “country”" in refused.content.decode()
    country = {"action": "question", "key": "home", "kind": "country", "required": "on"}
    client.post(
        url, {**country, "text_en": "Where do you live?", "text_es": "¿Dónde vive?", "text_hi": "आप कहाँ रहते हैं?"}
    )
    client.post(url, country_rule)
    rules = list(EligibilityRule.objects.order_by("id").values_list("value", flat=True))
    assert rules == ["yes", ["US"]]
    # A questionnaire made on the pages starts as a draft: participants see it once it is published.
    closed = Client().get(reverse("participate:screening", args=[study.slug]))
    assert "studies/public/closed.html" in [template.name for template in closed.templates]
    publish(questionnaire=questionnaire)
    public = Client(HTTP_ACCEPT_LANGUAGE="es").get(reverse("participate:screening", args=[study.slug]))
    assert "¿Ha usado un chatbot como apoyo?" in public.content.decode()


def test_bad_builder_input_gets_a_message_and_saves_nothing(study: Study, owner: User) -> None:
    client = signed_in(owner)
    client.post(
        reverse("studies:questionnaires", args=[study.slug]),
        {"kind": "screening", "title": "S", "available_from": "consented"},
    )
    second = client.post(
        reverse("studies:questionnaires", args=[study.slug]),
        {"kind": "screening", "title": "T", "available_from": "consented"},
    )
    assert second.status_code == 400
    assert "already has a screening questionnaire" in second.content.decode()
    questionnaire = Questionnaire.objects.get(study=study)
    url = reverse("studies:questionnaire", args=[study.slug, questionnaire.pk])
    response = client.post(url, {"action": "question", "key": "q", "kind": "single", "text_en": "Q"})
    assert response.status_code == 400
    assert "needs at least one choice" in response.content.decode()
    assert not Question.objects.exists()


def test_other_roles_read_the_builder_without_forms_and_outsiders_get_404(
    study: Study, coder: User, outsider: User, owner: User
) -> None:
    url = reverse("studies:questionnaires", args=[study.slug])
    listing = signed_in(coder).get(url)
    assert listing.status_code == 200
    assert "<form" not in listing.content.decode().split("<main", 1)[1]
    assert (
        signed_in(coder).post(url, {"kind": "feedback", "title": "F", "available_from": "interviewed"}).status_code
        == 403
    )
    assert signed_in(outsider).get(url).status_code == 404
    signed_in(owner).post(url, {"kind": "feedback", "title": "F", "available_from": "interviewed"})
    detail = reverse("studies:questionnaire", args=[study.slug, Questionnaire.objects.get().pk])
    assert signed_in(outsider).get(detail).status_code == 404
    assert signed_in(coder).get(detail).status_code == 200


def test_the_team_sets_the_shortest_plausible_answering_time_when_it_makes_a_questionnaire(
    study: Study, owner: User
) -> None:
    url = reverse("studies:questionnaires", args=[study.slug])
    form = {"kind": "screening", "title": "S", "available_from": "consented", "min_completion_seconds": "0"}
    assert signed_in(owner).post(url, form).status_code == 302
    assert Questionnaire.objects.get(study=study).min_completion_seconds == 0  # 0: the check is off
