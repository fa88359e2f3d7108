"""A participant in a Spanish voice interview on a phone opens "I need support", reads the crisis resources for
Mexico in Spanish and stops; the team sees the stop on the safety page and the follow-up on the dashboard
(issue #25). Real headless Chromium, PostgreSQL and Redis; nothing is mocked (no e-mail is sent: no worker runs).

Labels are selected by stable ids: the Spanish catalog is filled after the feature lands, so the label checks
compare with what gettext gives in Spanish, which holds before and after."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from coding.tests.factories import screen
from studies.models import CrisisResource, Interview, Role, SafetyEvent
from studies.services.portal import link_path
from studies.tests.factories import MembershipFactory
from tests.test_dashboard_browser import signed_in_page
from tests.test_voice_answers_browser import chromium_with_microphone, microphone
from transcription.models import MediaFile, VoiceAnswer
from transcription.tests.jobkit import private_media
from transcription.tests.voicekit import voice_interview

__all__ = ["chromium_with_microphone", "microphone", "private_media"]
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "es-ES"}
LINE = "Línea de la Vida"
LINE_TEXT = "Atención gratuita y confidencial, las 24 horas."


def spanish(message: str) -> str:
    with translation.override("es"):
        return gettext(message)


def fits_the_phone(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= 390"))


def mexican_voice_interview() -> Interview:
    """A Spanish-speaking participant in Mexico with a voice interview of three questions, in a study with crisis
    resources of its own: one for Mexico in Spanish, its English twin, and one for Spain."""
    interview, _guide = voice_interview(language="es", questions=3)
    study = interview.study
    study.languages = ["en", "es"]
    study.save(update_fields=["languages"])
    screen(interview.participant, {"country": "MX"})
    CrisisResource.objects.create(
        study=study, country="MX", language="es", name=LINE, phone="800 911 2000", description=LINE_TEXT
    )
    CrisisResource.objects.create(study=study, country="MX", language="en", name="Lifeline in English", phone="1")
    CrisisResource.objects.create(study=study, country="ES", language="es", name="Teléfono de la Esperanza", phone="2")
    return interview


def participant_page(browser: Any, live_server: Any, interview: Interview) -> Any:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda message: "Content Security Policy" in message.text and page.csp_errors.append(message))
    page.goto(live_server.url + link_path(participant=interview.participant))
    page.locator('form[action$="/portal/enter/"] button[type=submit]').click()
    page.wait_for_url("**/p/portal/")
    page.locator(f'a[href="{reverse("voice:answers", args=[interview.pk])}"]').click()
    page.locator("#support-button").wait_for()
    return page


def test_a_participant_on_a_phone_asks_for_support_stops_and_the_team_sees_the_follow_up(
    browser: Any, live_server: Any
) -> None:
    interview = mexican_voice_interview()
    first, second, _third = interview.study.guide_questions.order_by("position")
    page = participant_page(browser, live_server, interview)
    assert page.locator(f"#question-{first.pk} .voice-prompt").inner_text() == "¿Pregunta 1 en español?"
    assert page.locator("#support-button").inner_text() == spanish("I need support")

    page.locator(f"#question-{first.pk} .voice-skip button").click()
    page.locator(f'#question-{first.pk}[data-state="skipped"]').wait_for()
    page.evaluate(f"document.getElementById('question-{second.pk}').scrollIntoView({{block: 'center'}})")
    assert page.locator("#support-button").is_visible(), "the support button stays on screen"
    assert fits_the_phone(page)
    page.locator("#support-button").click()

    page.locator("#support-stop").wait_for()
    assert page.locator("#support-title").inner_text() == spanish("Support for you")
    crisis = page.locator(".crisis")
    assert LINE in crisis.inner_text()
    assert LINE_TEXT in crisis.inner_text()
    assert "Lifeline in English" not in crisis.inner_text()
    assert "Teléfono de la Esperanza" not in crisis.inner_text()
    assert page.locator("#support-back").inner_text() == spanish("Go back to the questions")
    assert page.locator("#support-stop").inner_text() == spanish("Stop the interview")
    assert fits_the_phone(page)
    page.locator("#support-stop").click()

    page.locator("#stopped").wait_for()
    assert LINE in page.locator("#stopped .crisis").inner_text(), "the resources are shown again"
    cut = page.locator("#cut-button")
    assert cut.inner_text() == spanish("Please do not use my answer to question %(number)s and the ones after it") % {
        "number": 2
    }
    assert page.locator("#support-button").count() == 0
    assert fits_the_phone(page)
    assert page.csp_errors == []
    page.context.close()

    event = SafetyEvent.objects.get(interview=interview)
    interview.refresh_from_db()
    assert (event.kind, event.outcome, event.guide_question_id) == (
        SafetyEvent.Kind.PARTICIPANT_SUPPORT,
        SafetyEvent.Outcome.STOP,
        second.pk,
    )
    assert event.follow_up_due_at is not None
    assert interview.status == Interview.Status.COMPLETED

    owner = MembershipFactory(study=interview.study, role=Role.OWNER).user
    team = signed_in_page(browser, live_server, owner, viewport={"width": 1280, "height": 900})
    team.goto(live_server.url + reverse("studies:safety", args=[interview.study.slug]))
    team.locator(f"#event-{event.pk}").wait_for()
    assert team.locator(f'#event-{event.pk}[data-kind="participant_support"]').count() == 1
    team.goto(live_server.url + reverse("dashboard:page", args=[interview.study.slug]))
    team.locator(f"#follow-up-{event.pk}").wait_for()
    assert team.csp_errors == []
    team.context.close()


def test_a_recording_paused_on_a_phone_keeps_only_the_time_recorded(
    chromium_with_microphone: Any, live_server: Any, private_media: Any, redis_client: redis.Redis
) -> None:
    for key in redis_client.scan_iter("*voice-answers:*"):
        redis_client.delete(key)
    interview, (question, *_rest) = voice_interview(language="es", max_seconds=20)
    page = participant_page(chromium_with_microphone, live_server, interview)
    page.context.grant_permissions(["microphone"], origin=live_server.url)
    item = page.locator(f"#question-{question.pk}")
    item.locator('[data-action="record"]').click()
    pause = item.locator('[data-action="pause"]')
    pause.wait_for()
    assert pause.inner_text() == spanish("Pause")
    page.wait_for_timeout(2000)
    pause.click()
    assert pause.inner_text() == spanish("Resume")
    paused_at = item.locator('[data-field="timer"]').inner_text()
    page.wait_for_timeout(3000)
    assert item.locator('[data-field="timer"]').inner_text() == paused_at, "the clock stands still while paused"
    pause.click()
    page.wait_for_timeout(2000)
    item.locator('[data-action="stop"]').click()
    page.locator(f'#question-{question.pk}[data-state="answered"]').wait_for(timeout=30_000)
    page.context.close()
    media = MediaFile.objects.get(recording=VoiceAnswer.objects.get(question=question).recording)
    assert 3.0 < media.duration < 6.0, "about four seconds recorded over seven on the clock"
    redis_client.delete("transcription")  # the job's message: no worker runs in this test
