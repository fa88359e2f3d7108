"""Member checking end to end in real headless Chromium: a researcher sends a redacted transcript from its page; the
participant, on a 390 px phone in Spanish, opens it from their portal, comments on a segment and approves it; the
researcher's editor shows the comment beside that segment. PostgreSQL and Redis are real; nothing is mocked (no
e-mail is sent: no worker runs, and the portal is entered by the link the e-mail would carry).

Labels are compared with what gettext gives in Spanish, which holds before and after the catalog is filled."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from review.models import MemberCheck
from review.tests.test_member_check import COMMENT, MESSAGE, transcript_of
from studies.models import Role, Study
from studies.services.portal import link_path
from studies.tests.factories import MembershipFactory, StudyFactory
from tests.test_dashboard_browser import signed_in_page
from transcription.models import Transcript

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "es-ES"}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def spanish(message: str) -> str:
    with translation.override("es"):
        return gettext(message)


def fits_the_phone(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= 390"))


def researcher_sends(browser: Any, live_server: Any, researcher: User, transcript: Transcript) -> None:
    page = signed_in_page(browser, live_server, researcher, **DESKTOP)
    study = transcript.recording.interview.study
    page.goto(live_server.url + reverse("review:read", args=[study.slug, transcript.pk]))
    assert "2" in page.locator("#member-check-what").inner_text(), "the redacted version 2 is the one offered"
    page.locator("#member-check-send").click()
    page.locator('#member-check-status[data-status="sent"]').wait_for()
    assert page.csp_errors == []
    page.context.close()


def participant_comments_and_approves(browser: Any, live_server: Any, transcript: Transcript) -> None:
    page = browser.new_context(**PHONE).new_page()
    page.set_default_timeout(15_000)
    csp: list[str] = []

    def note_csp(message: Any) -> None:
        if "Content Security Policy" in message.text:
            csp.append(message.text)

    page.on("console", note_csp)
    page.goto(live_server.url + link_path(participant=transcript.recording.interview.participant))
    page.locator('form[action$="/portal/enter/"] button[type=submit]').click()
    page.wait_for_url("**/p/portal/")
    assert page.locator("html").get_attribute("lang") == "es"
    opener = page.locator(f"#member-check-open-{transcript.pk}")
    assert opener.inner_text() == spanish("Read your transcript")
    assert fits_the_phone(page)
    opener.click()

    segment = page.locator("#segment-2")
    segment.wait_for()
    assert "[EMAIL-1]" in segment.locator(".check-text").inner_text()
    assert page.locator("#segment-2-text").is_visible() is False, "the comment box opens on demand"
    segment.locator("summary").click()
    page.locator("#segment-2-text").fill(COMMENT)
    assert fits_the_phone(page)
    segment.locator("button[type=submit]").click()
    page.locator("#segment-2.has-comment").wait_for()
    assert page.locator("#segment-2-text").input_value() == COMMENT

    page.locator("#answer-message").fill(MESSAGE)
    approve = page.locator("#answer-decision")
    assert approve.inner_text() == spanish("I approve this transcript")
    approve.click()
    page.locator("#check-state").wait_for()
    assert page.locator("#segment-2 .check-comment").inner_text().endswith(COMMENT)
    assert fits_the_phone(page)
    page.goto(live_server.url + reverse("participate:portal"))
    page.locator(f"#member-check-answered-{transcript.pk}").wait_for()
    assert csp == []
    page.context.close()


def test_a_transcript_sent_for_checking_is_commented_and_approved_on_a_phone_and_the_editor_shows_the_comment(
    browser: Any, live_server: Any
) -> None:
    study: Study = StudyFactory(languages=["en", "es"])
    researcher = MembershipFactory(study=study, role=Role.RESEARCHER).user
    transcript = transcript_of(study, researcher, language="es")
    researcher_sends(browser, live_server, researcher, transcript)
    participant_comments_and_approves(browser, live_server, transcript)

    check = MemberCheck.objects.get(transcript=transcript)
    assert (check.status, check.message) == (MemberCheck.Status.APPROVED, MESSAGE)
    assert list(check.comments.values_list("segment", "text")) == [(1, COMMENT)]

    editor = signed_in_page(browser, live_server, researcher, **DESKTOP)
    editor.set_default_timeout(15_000)
    editor.goto(live_server.url + reverse("review:editor", args=[study.slug, transcript.pk]))
    item = editor.locator("#participant-comment-2")
    item.wait_for()
    assert COMMENT in item.inner_text()
    assert MESSAGE in editor.locator("#participant-message").inner_text()
    commented = editor.locator('.segment[data-i="1"]')
    assert commented.locator(".flag-participant_comment").count() == 1
    assert editor.locator(".flag-participant_comment").count() == 1, "only the commented segment carries the badge"
    item.locator(".jump-comment").click()
    editor.locator('.segment.selected[data-i="1"]').wait_for()
    assert editor.csp_errors == []
    editor.context.close()
