"""The study dashboard in real headless Chromium: every panel against the database after a scripted sequence
of events, live refresh without a reload, retry from the page, keyboard use, the coder's view, and the
screenshots the README shows (docs/screenshots/). Nothing is mocked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from coding.models import CodingAssignment
from coding.services.codings import finish_assignment
from studies.models import Consent, Participant, SafetyEvent, ScreeningResponse, Study
from tests.dashboard_scenario import Scenario, build, screen
from transcription.models import TranscriptionJob

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
REFRESH_WAIT_MS = 15_000  # three polling rounds


@pytest.fixture
def scenario(study: Study, owner: User) -> Scenario:
    cache.clear()
    study.title = "Chatbots and mental health (scripted test events)"  # as the README's screenshots show it
    study.save(update_fields=["title"])
    return build(study, owner)


def signed_in_page(browser: Any, live_server: Any, user: User, **context: Any) -> Any:
    """A page whose browser carries the session of `user` (signed in the way Django's test client does)."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page_context = browser.new_context(**context)
    page_context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page = page_context.new_page()
    page.csp_errors = []
    page.on("console", lambda message: _note_csp(page, message))
    return page


def _note_csp(page: Any, message: Any) -> None:
    if "Content Security Policy" in message.text:
        page.csp_errors.append(message.text)


def _text(page: Any, selector: str) -> str:
    return str(page.locator(selector).first.text_content()).strip()


def check_funnel(page: Any, study: Study) -> None:
    people = Participant.objects.filter(study=study)
    expected = {
        "screened": people.count(),
        "eligible": ScreeningResponse.objects.filter(study=study, eligible=True).count(),
        "flagged": people.filter(status="flagged").count(),
        "consented": Consent.objects.filter(participant__study=study).values("participant").distinct().count(),
        "interviewed": people.filter(interviews__status="completed").distinct().count(),
        "transcribed": people.filter(interviews__recordings__transcript__isnull=False).distinct().count(),
        "withdrawn": people.filter(status="withdrawn").count(),
    }
    for step, count in expected.items():
        assert _text(page, f'#panel-funnel [data-step="{step}"] .count') == str(count), step
    assert page.locator("#chart-funnel title").first.text_content() == "Recruitment funnel"


def check_diversity(page: Any, study: Study) -> None:
    counted = ScreeningResponse.objects.filter(
        study=study, participant__status__in=("consented", "scheduled", "interviewed")
    )
    for stratum in study.strata.all():
        count = counted.filter(attributes__region__in=stratum.values).count()
        assert _text(page, f'#panel-diversity tr[data-stratum="{stratum.name}"] .count') == str(count)
    assert page.locator("#panel-diversity .under-filled li").first.text_content().startswith("Region: Africa")


def check_queue(page: Any, study: Study) -> None:
    jobs = TranscriptionJob.objects.filter(recording__interview__study=study)
    for status, count in jobs.values_list("status").annotate(n=Count("id")):
        assert _text(page, f'#panel-transcription [data-state="{status}"] .count') == str(count)
    for job in jobs.filter(status="running"):
        assert _text(page, f'#panel-transcription tr[data-job="{job.id}"] .progress-value') == f"{job.progress}%"
    for job in jobs.filter(status="failed"):
        assert _text(page, f'#panel-transcription tr[data-job="{job.id}"] .reason') == job.error_message
    assert _text(page, '#panel-transcription tr[data-worker="celery@gpu-1"] .device') == "GPU"


def check_coding(page: Any, study: Study) -> None:
    done = CodingAssignment.objects.filter(transcript__recording__interview__study=study, status="done")
    for coder in User.objects.filter(coding_assignments__in=done).distinct():
        mine = done.filter(coder=coder).count()
        assert _text(page, f'#panel-coding tr[data-coder="{coder.display_name}"] .done .value') == str(mine)
    assert page.locator("#panel-coding .agreement-table tbody tr").count() == 2
    double = (
        done.values("transcript_version").annotate(coders=Count("coder", distinct=True)).filter(coders__gte=2).count()
    )
    assert _text(page, '#panel-coding [data-figure="double"] .count') == str(double)


def check_safety(page: Any, study: Study) -> None:
    for event in SafetyEvent.objects.filter(study=study):
        assert page.locator(f'#panel-safety tr[data-event="{event.id}"]').count() == 1


def test_every_panel_matches_the_database_and_refreshes_live(
    browser: Any, live_server: Any, scenario: Scenario, owner: User
) -> None:
    study = scenario.study
    page = signed_in_page(browser, live_server, owner, viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("dashboard:page", args=[study.slug]))
    check_funnel(page, study)
    check_diversity(page, study)
    check_queue(page, study)
    check_coding(page, study)
    check_safety(page, study)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"))

    page.evaluate("window.notReloaded = true")
    TranscriptionJob.objects.filter(id=scenario.running.id).update(progress=75, heartbeat_at=timezone.now())
    screen(study, country="GH")
    screen(study, country="CL", crisis="yes")
    finish_assignment(assignment=CodingAssignment.objects.get(coder=scenario.coders[2]))
    running = f'#panel-transcription tr[data-job="{scenario.running.id}"] .progress-value'
    page.wait_for_function(
        "s => document.querySelector(s) && document.querySelector(s).textContent.trim() === '75%'",
        arg=running,
        timeout=REFRESH_WAIT_MS,
    )
    page.wait_for_function(
        "() => document.querySelector('#panel-funnel [data-step=\"screened\"] .count').textContent.trim() === '10'",
        timeout=REFRESH_WAIT_MS,
    )
    page.wait_for_function(
        "() => document.querySelectorAll('#panel-safety tbody tr').length === 2", timeout=REFRESH_WAIT_MS
    )
    assert page.evaluate("window.notReloaded") is True
    check_funnel(page, study)
    check_coding(page, study)
    check_safety(page, study)
    assert re.match(r"Updated at", _text(page, "#dashboard-updated"))
    assert page.csp_errors == []
    for name in ("transcription", "coding"):
        page.locator(f"#panel-{name}").screenshot(path=str(SCREENSHOTS / f"dashboard-{name}.png"))


def test_a_failed_job_is_retried_from_the_page_with_the_keyboard(
    browser: Any, live_server: Any, scenario: Scenario, owner: User
) -> None:
    page = signed_in_page(browser, live_server, owner, viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("dashboard:page", args=[scenario.study.slug]))
    toggle = page.locator("#dashboard-toggle")
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-pressed") == "true"
    assert _text(page, "#dashboard-updated") == "Live updates paused"
    retry = page.get_by_role("button", name=f"Retry the transcription for {scenario.people['nigeria'].code}")
    retry.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dashboard/#panel-transcription$"))
    assert "The job was queued again." in _text(page, ".messages")
    scenario.failed.refresh_from_db()
    assert scenario.failed.status == TranscriptionJob.Status.QUEUED
    assert _text(page, '#panel-transcription [data-state="queued"] .count') == "1"
    assert page.locator(f'#panel-transcription tr[data-job="{scenario.failed.id}"]').count() == 0


def test_the_coder_sees_no_safety_panel_and_tablets_and_phones_read_it_in_one_column(
    browser: Any, live_server: Any, scenario: Scenario, coder: User
) -> None:
    page = signed_in_page(browser, live_server, coder, viewport={"width": 768, "height": 1024})
    page.goto(live_server.url + reverse("dashboard:page", args=[scenario.study.slug]))
    assert page.locator("#panel-funnel").is_visible()
    assert page.locator("#panel-safety").count() == 0
    assert page.get_by_role("button", name=re.compile("^Retry")).count() == 0
    funnel, diversity = page.locator("#panel-funnel").bounding_box(), page.locator("#panel-diversity").bounding_box()
    assert diversity["y"] > funnel["y"] + funnel["height"] - 1  # stacked, not side by side
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing spills sideways
    page.screenshot(path=str(SCREENSHOTS / "dashboard-tablet.png"))
    page.set_viewport_size({"width": 360, "height": 740})  # a small phone: wide tables scroll inside their box
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
