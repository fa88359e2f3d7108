"""The new question types in real headless Chromium on a phone: a section at a time, a matrix whose rows feed a
calculated score that shows as the person answers, a follow-up shown only when two conditions hold and that pipes
in an earlier answer, a slider that answers nothing until it is moved, and a date; in English and in Arabic (right
to left, no wider than the phone). What the page showed is then checked against what the server stored: the
server applies the same logic (studies/logic.py). Nothing is mocked."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from studies.models import Question, ScreeningResponse, Study
from studies.services import questionnaires as builder
from studies.services.sections import create_section
from studies.tests.conftest import forget_rate_limits
from studies.tests.factories import StudyFactory, build_screening

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
POINTS = [{"value": str(n), "labels": {"en": f"{n} days", "ar": f"{n} أيام"}} for n in range(4)]


def _texts(en: str, ar: str) -> dict[str, str]:
    return {"en": en, "ar": ar}


def study_with_new_types() -> Study:
    study = StudyFactory(languages=["en", "ar"])
    screening = build_screening(study)
    for question in screening.questions.all():
        question.text = {**question.text, "ar": question.text["en"]}
        question.choices = [{**c, "labels": {**c["labels"], "ar": c["labels"]["en"]}} for c in question.choices]
        question.save()
    feelings = create_section(questionnaire=screening, key="feelings", title=_texts("Your week", "أسبوعك"))
    visit = create_section(questionnaire=screening, key="visit", title=_texts("Your last visit", "زيارتك الأخيرة"))
    add = builder.add_question
    rows = [{"key": "sleep", "labels": _texts("Poor sleep", "قلة النوم")},
            {"key": "worry", "labels": _texts("Worry", "القلق")}]  # fmt: skip
    add(questionnaire=screening, section=feelings, key="mood", kind="matrix", choices=POINTS, rows=rows,
        text=_texts("How many days in the last week?", "كم يومًا في الأسبوع الماضي؟"))  # fmt: skip
    add(questionnaire=screening, section=feelings, key="score", kind="calculated",
        calculation="${mood_sleep} + ${mood_worry}", text=_texts("Your score", "مجموعك"))  # fmt: skip
    add(questionnaire=screening, section=feelings, key="followup", kind="long_text",
        conditions=[{"key": "score", "op": "gte", "value": "4"}, {"key": "used_chatbot", "op": "eq", "value": "yes"}],
        text=_texts("You answered ${used_chatbot}: what helped?", "أجبت ${used_chatbot}: ما الذي ساعد؟"))  # fmt: skip
    add(questionnaire=screening, section=feelings, key="calm", kind="slider", required=False,
        text=_texts("How calm do you feel (0-100)?", "ما مدى هدوئك (0-100)؟"))  # fmt: skip
    add(questionnaire=screening, section=visit, key="visit", kind="date", required=False,
        text=_texts("When did you last see a doctor?", "متى رأيت طبيبًا آخر مرة؟"))  # fmt: skip
    builder.renumber(builder.in_order(list(screening.questions.all()), [feelings, visit]))
    return study


def scroll_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_participant_on_a_phone_answers_sections_matrix_score_conditions_slider_and_date(
    browser: Any, live_server: Any, language: str
) -> None:
    forget_rate_limits()
    study = study_with_new_types()
    page = browser.new_context(locale=language, **PHONE).new_page()
    page.goto(live_server.url + reverse("participate:screening", args=[study.slug]))
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    # Part 1: the questions before the first section; the send button waits for the last part.
    assert page.locator(".q-progress").inner_text().strip() != ""
    assert not page.locator(".participant-form button[type=submit]").is_visible()
    page.fill("#id_q_age", "30")
    page.select_option("#id_q_country", "ES")
    page.check("input[name=q_used_chatbot][value=yes]")
    page.check("input[name=q_attention][value=no]")
    assert scroll_width(page) == 390
    page.locator(".q-nav button:not(.secondary)").click()
    # Part 2: the follow-up waits for both conditions; the score follows the matrix as it is answered.
    followup = page.locator(".q-item[data-key=followup]")
    assert followup.is_hidden()
    page.check("input[name=q_mood_sleep][value='3']")
    assert followup.is_hidden()  # score 3 + nothing yet: no score at all
    page.check("input[name=q_mood_worry][value='1']")
    assert page.locator("output[data-value=score]").inner_text() == "4"
    assert followup.is_visible()
    piped = followup.locator(".piped").inner_text()
    assert piped == "Yes"
    page.fill("#id_q_followup", "Talking at night.")
    assert page.locator(".slider-range.untouched").count() == 1
    assert scroll_width(page) == 390
    page.locator(".q-nav button:not(.secondary)").click()
    # Part 3, the last: a date, the contact details and the send button.
    page.fill("#id_q_visit", "2026-11-30")
    page.fill("#id_email", "ana@example.org")
    assert page.locator(".participant-form button[type=submit]").is_visible()
    assert scroll_width(page) == 390
    page.locator(".participant-form button[type=submit]").click()
    page.wait_for_load_state()
    stored = ScreeningResponse.objects.get(study=study)
    assert stored.answers["score"] == 4
    assert stored.answers["followup"] == "Talking at night."
    assert stored.answers["visit"] == "2026-11-30"
    assert "calm" not in stored.answers  # the slider was never moved
    assert "visit" not in stored.attributes


def test_moving_the_slider_answers_and_a_broken_condition_on_the_server_hides_nothing_it_should_not(
    browser: Any, live_server: Any
) -> None:
    forget_rate_limits()
    study = study_with_new_types()
    page = browser.new_context(locale="en", **PHONE).new_page()
    page.goto(live_server.url + reverse("participate:screening", args=[study.slug]))
    page.fill("#id_q_age", "30")
    page.select_option("#id_q_country", "ES")
    page.check("input[name=q_used_chatbot][value=no]")
    page.check("input[name=q_attention][value=no]")
    page.locator(".q-nav button:not(.secondary)").click()
    page.check("input[name=q_mood_sleep][value='3']")
    page.check("input[name=q_mood_worry][value='3']")
    assert page.locator(".q-item[data-key=followup]").is_hidden()  # score 6, but the answer was "no"
    slider = page.locator(".slider-range")
    slider.focus()
    page.keyboard.press("ArrowRight")
    assert page.locator("#id_q_calm").input_value() == "51"
    page.locator(".q-nav button:not(.secondary)").click()
    page.fill("#id_email", "ben@example.org")
    page.locator(".participant-form button[type=submit]").click()
    page.wait_for_load_state()
    stored = ScreeningResponse.objects.get(study=study)
    assert stored.answers["calm"] == 51
    assert stored.answers["score"] == 6
    assert "followup" not in stored.answers
    assert Question.objects.filter(questionnaire__study=study, kind="slider").count() == 1
