"""axe-core (from the npm registry, pinned in tests/js/package-lock.json, installed by scripts/test.sh) on the
participant pages, the dashboard, the editor, the coding workspace and the team's other working pages, in real
headless Chromium: no violation of any rule that axe runs by default (WCAG 2 A and AA, colour contrast included,
and its best practices such as one landmark per name).

axe goes in with Playwright's add_script_tag, an inline script that the strict Content Security Policy would
block: these pages are opened with the policy bypassed (tests/test_csp.py and the other browser tests keep it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from coding.models import CodingAssignment
from coding.services.codings import add_coding
from studies.models import ConsentItem, Participant, Role, SafetyContact, Study
from studies.services.portal import link_path
from studies.tests.conftest import forget_rate_limits
from studies.tests.factories import (
    ConsentDocumentFactory,
    MembershipFactory,
    ParticipantFactory,
    SlotFactory,
    StudyFactory,
    build_screening,
)
from tests.dashboard_scenario import Scenario, build
from transcription.tests.voicekit import voice_interview

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(' '))}));
}"""
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "en-GB"}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}
# The study's pages that need nothing but its slug, as an owner sees them.
STUDY_PAGES = (
    "studies:detail",
    "studies:settings",
    "studies:checklist",
    "studies:consent_setup",
    "studies:safety_setup",
    "studies:distress_protocol",
    "studies:guide",
    "studies:slots",
    "studies:questionnaires",
    "studies:quotas",
    "studies:team",
    "studies:participants",
    "studies:safety",
    "review:list",
    "coding:queue",
    "coding:codebook",
    "coding:agreement",
    "exports:page",
    "transcription:jobs",
)
# What a page fills in after it loads, waited for before axe reads it.
LOADED = {
    "dashboard": "#panel-coding .agreement-table",
    "review editor": ".segment .seg-text",
    "coding workspace": "#coding-list li",
    "voice answers": "#support-button",
}

Found = dict[str, list[str]]


def violations(page: Any) -> list[str]:
    """What axe finds on the page as it stands: one line per rule, with its impact and the elements."""
    assert AXE.exists(), "axe-core is missing: run `npm ci --prefix tests/js` (scripts/test.sh does)"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return [
        f"{v['id']} ({v['impact']}): {'; '.join(v['targets'][:6])}"
        for v in page.evaluate(RUN_AXE)  # each: {id, impact, targets}
    ]


def check(page: Any, found: Found, name: str, url: str | None = None) -> None:
    """Open `url` (if given) and keep the page's violations under `name`, so that one run reports every page."""
    if url is not None:
        response = page.goto(url)
        assert response is not None
        assert response.ok, f"{name}: {url} answered {response.status}"
    if name in LOADED:
        page.locator(LOADED[name]).first.wait_for()
    if problems := violations(page):
        found[name] = problems


def report(found: Found) -> str:
    return "\n".join(f"{name}:\n  " + "\n  ".join(lines) for name, lines in found.items())


def signed_in(browser: Any, live_server: Any, user: User) -> Any:
    client = Client()
    client.force_login(user)
    context = browser.new_context(bypass_csp=True, **DESKTOP)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def participant_page(browser: Any, live_server: Any, participant: Participant) -> Any:
    """A phone whose browser entered the portal by the participant's magic link."""
    page = browser.new_context(bypass_csp=True, **PHONE).new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + link_path(participant=participant))
    page.locator('form[action$="/portal/enter/"] button[type=submit]').click()
    page.wait_for_url("**/p/portal/")
    return page


def recruiting_study() -> Study:
    """A study with the demo screening, a consent form with an item and a comprehension question, and a slot."""
    study = StudyFactory(languages=["en", "es"])
    SafetyContact.objects.create(study=study, name="Safety lead", email="safety@example.org")
    build_screening(study)
    ConsentDocumentFactory(
        study=study,
        language="en",
        version=1,
        title="Consent",
        body_markdown="## What taking part means\n\nWe will record an interview of about an hour.",
        items={ConsentItem.AUDIO_RECORDING: {"required": True}, ConsentItem.VERBATIM_QUOTES: {"required": False}},
        comprehension_questions=[
            {"question": "Can you stop at any time?", "choices": ["No", "Yes, without a reason"], "answer": 1}
        ],
    )
    SlotFactory(study=study)
    return study


