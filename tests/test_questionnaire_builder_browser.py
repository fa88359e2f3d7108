"""The questionnaire builder in real headless Chromium (issue #21, "Done when" line 1).

A researcher builds a later-stage questionnaire in a study in English and Spanish: three sections, a matrix of two
Likert rows, a calculated score over them, a question shown only when the score is at least 4 and another answer is
yes, and a question whose text pipes in an earlier answer. A drag that would put the score above the answers it
reads is refused. She previews it in Spanish and publishes it. A participant on a 390 px phone answers it in the
portal, step by step with Next and Back; the conditional question appears once both conditions hold. The
researcher then edits a question: the builder shows version 2, and the response keeps version 1.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from studies.models import Participant, Questionnaire, QuestionnaireVersion, ScreeningResponse, Study
from studies.services.portal import link_path
from studies.tests.factories import MembershipFactory, ParticipantFactory, StudyFactory
from tests.test_dashboard_browser import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SECTIONS = [("about", "About you", "Sobre usted"), ("week", "Your week", "Su semana"), ("closing", "Closing", "Cierre")]
LIKERT = "1 | Never | Nunca\n2 | Sometimes | A veces\n3 | Often | A menudo"
QUESTIONS: list[dict[str, str]] = [
    {
        "key": "name",
        "kind": "short_text",
        "section": "About you",
        "text_en": "What should we call you?",
        "text_es": "¿Cómo quiere que le llamemos?",
    },
    {
        "key": "used_chatbot",
        "kind": "single",
        "section": "About you",
        "text_en": "Did you talk to a chatbot this week?",
        "text_es": "¿Habló con un chatbot esta semana?",
        "choices": "yes | Yes | Sí\nno | No | No",
    },
    {
        "key": "feel",
        "kind": "matrix",
        "section": "Your week",
        "text_en": "This week, how often did you feel…",
        "text_es": "Esta semana, ¿con qué frecuencia se sintió…?",
        "choices": LIKERT,
        "rows": "calm | Calm | Tranquilo\nrested | Rested | Descansado",
    },
    {
        "key": "score",
        "kind": "calculated",
        "section": "Your week",
        "text_en": "Your week's score",
        "text_es": "Puntuación de su semana",
        "calculation": "${feel_calm} + ${feel_rested}",
    },
    {
        "key": "support",
        "kind": "long_text",
        "section": "Closing",
        "text_en": "What helped you most when you talked to it?",
        "text_es": "¿Qué le ayudó más al hablar con él?",
        "optional": "yes",
        "conditions": "score gte 4; used_chatbot eq yes",
    },
    {
        "key": "anything",
        "kind": "short_text",
        "section": "Closing",
        "text_en": "Anything else, ${name}?",
        "text_es": "¿Algo más, ${name}?",
        "optional": "yes",
    },
]


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def said(page: Any) -> str:
    return str(page.locator(".messages").text_content())


def refused_with(page: Any) -> str:
    summary = page.locator("[data-error-summary]")
    return str(summary.text_content()) if summary.count() else ""


def create_the_draft(page: Any, study: Study) -> Questionnaire:
    page.goto(reverse("studies:questionnaires", args=[study.slug]))
    page.locator("#id_kind").select_option("wellbeing")  # the new questionnaire form (the import form has its own)
    page.locator("#id_title").fill("Your week")
    page.locator("#id_available_from").select_option("consented")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r".*/questionnaires/\d+/$"))
    status = str(page.locator("#questionnaire-status").text_content())
    assert "Draft" in status
    assert "Version 1" in status
    return Questionnaire.objects.get(study=study, kind="wellbeing")


def add_sections(page: Any) -> None:
    for key, english, spanish in SECTIONS:
        page.locator("#id_section_key").fill(key)
        page.locator("#id_section_title_en").fill(english)
        page.locator("#id_section_title_es").fill(spanish)
        page.get_by_role("button", name="Add the section").click()
        page.wait_for_load_state()
        assert "The section was added." in said(page), refused_with(page)
    assert page.locator(".builder-section[id^='section-']").count() == 3


def add_question(page: Any, question: dict[str, str]) -> None:
    page.locator("#id_key").fill(question["key"])
    page.locator("#id_kind").select_option(question["kind"])
    page.locator("#id_section").select_option(label=question["section"])
    assert page.locator("#id_rows").is_visible() == (question["kind"] == "matrix")  # builder.js: by type
    for name in ("text_en", "text_es", "choices", "rows", "calculation"):
        if name in question:
            page.locator(f"#id_{name}").fill(question[name])
    if question.get("optional"):
        page.locator("#id_required").uncheck()
    for index, condition in enumerate(filter(None, question.get("conditions", "").split("; "))):
        key, op, value = condition.split()
        page.locator(f"#id_if_key_{index}").select_option(key)
        page.locator(f"#id_if_op_{index}").select_option(op)
        page.locator(f"#id_if_value_{index}").fill(value)
    page.get_by_role("button", name="Add the question").click()
    page.wait_for_load_state()
    assert "The question was added." in said(page), refused_with(page)


def refused_drag(page: Any, questionnaire: Questionnaire) -> None:
    """Dragging the score to the top of the first section (above the matrix it sums) is refused, and put back."""
    score = questionnaire.questions.get(key="score")
    first = questionnaire.sections.get(key="about")
    before = page.locator("li[data-question]").evaluate_all("items => items.map(item => item.dataset.key)")
    page.set_viewport_size({"width": 1280, "height": 2600})  # both ends of the drag on the screen
    page.evaluate("window.scrollTo(0, 0)")
    handle = page.locator(f"#question-{score.pk} .drag-handle").bounding_box()
    target = page.locator(f"#section-{first.pk} .question-list").bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()  # by hand: Locator.drag_to starts no HTML5 drag from this small handle
    page.mouse.move(handle["x"] + 10, handle["y"] + 10, steps=5)
    page.mouse.move(target["x"] + 40, target["y"] + 4, steps=10)
    page.mouse.up()
    message = page.locator("[data-builder-message]")
    message.wait_for(state="visible")
    assert "“score” reads the answer to “feel_calm”, so it must stay below it." in str(message.text_content())
    after = page.locator("li[data-question]").evaluate_all("items => items.map(item => item.dataset.key)")
    assert after == before
    assert list(questionnaire.questions.order_by("position").values_list("key", flat=True)) == before


def preview_in_spanish(page: Any) -> None:
    page.get_by_role("link", name="Preview in es").click()
    page.wait_for_url(re.compile(r".*/preview/\?lang=es$"))
    assert page.locator("html").get_attribute("lang") == "es"
    with translation.override("es"):  # the preview's own words are in the previewed language too
        banner, back = gettext("Preview - answers are not saved"), gettext("Back to the builder")
    assert banner in str(page.locator(".preview-banner").text_content())
    assert page.get_by_text("¿Cómo quiere que le llamemos?").is_visible()
    assert page.get_by_role("heading", name="Sobre usted").is_visible()
    page.get_by_label("¿Cómo quiere que le llamemos?").fill("Ana")
    page.locator(".q-nav button", has_text=re.compile("Next|Siguiente")).click()
    page.locator(".q-nav button", has_text=re.compile("Next|Siguiente")).click()
    assert page.get_by_role("heading", name="Cierre").is_visible()
    piped = page.locator("span.piped[data-pipe='name']")
    assert piped.count() == 1
    assert piped.text_content() == "Ana"
    assert "¿Algo más, Ana?" in str(page.locator("main").text_content())
    page.get_by_role("link", name=back).click()


def publish(page: Any) -> None:
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    assert "The questionnaire is published" in said(page)
    assert "Published" in str(page.locator("#questionnaire-status").text_content())


def answer_on_a_phone(browser: Any, live_server: Any, participant: Participant) -> None:
    person = browser.new_context(**PHONE).new_page()
    person.goto(live_server.url + link_path(participant=participant))
    person.locator("main form button").click()
    person.wait_for_url(live_server.url + reverse("participate:portal"))
    person.get_by_role("link", name="Well-being").click()
    nav = person.locator(".q-nav")
    next_step, back = nav.get_by_role("button", name="Next"), nav.get_by_role("button", name="Back")
    assert person.get_by_role("heading", name="About you").is_visible()
    assert not back.is_visible()
    person.get_by_label("What should we call you?").fill("Ana")
    person.get_by_label("Yes").check()
    next_step.click()
    person.locator("input[name='q_feel_calm'][value='1']").check()
    person.locator("input[name='q_feel_rested'][value='2']").check()
    assert person.locator("output[data-value='score']").text_content() == "3"
    assert fits_the_screen(person)
    next_step.click()
    support = person.locator(".q-item[data-key='support']")
    assert not support.is_visible()  # a score of 3: one condition of two
    assert "Anything else, Ana?" in str(person.locator("main").text_content())  # piped in
    back.click()
    person.locator("input[name='q_feel_calm'][value='2']").check()
    assert person.locator("output[data-value='score']").text_content() == "4"
    next_step.click()
    assert support.is_visible()  # both hold now
    person.get_by_label("What helped you most when you talked to it?").fill("It listened at night.")
    assert fits_the_screen(person)
    person.get_by_role("button", name="Send my answers").click()
    person.wait_for_url(live_server.url + reverse("participate:portal"))
    person.context.close()


def edit_a_question(page: Any, questionnaire: Questionnaire) -> None:
    page.goto(reverse("studies:questionnaire", args=[questionnaire.study.slug, questionnaire.pk]))
    page.get_by_role("link", name="Edit name").click()
    page.locator("#id_text_en").fill("What name should we use?")
    page.get_by_role("button", name="Save the question").click()
    page.wait_for_load_state()
    assert "The question was saved." in said(page)
    status = str(page.locator("#questionnaire-status").text_content())
    assert "Version 2" in status
    assert "1 earlier version" in status


def test_a_researcher_builds_previews_publishes_and_edits_and_a_participant_answers_on_a_phone(
    browser: Any, live_server: Any
) -> None:
    study = StudyFactory(languages=["en", "es"])
    researcher: User = MembershipFactory(study=study, role="researcher").user
    participant = ParticipantFactory(study=study, status=Participant.Status.CONSENTED, language="en")
    page = signed_in_page(browser, live_server, researcher, base_url=live_server.url)

    questionnaire = create_the_draft(page, study)
    add_sections(page)
    for question in QUESTIONS:
        add_question(page, question)
    order = list(questionnaire.questions.order_by("position").values_list("key", "section__key"))
    assert order == [
        ("name", "about"),
        ("used_chatbot", "about"),
        ("feel", "week"),
        ("score", "week"),
        ("support", "closing"),
        ("anything", "closing"),
    ]
    refused_drag(page, questionnaire)
    preview_in_spanish(page)
    assert ScreeningResponse.objects.count() == 0  # the preview saved nothing
    publish(page)

    answer_on_a_phone(browser, live_server, participant)
    response = ScreeningResponse.objects.get(questionnaire=questionnaire, participant=participant)
    assert response.version == 1
    assert response.answers == {
        "name": "Ana",
        "used_chatbot": "yes",
        "feel_calm": "2",
        "feel_rested": "2",
        "score": 4,
        "support": "It listened at night.",
    }

    edit_a_question(page, questionnaire)
    questionnaire.refresh_from_db()
    assert questionnaire.version == 2
    response.refresh_from_db()
    assert response.version == 1
    frozen = QuestionnaireVersion.objects.get(questionnaire=questionnaire, number=1)
    assert [q["text"]["en"] for q in frozen.definition["questions"] if q["key"] == "name"] == [
        "What should we call you?"
    ]
    assert page.csp_errors == []
