"""Safety follow-up on a phone, in real headless Chromium: from the dashboard's link to the page, marking an
event contacted and then resolved, the resolved filter, and nothing spilling sideways. Nothing is mocked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from studies.models import Interview, SafetyEvent, Study
from studies.services import distress
from studies.tests.factories import InterviewFactory, ParticipantFactory
from tests.test_dashboard_browser import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_researcher_follows_up_an_event_on_a_phone(
    browser: Any, live_server: Any, study: Study, researcher: User
) -> None:
    event = SafetyEvent.objects.create(
        study=study, participant=ParticipantFactory(study=study), question_key="current_crisis"
    )
    page = signed_in_page(browser, live_server, researcher, **PHONE)
    page.goto(live_server.url + reverse("dashboard:page", args=[study.slug]))
    assert page.locator("#panel-safety .safety-open").text_content() == "1 safety event awaiting follow-up."
    page.locator(f'#panel-safety tr[data-event="{event.id}"] a', has_text="Follow up").click()
    card = page.locator(f"#event-{event.id}")
    card.wait_for()
    assert fits_the_screen(page)

    card.get_by_label("Note").fill("Left a voicemail.")
    card.get_by_role("button", name="Mark as contacted").click()
    page.wait_for_url(f"**/safety/#event-{event.id}")
    assert "contacted" in str(page.locator(f"#event-{event.id} .follow-badge").text_content())

    card.get_by_role("button", name="Mark as resolved").click()  # the note is still there, so it is accepted
    assert str(page.get_by_role("status").text_content()).strip().endswith("saved: resolved.")
    assert page.locator(f"#event-{event.id}").count() == 0  # resolved events are hidden by default
    page.get_by_role("link", name="Show resolved events (1)").click()
    assert page.locator(f"#event-{event.id} textarea").input_value() == "Left a voicemail."
    assert fits_the_screen(page)
    assert page.csp_errors == []

    event.refresh_from_db()
    assert (event.follow_up, event.followed_up_by_id) == ("resolved", researcher.id)


def test_a_distress_follow_up_with_a_withdrawal_request_reads_well_on_a_phone(
    browser: Any, live_server: Any, study: Study, owner: User, interviewer: User
) -> None:
    interview = InterviewFactory(participant__study=study, status=Interview.Status.SCHEDULED)
    event = distress.mark_distress(interview=interview, user=interviewer)
    note = "A long note without spaces: " + "ThisWordIsVeryLongAndMustWrapOnAPhone" * 3
    event = distress.record_assessment(event=event, outcome=SafetyEvent.Outcome.STOP, note=note, user=interviewer)
    SafetyEvent.objects.filter(id=event.id).update(follow_up_due_at=timezone.now() - timedelta(hours=1))
    distress.request_cut(event=event)

    page = signed_in_page(browser, live_server, owner, viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(live_server.url + reverse("dashboard:page", args=[study.slug]))
    row = page.locator(f"#panel-safety #follow-up-{event.id}")
    assert "overdue" in str(row.text_content())
    assert fits_the_screen(page)
    row.get_by_role("link", name=f"Follow up with {interview.participant.code}").click()
    card = page.locator(f"#event-{event.id}")
    card.wait_for()
    assert fits_the_screen(page)
    assert "The participant asked that what they said after the mark is not used" in str(card.text_content())
    confirm = card.get_by_role("checkbox", name="Delete everything after the mark", exact=False)
    confirm.focus()
    page.keyboard.press("Space")  # by keyboard: ticked, nothing sent
    assert confirm.is_checked()
    assert page.csp_errors == []