def check_public_pages(browser: Any, live_server: Any, study: Study, found: Found) -> None:
    page = browser.new_context(bypass_csp=True, **PHONE).new_page()
    check(page, found, "screening", live_server.url + reverse("participate:screening", args=[study.slug]))
    page.locator(".participant-form button[type=submit]").click()
    page.locator("[data-error-summary]").wait_for()
    check(page, found, "screening, refused")
    check(page, found, "sign-in", live_server.url + reverse("login"))
    page.locator("main form button[type=submit]").click()
    page.locator("[data-error-summary]").wait_for()
    check(page, found, "sign-in, refused")
    check(page, found, "portal link", live_server.url + link_path(participant=ParticipantFactory(study=study)))
    page.context.close()


def test_the_public_and_participant_pages_have_no_axe_violation_on_a_phone(browser: Any, live_server: Any) -> None:
    forget_rate_limits()
    study = recruiting_study()
    found: Found = {}
    check_public_pages(browser, live_server, study, found)
    page = participant_page(browser, live_server, ParticipantFactory(study=study, language="en"))
    check(page, found, "portal home")
    check(page, found, "consent", live_server.url + reverse("participate:portal_consent"))
    page.locator(".participant-form button[type=submit]").click()
    page.locator("[data-error-summary]").wait_for()
    check(page, found, "consent, refused")
    check(page, found, "booking", live_server.url + reverse("participate:portal_book") + "?tz=Europe/London")
    check(page, found, "withdrawal", live_server.url + reverse("participate:portal_withdraw"))
    page.context.close()

    interview, _guide = voice_interview()
    page = participant_page(browser, live_server, interview.participant)
    check(page, found, "voice answers", live_server.url + reverse("voice:answers", args=[interview.pk]))
    page.locator("#support-button").click()
    page.locator("#support-stop").wait_for()
    check(page, found, "voice support")
    page.context.close()
    assert not found, report(found)


@pytest.fixture
def scenario(study: Study, owner: User) -> Scenario:
    """The dashboard tests' scripted study (screenings, safety events, jobs, a double-coded transcript); its third
    coder joins the team and starts coding, so that the workspace lists a coding."""
    cache.clear()
    scenario = build(study, owner)
    coder = scenario.coders[2]
    MembershipFactory(study=study, user=coder, role=Role.CODER)
    add_coding(version=scenario.version, coder=coder, code=scenario.codes["Support"], start=0, end=10)
    return scenario


def owner_pages(scenario: Scenario) -> dict[str, str]:
    study, transcript = scenario.study, scenario.version.transcript
    slug, screening = study.slug, study.questionnaires.get(kind="screening")
    return {
        "dashboard": reverse("dashboard:page", args=[slug]),
        "review editor": reverse("review:editor", args=[slug, transcript.pk]),
        "interview": reverse("transcription:interview", args=[slug, transcript.recording.interview_id]),
        **{name: reverse(name, args=[slug]) for name in STUDY_PAGES},
        "participant": reverse("studies:participant", args=[slug, scenario.people["kenya"].code]),
        "questionnaire": reverse("studies:questionnaire", args=[slug, screening.pk]),
        "question": reverse("studies:question", args=[slug, screening.pk, screening.questions.earliest("position").pk]),
        "questionnaire preview": reverse("studies:questionnaire_preview", args=[slug, screening.pk]) + "?lang=es",
        "questionnaire import": reverse("studies:questionnaire_import", args=[slug]),
        "redaction": reverse("review:redaction", args=[slug, transcript.pk]),
        "transcript": reverse("review:read", args=[slug, transcript.pk]),
        "profile": reverse("accounts:profile"),
    }


@pytest.mark.usefixtures("deid_finder_loaded")
def test_the_team_pages_have_no_axe_violation(browser: Any, live_server: Any, scenario: Scenario, owner: User) -> None:
    found: Found = {}
    page = signed_in(browser, live_server, owner)
    for name, path in owner_pages(scenario).items():
        check(page, found, name, live_server.url + path)
    page.context.close()
    coder = scenario.coders[2]
    workspace = reverse("coding:workspace", args=[scenario.study.slug, CodingAssignment.objects.get(coder=coder).pk])
    page = signed_in(browser, live_server, coder)
    check(page, found, "coding workspace", live_server.url + workspace)
    page.context.close()
    assert not found, report(found)
