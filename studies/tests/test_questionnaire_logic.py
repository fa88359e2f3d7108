"""Questionnaire logic on the server: conditions with all/any, comparisons, calculated values, matrix rows, piping,
validation of the new answer types, and what is stored where (sealed answers, plain attributes)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from studies.forms.screening import QuestionsForm
from studies.logic import LogicError, condition_holds, evaluate, parse_calculation, pipe
from studies.models import Question, ScreeningResponse, Study
from studies.services import questionnaires as builder
from studies.services.question_checks import fields_of, question_errors
from studies.tests.factories import QuestionFactory, build_screening
from studies.tests.test_screening import submit

POINTS = [{"value": str(n), "labels": {"en": f"{n} days", "es": f"{n} días"}} for n in range(4)]


@pytest.mark.parametrize(
    ("condition", "answers", "holds"),
    [
        ({"key": "a", "op": "eq", "value": "yes"}, {"a": "yes"}, True),
        ({"key": "a", "op": "eq", "value": "yes"}, {}, False),
        ({"key": "a", "op": "neq", "value": "yes"}, {}, True),
        ({"key": "n", "op": "gte", "value": "18"}, {"n": 18}, True),
        ({"key": "n", "op": "gt", "value": 18}, {"n": 9}, False),
        ({"key": "n", "op": "lt", "value": "10"}, {"n": 9.5}, True),
        ({"key": "d", "op": "gte", "value": "2024-01-31"}, {"d": "2024-02-01"}, True),
        ({"key": "d", "op": "lt", "value": "2024-01-31"}, {"d": "2024-02-01"}, False),
        ({"key": "m", "op": "selected", "value": "b"}, {"m": ["a", "b"]}, True),
        ({"key": "m", "op": "not_selected", "value": "c"}, {"m": ["a", "b"]}, True),
        ({"key": "m", "op": "not_selected", "value": "c"}, {}, True),
        ({"key": "t", "op": "answered", "value": None}, {"t": "x"}, True),
        ({"key": "t", "op": "not_answered", "value": None}, {"t": ""}, True),
        ({"key": "t", "op": "gt", "value": "5"}, {"t": "words"}, False),
    ],
)
def test_conditions_compare_like_the_page(condition: dict[str, Any], answers: dict[str, Any], holds: bool) -> None:
    assert condition_holds(condition, answers) is holds


def test_calculations_are_arithmetic_only_and_empty_when_an_answer_is_missing() -> None:
    tree = parse_calculation("${a} + ${b} * 2 - (${c} / 4)")
    assert evaluate(tree, {"a": "1", "b": 3, "c": 8}) == 5.0
    assert evaluate(tree, {"a": "1", "b": 3}) is None
    assert evaluate(parse_calculation("${a} / ${b}"), {"a": 1, "b": 0}) is None
    assert evaluate(parse_calculation("-${a}"), {"a": 2}) == -2.0
    for hostile in ("__import__('os')", "${a}.real", "${a} ** 99999", "[1][0]", "open('x')", "", "${a} +"):
        with pytest.raises(LogicError):
            parse_calculation(hostile)


def test_piping_shows_words_or_an_ellipsis() -> None:
    assert pipe("Thanks, ${name}!", {"name": "Ana"}, lambda key, value: str(value)) == "Thanks, Ana!"
    assert pipe("Thanks, ${name}!", {}, lambda key, value: str(value)) == "Thanks, …!"


def _questionnaire(study: Study) -> Any:
    questionnaire = build_screening(study)
    add = builder.add_question
    add(questionnaire=questionnaire, key="mood", kind="matrix", choices=POINTS,
        rows=[{"key": "sleep", "labels": {"en": "Sleep", "es": "Sueño"}},
              {"key": "worry", "labels": {"en": "Worry", "es": "Preocupación"}}],
        text={"en": "In the last week, how many days…", "es": "En la última semana, cuántos días…"})  # fmt: skip
    add(questionnaire=questionnaire, key="score", kind="calculated", calculation="${mood_sleep} + ${mood_worry}",
        text={"en": "Your score", "es": "Su puntuación"})  # fmt: skip
    add(questionnaire=questionnaire, key="followup", kind="long_text", required=True,
        conditions=[{"key": "score", "op": "gte", "value": "4"}, {"key": "used_chatbot", "op": "eq", "value": "yes"}],
        condition_match="all",
        text={"en": "You chose ${used_chatbot}. Tell us more.",
              "es": "Eligió ${used_chatbot}. Cuéntenos más."})  # fmt: skip
    add(
        questionnaire=questionnaire, key="visit", kind="date", required=False, text={"en": "Last visit", "es": "Visita"}
    )
    add(questionnaire=questionnaire, key="mail", kind="email", required=False, text={"en": "E-mail", "es": "Correo"})
    add(questionnaire=questionnaire, key="tel", kind="phone", required=False, text={"en": "Phone", "es": "Teléfono"})
    add(questionnaire=questionnaire, key="code", kind="short_text", required=False, pattern="[A-Z]{2}[0-9]{2}",
        validation_message={"en": "Two letters and two digits.", "es": "Dos letras y dos cifras."},
        text={"en": "Code", "es": "Código"})  # fmt: skip
    add(questionnaire=questionnaire, key="note", kind="note", text={"en": "Thank you.", "es": "Gracias."})
    return questionnaire


@pytest.mark.django_db
def test_every_new_question_is_sound_for_the_builder(study: Study) -> None:
    questionnaire = _questionnaire(study)
    questions = list(questionnaire.questions.order_by("position"))
    for index, question in enumerate(questions):
        errors = question_errors(
            fields=fields_of(question), languages=["en", "es"], earlier=questions[:index], others=questions[:index]
        )
        assert errors == [], (question.key, errors)


@pytest.mark.django_db
def test_the_server_applies_two_conditions_a_calculation_and_matrix_rows(study: Study) -> None:
    _questionnaire(study)
    base = {"q_mood_sleep": "3", "q_mood_worry": "2", "q_visit": "2026-11-30", "q_mail": "ana@example.org",
            "q_tel": "+34 600 000 000", "q_code": "AB12"}  # fmt: skip
    refused = submit(Client(), study, **base)
    assert refused.status_code == 400  # the follow-up is shown (5 >= 4 and yes) and required
    assert "This question needs an answer." in refused.content.decode()
    assert submit(Client(), study, **base, q_followup="It helped at night.").status_code == 302
    stored = ScreeningResponse.objects.get()
    assert stored.answers["score"] == 5
    assert stored.answers["mood_sleep"] == "3"
    assert stored.answers["followup"] == "It helped at night."
    assert stored.answers["visit"] == "2026-11-30"
    assert stored.version == 1
    # Sealed kinds stay out of the plain attributes; closed answers and the score are there for rules and charts.
    assert {"mood_sleep", "mood_worry", "score"} <= stored.attributes.keys()
    assert not {"followup", "visit", "mail", "tel", "code"} & stored.attributes.keys()


@pytest.mark.django_db
def test_a_question_hidden_by_its_conditions_keeps_no_answer(study: Study) -> None:
    _questionnaire(study)
    answered = submit(Client(), study, q_mood_sleep="1", q_mood_worry="1", q_followup="posted anyway")
    assert answered.status_code == 302
    stored = ScreeningResponse.objects.get()
    assert stored.answers["score"] == 2
    assert "followup" not in stored.answers


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("q_code", "ab12", "Two letters and two digits."),
        ("q_mail", "not-an-address", "Enter a valid email address."),
        ("q_tel", "call me", "Write a phone number in digits"),
        ("q_visit", "31/11/2026", "Enter a valid date."),
        ("q_mood_sleep", "9", "Select a valid choice."),
    ],
)
def test_validation_refuses_with_the_teams_message_and_saves_nothing(
    study: Study, field: str, value: str, message: str
) -> None:
    _questionnaire(study)
    page = submit(Client(), study, **{"q_mood_sleep": "0", "q_mood_worry": "0", field: value})
    assert page.status_code == 400
    assert message in page.content.decode()
    assert not ScreeningResponse.objects.exists()


@pytest.mark.django_db
def test_the_page_pipes_answers_and_titles_sections_in_the_participants_language(study: Study) -> None:
    questionnaire = _questionnaire(study)
    from studies.services.sections import create_section

    title = {"en": "About you", "es": "Sobre usted", "hi": "आपके बारे में"}
    section = create_section(questionnaire=questionnaire, key="about", title=title)
    Question.objects.filter(questionnaire=questionnaire, key="followup").update(section=section)
    builder.renumber(builder.in_order(list(questionnaire.questions.all()), [section]))
    questions = list(questionnaire.questions.select_related("section").order_by("position"))
    form = QuestionsForm({"q_used_chatbot": "yes", "q_mood_sleep": "3", "q_mood_worry": "3"},
                         questions=questions, language="es", fallback="en")  # fmt: skip
    form.is_valid()
    steps = form.steps()
    assert [step.title for step in steps] == ["", "Sobre usted"]
    followup = steps[1].items[0]
    assert str(followup.text) == 'Eligió <span class="piped" data-pipe="used_chatbot">Sí</span>. Cuéntenos más.'
    page = Client().get(reverse("participate:screening", args=[study.slug]), HTTP_ACCEPT_LANGUAGE="es")
    html = page.content.decode()
    assert 'data-calc="{&quot;op&quot;: &quot;+&quot;' in html
    assert "data-conditions=" in html
    assert 'data-pipe="used_chatbot"' in html


@pytest.mark.django_db
def test_the_builder_refuses_logic_that_reads_later_or_unknown_answers(study: Study) -> None:
    questionnaire = build_screening(study)
    fields = fields_of(QuestionFactory.build(questionnaire=questionnaire, key="x", kind="calculated"))
    questions = list(questionnaire.questions.order_by("position"))
    fields["calculation"], fields["text"] = "${age} + ${nowhere}", {"en": "X", "es": "X"}
    errors = question_errors(fields=fields, languages=["en", "es"], earlier=questions, others=questions)
    assert errors == [
        ("calculation", "“nowhere” is not an earlier question: a calculation adds up answers given before it.")
    ]
    fields["calculation"] = "${country} + 1"
    errors = question_errors(fields=fields, languages=["en", "es"], earlier=questions, others=questions)
    assert errors == [("calculation", "“country” is not answered with a number.")]
    fields["calculation"], fields["kind"] = "", "short_text"
    fields["conditions"] = [{"key": "used_chatbot", "op": "eq", "value": "maybe"}]
    errors = question_errors(fields=fields, languages=["en", "es"], earlier=questions, others=questions)
    assert errors
    assert errors[0][0] == "conditions"
    assert "maybe" in errors[0][1]
