"""During the interview and before it, in real headless Chromium on a 390 px phone against PostgreSQL and Redis: an
interviewer starts a phone interview, writes two notes with Ctrl+Enter (saved without reloading the page, each with
its m:ss since the start) and sees the number to call; a participant booking a phone slot is asked for their number
once they choose it, a bad one is refused with the reason, a good one is stored encrypted and the slot booked.

Nothing is replaced: no mail is sent on these paths that the test reads."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from studies.models import ContactDetails, Interview, InterviewNote, Participant, Study
from studies.services.portal import link_path
from studies.tests.factories import InterviewFactory, ParticipantFactory, SlotFactory
from tests.test_dashboard_browser import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
FIRST = "Long pause before talking about the night shifts."
SECOND = "Mentions a support group: ask about it at the end."


def _fits_the_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_an_interviewer_takes_two_notes_with_ctrl_enter_and_sees_their_times(
    browser: Any, live_server: Any, study: Study, interviewer: User
) -> None:
    participant = ParticipantFactory(study=study)
    ContactDetails.objects.create(participant=participant, email="p@example.org", phone="+442079460018")
    interview = InterviewFactory(
        participant=participant,
        interviewer=interviewer,
        mode=Interview.Mode.PHONE,
        status=Interview.Status.SCHEDULED,
        scheduled_start=timezone.now(),
    )
    page = signed_in_page(browser, live_server, interviewer, viewport=PHONE, is_mobile=True, has_touch=True)
    page.set_default_timeout(15_000)
    page.goto(live_server.url + reverse("transcription:interview", args=[study.slug, interview.id]))
    assert page.locator("#participant-phone a").get_attribute("href") == "tel:+442079460018"
    page.get_by_role("button", name="Start the interview").click()
    page.locator("#started").wait_for()
    page.evaluate("window.notReloaded = true")
    box = page.get_by_label("Your note")
    for text in (FIRST, SECOND):
        box.fill(text)
        box.press("Control+Enter")
        page.locator(".interview-note", has_text=text).wait_for()
        assert box.input_value() == ""
    assert page.evaluate("window.notReloaded === true"), "the notes were saved without reloading the page"
    times = [
        page.locator(".interview-note", has_text=text).locator(".note-time").inner_text() for text in (FIRST, SECOND)
    ]
    assert all(re.fullmatch(r"\d+:\d\d", shown) for shown in times), times
    assert re.fullmatch(r"Note saved at \d+:\d\d\.", page.locator("#note-status").inner_text())
    notes = list(InterviewNote.objects.filter(interview=interview).order_by("id"))
    assert [note.text for note in notes] == [FIRST, SECOND]
    assert all(note.offset is not None and note.offset >= 0 for note in notes)
    assert [f"{int(note.offset or 0) // 60}:{int(note.offset or 0) % 60:02d}" for note in notes] == times
    _fits_the_phone(page)
    page.reload()
    assert page.locator(".interview-note").count() == 2
    assert page.csp_errors == []


def test_a_participant_booking_a_phone_slot_on_a_phone_gives_a_number_that_is_checked(
    browser: Any, live_server: Any, study: Study
) -> None:
    participant = ParticipantFactory(study=study, status=Participant.Status.CONSENTED)
    ContactDetails.objects.create(participant=participant, email="p@example.org")
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    SlotFactory(study=study, start=start, mode=Interview.Mode.VIDEO)
    phone_slot = SlotFactory(study=study, start=start + timedelta(hours=2), mode=Interview.Mode.PHONE)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + link_path(participant=participant))
    page.get_by_role("button", name="Open my study page").click()
    page.goto(live_server.url + reverse("participate:portal_book") + "?tz=UTC")
    number = page.get_by_label("Your phone number")
    assert not number.is_visible(), "no number is asked for before a phone interview is chosen"
    page.get_by_label(re.compile(r"Phone\)$")).check()
    assert number.is_visible()
    number.fill("12345")
    page.get_by_role("button", name="Book this time").click()
    page.locator(".error-summary").wait_for()
    assert "This is not a phone number we can call." in page.locator(".error-summary").inner_text()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert not Interview.objects.filter(participant=participant).exists()
    _fits_the_phone(page)
    page.get_by_label(re.compile(r"Phone\)$")).check()
    page.get_by_label("Your phone number").fill("+44 20 7946 0018")
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_url(live_server.url + reverse("participate:portal"))
    contact = ContactDetails.objects.get(participant=participant)
    assert contact.phone == "+442079460018"
    assert contact.phone_hash
    assert Interview.objects.get(participant=participant, status=Interview.Status.SCHEDULED).slot_id == phone_slot.pk
    context.close()
