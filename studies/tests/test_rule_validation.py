"""Eligibility rules are checked before they are saved: a rule that can never hold (a typo in the key, a value no
answer takes, a comparison that does not fit the answer) is refused with a message; saved rules that stopped
holding are flagged; the team edits and deletes rules; other roles only read them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from accounts.models import AuditEntry, User
from studies.models import EligibilityRule, Question, Questionnaire, Study
from studies.services.eligibility import _holds
from studies.services.rules import (
    RuleValueError,
    Target,
    parse_rule_value,
    rule_errors,
    rule_in_words,
    targets_of,
    value_text,
)
from studies.tests.factories import YES_NO, QuestionFactory, build_screening

Kind = Question.Kind
TOOLS = [{"value": value, "labels": {"en": value}} for value in ("chatgpt", "replika", "other")]
AGREEMENT = [{"value": str(value), "labels": {"en": str(value)}} for value in range(-2, 3)]
QUESTIONS = [
    Question(key="used_chatbot", kind=Kind.SINGLE, choices=YES_NO),
    Question(key="tools", kind=Kind.MULTIPLE, choices=TOOLS),
    Question(key="mood", kind=Kind.LIKERT),
    Question(key="agreement", kind=Kind.LIKERT, choices=AGREEMENT),
    Question(key="hours", kind=Kind.NUMBER, min_value=0, max_value=24),
    Question(key="years", kind=Kind.AGE),
    Question(key="home", kind=Kind.COUNTRY),
    Question(key="consent_ok", kind=Kind.CONFIRM),
    Question(key="story", kind=Kind.LONG_TEXT),
]
TARGETS = targets_of(QUESTIONS)


def errors(key: str, operator: str, value: Any) -> list[str]:
    # An unsaved questionnaire, as a set-up file's check passes it: the targets say everything.
    return rule_errors(questionnaire=Questionnaire(), key=key, operator=operator, value=value, targets=TARGETS)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The checker -------------------------------------------------------------------------------------------------


def test_it_offers_question_keys_and_derived_values_but_not_free_text() -> None:
    assert {"used_chatbot", "tools", "mood", "hours", "years", "age", "age_band", "home", "country", "region"} <= set(
        TARGETS
    )
    assert "story" not in TARGETS
    assert TARGETS["mood"] == Target("choice", frozenset({"1", "2", "3", "4", "5"}), 1, 5)


def test_it_refuses_an_unknown_key_naming_the_keys_it_knows() -> None:
    [message] = errors("usedchatbot", "eq", "yes")
    assert "No question or derived value is called “usedchatbot”" in message
    assert "used_chatbot" in message
    assert "region" in message


def test_it_refuses_an_impossible_choice_and_lists_the_possible_ones() -> None:
    [message] = errors("used_chatbot", "eq", "Yes")
    assert message == "No answer to “used_chatbot” can be Yes. Possible values: no, yes."
    assert errors("used_chatbot", "in", ["yes", "no"]) == []
    assert errors("region", "in", ["europe", "atlantis"])[0].startswith("No answer to “region” can be atlantis.")


@pytest.mark.parametrize(
    ("key", "operator", "value", "expected"),
    [
        ("years", "gte", 130, "answers run from 0 to 120"),
        ("years", "eq", 150, "answers run from 0 to 120"),
        ("hours", "in", [3, 25], "can be 25"),
        ("years", "eq", 18.5, "whole numbers"),
        ("years", "eq", 18.0, "whole numbers"),  # 18.0 would be compared as the text "18.0": never an answer
        ("years", "gte", True, "need a number"),
        ("years", "gte", "NaN", "need a number"),
        ("years", "lte", ["18"], "need a number"),
        ("years", "eq", "eighteen", "compare it with numbers"),
        ("used_chatbot", "gte", 1, "is not a number"),
    ],
)
def test_it_refuses_numbers_no_answer_can_match(key: str, operator: str, value: Any, expected: str) -> None:
    [message] = errors(key, operator, value)
    assert expected in message


def test_it_accepts_sound_number_rules() -> None:
    assert errors("years", "gte", 17.5) == []
    assert errors("age", "eq", 18) == []
    assert errors("hours", "in", ["3", 4]) == []


def test_a_multiple_choice_answer_is_a_list_so_only_includes_fits_it() -> None:
    assert "use “includes”" in errors("tools", "eq", "chatgpt")[0]
    assert "use “includes”" in errors("tools", "not_in", ["chatgpt"])[0]
    assert errors("tools", "includes", ["chatgpt", "replika"]) == []
    assert "works only with a multiple-choice question" in errors("used_chatbot", "includes", ["yes"])[0]


def test_lists_and_single_values_go_with_their_conditions() -> None:
    assert "Give a list of values" in errors("home", "in", "US")[0]
    assert "Give a list of values" in errors("home", "not_in", [])[0]
    assert "take one value" in errors("home", "eq", ["US"])[0]


def test_a_likert_scale_compares_as_numbers_and_as_its_points() -> None:
    assert errors("mood", "gte", 4) == []
    assert "answers run from 1 to 5" in errors("mood", "gte", 6)[0]
    assert errors("mood", "eq", "3") == []
    assert errors("agreement", "lte", -1) == []
    assert "can be 3" in errors("agreement", "in", ["3"])[0]


def test_a_confirmation_holds_only_as_ticked() -> None:
    assert errors("consent_ok", "eq", True) == []
    # An unticked box is no answer at all, so "= false" could never hold.
    assert "can be False" in errors("consent_ok", "eq", False)[0]


@pytest.mark.django_db
def test_it_says_a_free_text_question_cannot_be_used(study: Study) -> None:
    questionnaire = build_screening(study)
    QuestionFactory(questionnaire=questionnaire, key="story", kind=Kind.LONG_TEXT)
    [message] = rule_errors(questionnaire=questionnaire, key="story", operator="eq", value="x")
    assert "“story” is a free-text question" in message


# Every rule the checker lets through can hold for some answer a person can give: the promise that a typo can no
# longer make every applicant ineligible without anyone noticing.
def _answers(target: Target, value: Any) -> list[Any]:
    if target.kind == "boolean":
        return [True, None]  # ticked, or not ticked (no answer)
    if target.kind == "number":
        items = value if isinstance(value, list) else [value]
        numbers = [int(float(item)) for item in items if not isinstance(item, bool)]
        bounds = [int(bound) for bound in (target.low, target.high) if bound is not None]
        return [*bounds, *numbers, *(n + 1 for n in numbers), *(n - 1 for n in numbers), 0]
    allowed = sorted(target.allowed or ())
    return [[item] for item in allowed] if target.kind == "multiple" else allowed


SCALARS = st.one_of(
    st.sampled_from(["yes", "no", "Yes", "chatgpt", "US", "us", "europe", "3", "18", "18.0", "-1", "", "true"]),
    st.integers(-5, 200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)


@given(
    key=st.sampled_from(sorted(TARGETS)),
    operator=st.sampled_from(EligibilityRule.Operator.values),
    value=st.one_of(SCALARS, st.lists(SCALARS, max_size=3)),
)
@example(key="years", operator="eq", value=18.0)
@example(key="consent_ok", operator="eq", value=False)
@example(key="tools", operator="neq", value="chatgpt")
def test_every_rule_it_accepts_can_hold_for_some_answer(key: str, operator: str, value: Any) -> None:
    if errors(key, operator, value):
        return
    rule = EligibilityRule(key=key, operator=operator, value=value)
    assert any(_holds(rule, answer) for answer in _answers(TARGETS[key], value)), (key, operator, value)


# --- Reading what was typed, showing what is saved -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "operator", "key", "expected"),
    [
        ("US, GB", "in", "home", ["US", "GB"]),
        ('["US", "GB"]', "not_in", "home", ["US", "GB"]),
        ("US", "in", "home", ["US"]),
        ("21", "gte", "years", 21),
        ("17.5", "gte", "years", 17.5),
        ("18.0", "eq", "years", 18),
        ("18, 19", "in", "years", [18, 19]),
        ("3", "eq", "mood", "3"),
        ("true", "eq", "consent_ok", True),
        ("yes", "eq", "used_chatbot", "yes"),
        ("a, b", "eq", "used_chatbot", ["a", "b"]),  # then refused: "=" takes one value
    ],
)
def test_it_reads_comma_lists_json_and_numbers(text: str, operator: str, key: str, expected: Any) -> None:
    value = parse_rule_value(text=text, operator=operator, target=TARGETS[key])
    assert value == expected
    assert type(value) is type(expected)


def test_it_refuses_a_broken_json_list() -> None:
    with pytest.raises(RuleValueError, match="not a valid list"):
        parse_rule_value(text='["US", ', operator="in", target=TARGETS["home"])


@pytest.mark.parametrize("value", [18, "yes", ["US", "GB"], True, ["a,b", "c"], 17.5])
def test_a_saved_value_reads_back_as_it_is_shown(value: Any) -> None:
    target = (
        TARGETS["consent_ok"]
        if isinstance(value, bool)
        else TARGETS["years"]
        if isinstance(value, int | float)
        else None
    )
    operator = "in" if isinstance(value, list) else "eq"
    assert parse_rule_value(text=value_text(value), operator=operator, target=target) == value


def test_a_rule_reads_in_words() -> None:
    assert rule_in_words(key="age", operator="gte", value=18) == "age ≥ 18"
    assert rule_in_words(key="country", operator="in", value=["US", "GB"]) == "country is one of US, GB"
    assert rule_in_words(key="tools", operator="includes", value=["chatgpt"]) == "tools includes one of chatgpt"
    assert rule_in_words(key="consent_ok", operator="eq", value=True) == "consent_ok = ticked"


# --- The pages ----------------------------------------------------------------------------------------------------


@pytest.fixture
def screening(study: Study) -> Questionnaire:
    return build_screening(study)  # age, country, used_chatbot, crisis, attention; rules age ≥ 18, used_chatbot = yes


def page(questionnaire: Questionnaire) -> str:
    return reverse("studies:questionnaire", args=[questionnaire.study.slug, questionnaire.pk])


def rule_url(rule: EligibilityRule, name: str = "studies:rule") -> str:
    return reverse(name, args=[rule.questionnaire.study.slug, rule.questionnaire_id, rule.pk])


def test_the_rule_form_offers_the_known_keys_and_refuses_a_typo_keeping_what_was_typed(
    screening: Questionnaire, researcher: User
) -> None:
    client = signed_in(researcher)
    shown = client.get(page(screening)).content.decode()
    assert '<option value="used_chatbot">used_chatbot — Have you used an AI chatbot' in shown
    assert '<option value="region">' in shown
    assert "<dt><code>used_chatbot</code></dt><dd>no, yes</dd>" in shown  # the possible values, beside the form
    data = {"action": "rule", "key": "usedchatbot", "operator": "eq", "value": "maybe", "description": "typo"}
    refused = client.post(page(screening), data)
    body = refused.content.decode()
    assert refused.status_code == 400
    assert "No question or derived value is called “usedchatbot”" in body
    assert "data-error-summary" in body
    assert 'href="#id_rule_key"' in body  # the rule form's own field, not the question form's `key`
    assert 'value="maybe"' in body
    assert 'value="typo"' in body
    assert screening.rules.count() == 2


def test_a_rule_is_saved_from_what_people_type_and_audited(screening: Questionnaire, owner: User) -> None:
    client = signed_in(owner)
    client.post(page(screening), {"action": "rule", "key": "country", "operator": "in", "value": "ES, MX"})
    client.post(page(screening), {"action": "rule", "key": "age", "operator": "lte", "value": "64"})
    saved = list(screening.rules.order_by("id").values_list("key", "value")[2:])
    assert saved == [("country", ["ES", "MX"]), ("age", 64)]
    entry = AuditEntry.objects.filter(action="rule.created").latest("id")
    assert entry.detail == {
        "questionnaire": screening.pk,
        "rule": screening.rules.latest("id").pk,
        "key": "age",
        "operator": "lte",
    }
    assert entry.actor == owner


def test_editing_a_rule_checks_it_like_a_new_one(screening: Questionnaire, researcher: User) -> None:
    rule = screening.rules.get(key="age")
    client = signed_in(researcher)
    form = client.get(rule_url(rule)).content.decode()
    assert 'value="18"' in form
    assert '<option value="gte" selected>' in form
    refused = client.post(rule_url(rule), {"key": "age", "operator": "gte", "value": "200", "description": "adult"})
    assert refused.status_code == 400
    assert "answers run from 0 to 120" in refused.content.decode()
    rule.refresh_from_db()
    assert rule.value == 18
    saved = client.post(rule_url(rule), {"key": "age", "operator": "gte", "value": "21", "description": "adult"})
    assert saved.status_code == 302
    rule.refresh_from_db()
    assert rule.value == 21
    assert AuditEntry.objects.get(action="rule.updated").detail["fields"] == ["value"]


def test_deleting_a_rule_asks_first(screening: Questionnaire, owner: User) -> None:
    rule = screening.rules.get(key="used_chatbot")
    client = signed_in(owner)
    asked = client.post(rule_url(rule, "studies:rule_delete"))
    assert asked.status_code == 200
    assert "Delete the rule “used_chatbot = yes”?" in asked.content.decode()
    assert screening.rules.filter(pk=rule.pk).exists()
    done = client.post(rule_url(rule, "studies:rule_delete"), {"confirm": "yes"})
    assert done.status_code == 302
    assert not screening.rules.filter(pk=rule.pk).exists()
    assert AuditEntry.objects.get(action="rule.deleted").detail["rule"] == rule.pk


def test_the_list_shows_rules_in_words_and_flags_those_that_no_longer_hold(
    screening: Questionnaire, viewer: User
) -> None:
    EligibilityRule.objects.create(questionnaire=screening, key="agee", operator="gte", value=18)  # as the admin did
    body = signed_in(viewer).get(page(screening)).content.decode()
    assert "<code>age ≥ 18</code>" in body
    assert "<code>agee ≥ 18</code>" in body
    assert body.count("No longer holds:") == 1
    assert "No question or derived value is called “agee”" in body


def test_other_roles_read_rules_without_forms_and_cannot_change_them(
    screening: Questionnaire, interviewer: User, coder: User, viewer: User
) -> None:
    rule = screening.rules.get(key="age")
    for user in (interviewer, coder, viewer):
        client = signed_in(user)
        for url in (page(screening), rule_url(rule)):
            response = client.get(url)
            assert response.status_code == 200
            assert 'name="action"' not in response.content.decode()
            assert 'name="operator"' not in response.content.decode()
        assert (
            client.post(page(screening), {"action": "rule", "key": "age", "operator": "gte", "value": "1"}).status_code
            == 403
        )
        assert client.post(rule_url(rule), {"key": "age", "operator": "gte", "value": "1"}).status_code == 403
        assert client.post(rule_url(rule, "studies:rule_delete"), {"confirm": "yes"}).status_code == 403
    assert list(screening.rules.order_by("id").values_list("key", "value")) == [("age", 18), ("used_chatbot", "yes")]
    assert not AuditEntry.objects.filter(action__startswith="rule.").exists()


def test_an_archived_study_refuses_rule_changes_with_a_message(screening: Questionnaire, owner: User) -> None:
    Study.objects.filter(pk=screening.study_id).update(status=Study.Status.ARCHIVED)
    rule = screening.rules.get(key="age")
    client = signed_in(owner)
    assert 'name="operator"' not in client.get(rule_url(rule)).content.decode()
    response = client.post(rule_url(rule), {"key": "age", "operator": "gte", "value": "30"}, follow=True)
    assert "This study is archived" in response.content.decode()
    client.post(rule_url(rule, "studies:rule_delete"), {"confirm": "yes"})
    client.post(page(screening), {"action": "rule", "key": "age", "operator": "lte", "value": "30"})
    assert list(screening.rules.order_by("id").values_list("key", "value")) == [("age", 18), ("used_chatbot", "yes")]


def test_rules_belong_to_the_screening_only(study: Study, owner: User) -> None:
    feedback = Questionnaire.objects.create(study=study, kind=Questionnaire.Kind.FEEDBACK, title={"en": "F"})
    QuestionFactory(questionnaire=feedback, key="liked", kind=Kind.SINGLE, choices=YES_NO)
    client = signed_in(owner)
    assert 'name="operator"' not in client.get(page(feedback)).content.decode()
    response = client.post(page(feedback), {"action": "rule", "key": "liked", "operator": "eq", "value": "yes"})
    assert response.status_code == 400
    assert not EligibilityRule.objects.exists()
