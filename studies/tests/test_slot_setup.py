"""The interview slots a team manages: entered in the researcher's own zone, recurring availability, editing and
deleting free slots, meeting links per booking, and what each role sees (issue #20)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from studies.models import ContactDetails, Interview, OutboxMessage, Participant, Slot, Study
from studies.services.availability import Availability, plan_availability, wall_clock_starts
from studies.services.scheduling import book_slot, interview_ics
from studies.services.slots import SlotTerms, overlaps
from studies.tests.factories import ParticipantFactory, SlotFactory
from studies.tests.mailkit import send_queued
from studies.tests.test_portal_and_consent import portal_client
from tests.test_dashboard_browser import signed_in_page
from tests.test_safety_browser import PHONE, fits_the_screen

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2031, 6, 2)  # a Monday in summer time in New York (UTC-4)


def signed_in(user: User, time_zone: str = "") -> Client:
    if time_zone:
        user.time_zone = time_zone
        user.save(update_fields=["time_zone"])
    client = Client()
    client.force_login(user)
    return client


def slots_url(study: Study, name: str = "slots") -> str:
    return reverse(f"studies:{name}", args=[study.slug])


def one_slot(start: str, **extra: Any) -> dict[str, Any]:
    return {"start": start, "duration_minutes": "60", "mode": "video", "details": "", **extra}


def weekly(**extra: Any) -> dict[str, Any]:
    """Mondays and Wednesdays of two weeks, 9:00 to 12:00, 45-minute slots with 15 minutes between."""
    fields = {
        "weekdays": ["0", "2"],
        "day_start": "09:00",
        "day_end": "12:00",
        "slot_minutes": "45",
        "buffer_minutes": "15",
        "first_day": MONDAY.isoformat(),
        "last_day": (MONDAY + timedelta(days=13)).isoformat(),
        "mode": "video",
        "details": "https://video.example.org/team-room",
    }
    return {**fields, **extra}


def booked(slot: Slot) -> Interview:
    participant = ParticipantFactory(study=slot.study, status=Participant.Status.CONSENTED)
    ContactDetails.objects.create(participant=participant, email=f"{participant.code}@example.org")
    return book_slot(participant=participant, slot=slot)


# --- Times in the researcher's own zone ---------------------------------------------------------------------------


def test_a_researcher_in_new_york_enters_nine_and_it_is_stored_as_fourteen_utc(study: Study, researcher: User) -> None:
    client = signed_in(researcher, "America/New_York")
    assert client.post(slots_url(study), one_slot("2031-01-15T09:00")).status_code == 302
    assert client.post(slots_url(study), one_slot("2031-07-15T09:00")).status_code == 302
    starts = list(Slot.objects.filter(study=study).order_by("start").values_list("start", flat=True))
    # Winter: New York is UTC-5; summer (daylight saving time): UTC-4.
    assert starts == [datetime(2031, 1, 15, 14, 0, tzinfo=UTC), datetime(2031, 7, 15, 13, 0, tzinfo=UTC)]
    entry = AuditEntry.objects.get(action="slot.created", target_id=str(Slot.objects.earliest("start").pk))
    assert entry.detail == {"count": 1}


def test_the_page_shows_times_in_the_readers_zone_and_names_it(study: Study, researcher: User, owner: User) -> None:
    SlotFactory(study=study, start=datetime(2031, 1, 15, 14, 0, tzinfo=UTC))
    page = signed_in(researcher, "America/New_York").get(slots_url(study)).content.decode()
    assert "Wed 15 Jan 2031, 09:00" in page
    assert "Times are in America/New_York" in page
    assert "In UTC" not in page
    in_utc = signed_in(owner).get(slots_url(study)).content.decode()
    assert "Wed 15 Jan 2031, 14:00" in in_utc
    assert "Times are in UTC" in in_utc


def test_a_time_the_clocks_skip_is_refused_and_what_was_typed_stays(study: Study, researcher: User) -> None:
    # 02:30 on 9 March 2031 does not exist in New York: the clocks go from 02:00 to 03:00.
    response = signed_in(researcher, "America/New_York").post(slots_url(study), one_slot("2031-03-09T02:30"))
    assert response.status_code == 400
    assert not Slot.objects.exists()
    page = response.content.decode()
    assert 'value="2031-03-09T02:30"' in page
    assert "data-error-summary" in page


# --- Recurring availability ---------------------------------------------------------------------------------------


def test_recurring_availability_over_two_weeks_makes_the_right_slots(study: Study, researcher: User) -> None:
    client = signed_in(researcher, "America/New_York")
    response = client.post(slots_url(study, "slots_recurring"), weekly())
    assert response.status_code == 302
    slots = list(Slot.objects.filter(study=study).order_by("start"))
    assert len(slots) == 12  # 3 a day (9:00, 10:00, 11:00: the 15-minute break after each), 2 days a week, 2 weeks
    local = [slot.start.astimezone(NEW_YORK) for slot in slots]
    assert {moment.strftime("%a") for moment in local} == {"Mon", "Wed"}
    assert {moment.date() for moment in local} == {
        MONDAY,
        MONDAY + timedelta(days=2),
        MONDAY + timedelta(days=7),
        MONDAY + timedelta(days=9),
    }
    assert sorted({moment.time() for moment in local}) == [time(9), time(10), time(11)]
    assert {slot.duration_minutes for slot in slots} == {45}
    assert {slot.details for slot in slots} == {"https://video.example.org/team-room"}
    entry = AuditEntry.objects.get(action="slot.created")
    assert entry.detail["count"] == 12
    assert sorted(entry.detail["slot_ids"]) == [slot.pk for slot in slots]
    follow = client.get(slots_url(study))
    assert "12 slots were published." in follow.content.decode()


def test_recurring_availability_keeps_the_wall_clock_time_across_a_clock_change(study: Study, researcher: User) -> None:
    client = signed_in(researcher, "America/New_York")
    fields = weekly(
        weekdays=["0", "1", "2", "3", "4"],
        day_start="09:00",
        day_end="10:00",
        slot_minutes="60",
        first_day="2031-03-03",
        last_day="2031-03-14",  # daylight saving time starts on Sunday 9 March 2031
    )
    assert client.post(slots_url(study, "slots_recurring"), fields).status_code == 302
    starts = list(Slot.objects.order_by("start").values_list("start", flat=True))
    assert len(starts) == 10
    assert {start.astimezone(NEW_YORK).time() for start in starts} == {time(9)}
    assert {start.hour for start in starts if start.day < 9} == {14}  # UTC-5 before
    assert {start.hour for start in starts if start.day > 9} == {13}  # UTC-4 after


def test_wall_times_the_clocks_skip_are_left_out_and_counted() -> None:
    night = Availability(
        weekdays=frozenset({6}),
        day_start=time(2),
        day_end=time(3, 30),
        slot_minutes=30,
        buffer_minutes=0,
        first_day=date(2031, 3, 9),
        last_day=date(2031, 3, 9),
        zone=NEW_YORK,
    )
    starts, nonexistent = wall_clock_starts(night)
    assert (starts, nonexistent) == ([datetime(2031, 3, 9, 7, 0, tzinfo=UTC)], 2)  # only 03:00 exists


def test_a_slot_running_through_the_hour_the_clocks_skip_does_not_overlap_the_next_one(study: Study) -> None:
    night = Availability(
        weekdays=frozenset({6}),
        day_start=time(1, 30),
        day_end=time(5),
        slot_minutes=90,
        buffer_minutes=0,
        first_day=date(2031, 3, 9),
        last_day=date(2031, 3, 9),
        zone=NEW_YORK,
    )
    terms = SlotTerms(mode=Interview.Mode.VIDEO, interviewer=None, details="", generate_link=False)
    plan = plan_availability(study=study, availability=night, terms=terms)
    # 1:30 EST runs 90 minutes, until 4:00 EDT by the clock; 3:00 EDT starts half-way through it and is left out.
    assert plan.starts == [datetime(2031, 3, 9, 6, 30, tzinfo=UTC)]
    assert plan.overlapping == 1


def test_recurring_availability_skips_overlaps_with_the_same_interviewer_and_says_how_many(
    study: Study, researcher: User, interviewer: User, owner: User
) -> None:
    monday_10_30 = datetime.combine(MONDAY, time(10, 30), tzinfo=NEW_YORK)
    SlotFactory(study=study, interviewer=interviewer, start=monday_10_30, duration_minutes=60)
    SlotFactory(study=study, interviewer=owner, start=monday_10_30 + timedelta(days=2))  # someone else's
    client = signed_in(researcher, "America/New_York")
    response = client.post(slots_url(study, "slots_recurring"), weekly(interviewer=str(interviewer.pk)), follow=True)
    # 10:00-10:45 and 11:00-11:45 on the first Monday overlap 10:30-11:30; the owner's slot is no obstacle.
    assert Slot.objects.filter(interviewer=interviewer).count() == 1 + 10
    page = response.content.decode()
    assert "10 slots were published." in page
    assert "2 are left out: they overlap other slots of the same interviewer." in page
    assert AuditEntry.objects.get(action="slot.created").detail["skipped_overlapping"] == 2


def test_publishing_the_same_availability_twice_adds_nothing(study: Study, researcher: User) -> None:
    client = signed_in(researcher, "America/New_York")
    client.post(slots_url(study, "slots_recurring"), weekly())
    again = client.post(slots_url(study, "slots_recurring"), weekly(), follow=True)
    assert Slot.objects.count() == 12
    assert "0 slots were published. 12 are left out" in again.content.decode()


def test_the_preview_counts_the_slots_and_writes_nothing(study: Study, researcher: User) -> None:
    response = signed_in(researcher).post(slots_url(study, "slots_recurring"), weekly(preview="1"))
    assert response.status_code == 200
    assert "This makes 12 slots." in response.content.decode()
    assert 'value="2031-06-02"' in response.content.decode()  # the form keeps what was typed
    assert not Slot.objects.exists()
    assert not AuditEntry.objects.filter(action="slot.created").exists()


def test_too_many_slots_or_too_long_a_range_is_refused_and_nothing_is_written(study: Study, researcher: User) -> None:
    client = signed_in(researcher)
    every_ten_minutes = weekly(
        weekdays=[str(day) for day in range(7)],
        day_start="08:00",
        day_end="20:00",
        slot_minutes="10",
        buffer_minutes="0",
        last_day=(MONDAY + timedelta(days=30)).isoformat(),
    )
    many = client.post(slots_url(study, "slots_recurring"), every_ten_minutes)
    assert many.status_code == 400
    assert "These settings make 2232 slots; at most 500 can be published at once." in many.content.decode()
    too_long = client.post(
        slots_url(study, "slots_recurring"), weekly(last_day=(MONDAY + timedelta(days=200)).isoformat())
    )
    assert too_long.status_code == 400
    assert "Choose a date range of at most six months." in too_long.content.decode()
    assert not Slot.objects.exists()


@pytest.mark.parametrize("status", [Study.Status.CLOSED, Study.Status.ARCHIVED])
def test_a_closed_or_archived_study_takes_no_new_slots(study: Study, researcher: User, status: str) -> None:
    Study.objects.filter(pk=study.pk).update(status=status)
    client = signed_in(researcher)
    page = client.get(slots_url(study)).content.decode()
    assert "it takes no new slots" in page
    assert slots_url(study, "slots_recurring") not in page
    assert client.post(slots_url(study), one_slot("2031-01-15T09:00")).status_code == 400
    assert client.post(slots_url(study, "slots_recurring"), weekly()).status_code == 400
    assert not Slot.objects.exists()


def test_overlaps_are_found_whatever_the_lengths() -> None:
    at = datetime(2031, 1, 1, 9, tzinfo=UTC)
    existing = [(at + timedelta(hours=1), 30)]  # 10:00-10:30
    candidates = [(at, 120), (at + timedelta(minutes=30), 10), (at + timedelta(minutes=90), 30)]
    assert overlaps(candidates, existing) == [(at, 120)]  # 9:00-11:00 overlaps; 9:30-9:40 and 10:30-11:00 do not


# --- Editing and deleting -----------------------------------------------------------------------------------------


def test_a_free_slot_is_edited_in_the_researchers_zone_and_audited(
    study: Study, researcher: User, interviewer: User
) -> None:
    slot = SlotFactory(study=study, start=datetime(2031, 1, 15, 14, 0, tzinfo=UTC))
    client = signed_in(researcher, "America/New_York")
    url = reverse("studies:slot", args=[study.slug, slot.pk])
    form = client.get(url).content.decode()
    assert 'value="2031-01-15T09:00"' in form
    fields = one_slot("2031-01-16T10:30", duration_minutes="45", interviewer=str(interviewer.pk), mode="phone")
    assert client.post(url, fields).status_code == 302
    slot.refresh_from_db()
    assert (slot.start, slot.duration_minutes, slot.mode, slot.interviewer) == (
        datetime(2031, 1, 16, 15, 30, tzinfo=UTC),
        45,
        "phone",
        interviewer,
    )
    entry = AuditEntry.objects.get(action="slot.updated")
    assert (entry.target_id, entry.detail) == (
        str(slot.pk),
        {"fields": ["details", "duration_minutes", "interviewer", "mode", "start"]},
    )


def test_a_booked_slot_keeps_its_time_and_changes_only_its_interviewer(
    study: Study, researcher: User, interviewer: User
) -> None:
    slot = SlotFactory(study=study, start=datetime(2031, 1, 15, 14, 0, tzinfo=UTC))
    interview = booked(slot)
    client = signed_in(researcher)
    url = reverse("studies:slot", args=[study.slug, slot.pk])
    page = client.get(url).content.decode()
    assert "only its interviewer can change" in page
    # The disabled fields are ignored when posted: the time stays as the participant was told it.
    moved = client.post(url, one_slot("2031-02-01T09:00", interviewer=str(interviewer.pk), details="elsewhere"))
    assert moved.status_code == 302
    slot.refresh_from_db()
    interview.refresh_from_db()
    assert (slot.start, slot.details) == (datetime(2031, 1, 15, 14, 0, tzinfo=UTC), "https://video.example.org/room")
    assert slot.interviewer == interviewer
    assert interview.interviewer == interviewer
    assert AuditEntry.objects.get(action="slot.updated").detail == {"fields": ["interviewer"]}


def test_a_booked_generated_link_slot_gets_another_interviewer_after_the_address_is_removed(
    study: Study, researcher: User, interviewer: User
) -> None:
    Study.objects.filter(pk=study.pk).update(video_call_base_url="https://meet.example.org/")
    slot = SlotFactory(study=study, details="", generate_link=True)
    booked(slot)
    Study.objects.filter(pk=study.pk).update(video_call_base_url="")
    url = reverse("studies:slot", args=[study.slug, slot.pk])
    assert signed_in(researcher).post(url, {"interviewer": str(interviewer.pk)}).status_code == 302
    slot.refresh_from_db()
    assert (slot.interviewer, slot.generate_link) == (interviewer, True)


def test_free_slots_are_deleted_in_bulk_and_a_booked_one_refuses_the_whole_deletion(
    study: Study, researcher: User
) -> None:
    free = [SlotFactory(study=study) for _ in range(3)]
    taken = SlotFactory(study=study)
    booked(taken)
    client = signed_in(researcher)
    refused = client.post(slots_url(study, "slots_delete"), {"slots": [free[0].pk, taken.pk]})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Someone has booked a chosen slot, so nothing was deleted." in page
    assert f'value="{free[0].pk}" id="select-slot-{free[0].pk}" form="slot-selection" checked' in page
    assert Slot.objects.filter(study=study).count() == 4
    done = client.post(slots_url(study, "slots_delete"), {"slots": [free[0].pk, free[1].pk]})
    assert done.status_code == 302
    assert set(Slot.objects.filter(study=study)) == {free[2], taken}
    assert AuditEntry.objects.get(action="slot.deleted").detail == {
        "count": 2,
        "slot_ids": sorted([free[0].pk, free[1].pk]),
    }


def test_a_slot_whose_booking_was_cancelled_can_be_deleted_and_the_interview_stays(
    study: Study, researcher: User
) -> None:
    slot = SlotFactory(study=study)
    interview = booked(slot)
    Interview.objects.filter(pk=interview.pk).update(status=Interview.Status.CANCELLED)
    response = signed_in(researcher).post(slots_url(study, "slots_delete"), {"slots": [slot.pk]})
    assert response.status_code == 302
    interview.refresh_from_db()
    assert (interview.slot, interview.scheduled_start) == (None, slot.start)


def test_another_studys_slot_cannot_be_deleted_from_this_one(study: Study, researcher: User) -> None:
    elsewhere = SlotFactory()
    response = signed_in(researcher).post(slots_url(study, "slots_delete"), {"slots": [elsewhere.pk]})
    assert response.status_code == 400
    assert Slot.objects.filter(pk=elsewhere.pk).exists()


# --- Meeting links --------------------------------------------------------------------------------------------------


def test_generating_links_without_a_video_call_address_is_refused_with_a_link_to_the_settings(
    study: Study, researcher: User
) -> None:
    response = signed_in(researcher).post(slots_url(study), one_slot("2031-01-15T09:00", generate_link="on"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "This study has no video-call address yet" in page
    assert f'<a href="{reverse("studies:settings", args=[study.slug])}">' in page
    assert not Slot.objects.exists()


def test_a_generated_link_is_unique_per_booking_and_reaches_the_portal_the_email_and_the_calendar(
    study: Study, researcher: User
) -> None:
    Study.objects.filter(pk=study.pk).update(video_call_base_url="https://meet.example.org/")
    client = signed_in(researcher)
    assert client.post(slots_url(study), one_slot("2031-01-15T09:00", generate_link="on")).status_code == 302
    assert client.post(slots_url(study), one_slot("2031-01-16T09:00", generate_link="on")).status_code == 302
    first, second = (booked(slot) for slot in Slot.objects.order_by("start"))
    links = [first.meeting_link, second.meeting_link]
    assert links[0] != links[1]
    for interview, link in zip((first, second), links, strict=True):
        room = link.removeprefix("https://meet.example.org/")
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", room), link  # URL-safe, 128 bits or more
        assert interview.participant.code not in link
    portal = portal_client(first.participant).get(reverse("participate:portal")).content.decode()
    assert links[0] in portal
    assert links[1] not in portal
    send_queued(OutboxMessage.Kind.BOOKING_CONFIRMATION)
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert links[0] in bodies[f"{first.participant.code}@example.org"]
    assert links[1] in bodies[f"{second.participant.code}@example.org"]
    assert links[0].encode() in interview_ics(first)


def test_a_fixed_link_is_copied_into_the_booking_and_rebooking_makes_a_new_room(study: Study) -> None:
    Study.objects.filter(pk=study.pk).update(video_call_base_url="https://meet.example.org/room?name=")
    fixed = SlotFactory(study=study, details="Room 3.12, Main Building")
    generated = SlotFactory(study=study, details="", generate_link=True)
    interview = booked(fixed)
    assert interview.meeting_link == "Room 3.12, Main Building"
    again = book_slot(participant=interview.participant, slot=generated)
    assert again.meeting_link.startswith("https://meet.example.org/room?name=")
    assert book_slot(participant=interview.participant, slot=generated).meeting_link != again.meeting_link


def test_bookings_made_before_links_were_stored_show_the_slots_details(study: Study) -> None:
    slot = SlotFactory(study=study, details="https://video.example.org/old-room")
    interview = booked(slot)
    Interview.objects.filter(pk=interview.pk).update(meeting_link="")
    portal = portal_client(interview.participant).get(reverse("participate:portal")).content.decode()
    assert 'href="https://video.example.org/old-room"' in portal


# --- What each role sees ------------------------------------------------------------------------------------------


def test_what_each_role_sees_on_the_slots_page(
    study: Study, owner: User, researcher: User, interviewer: User, coder: User, viewer: User
) -> None:
    mine = SlotFactory(study=study, interviewer=interviewer, details="https://video.example.org/mine")
    theirs = SlotFactory(study=study, interviewer=owner, details="https://video.example.org/theirs")
    my_booking, their_booking = booked(mine), booked(theirs)
    codes = (my_booking.participant.code, their_booking.participant.code)
    url = slots_url(study)
    for manager in (owner, researcher):
        page = signed_in(manager).get(url).content.decode()
        assert all(code in page for code in codes)
        assert "https://video.example.org/theirs" in page
        assert slots_url(study, "slots_recurring") in page
        assert slots_url(study, "slots_delete") in page
    page = signed_in(interviewer).get(url).content.decode()
    assert (codes[0] in page, codes[1] in page) == (True, False)
    assert ("https://video.example.org/mine" in page, "https://video.example.org/theirs" in page) == (True, False)
    assert "<form" not in page.split("</header>")[1]
    for reader in (coder, viewer):
        page = signed_in(reader).get(url).content.decode()
        assert not any(code in page for code in codes)
        assert "video.example.org" not in page
        assert "booked" in page
        assert "<form" not in page.split("</header>")[1]
    for reader in (interviewer, coder, viewer):
        client = signed_in(reader)
        assert client.post(url, one_slot("2031-01-15T09:00")).status_code == 403
        assert client.post(slots_url(study, "slots_recurring"), weekly()).status_code == 403
        assert client.post(slots_url(study, "slots_delete"), {"slots": [mine.pk]}).status_code == 403
        slot_page = reverse("studies:slot", args=[study.slug, mine.pk])
        assert client.get(slot_page).status_code == 200
        assert "<form" not in client.get(slot_page).content.decode().split("</header>")[1]
        assert client.post(slot_page, one_slot("2031-01-15T09:00")).status_code == 403
    assert Slot.objects.count() == 2


def test_the_interviewer_list_offers_only_people_who_may_lead_interviews(
    study: Study, researcher: User, interviewer: User, coder: User
) -> None:
    page = signed_in(researcher).get(slots_url(study)).content.decode()
    assert f'value="{interviewer.pk}"' in page
    assert f'value="{coder.pk}"' not in page
    response = signed_in(researcher).post(slots_url(study), one_slot("2031-01-15T09:00", interviewer=str(coder.pk)))
    assert response.status_code == 400


# --- On a phone, in real headless Chromium ------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_researcher_publishes_availability_on_a_phone(
    browser: Any, live_server: Any, study: Study, researcher: User
) -> None:
    researcher.time_zone = "America/New_York"
    researcher.save(update_fields=["time_zone"])
    page = signed_in_page(browser, live_server, researcher, **PHONE)
    page.goto(live_server.url + slots_url(study))
    assert fits_the_screen(page)
    form = page.locator("form.recurring")
    assert not form.is_visible()  # folded away above the list until asked for
    page.locator("summary", has_text="Recurring availability").focus()
    page.keyboard.press("Enter")
    for day in ("Monday", "Wednesday"):
        form.get_by_label(day).focus()
        page.keyboard.press("Space")  # a real checkbox: the keyboard ticks it
    form.get_by_label("From").fill("09:00")
    form.get_by_label("Until").fill("12:00")
    form.get_by_label("Length of each slot (minutes)").fill("45")
    form.get_by_label("Break between slots (minutes)").fill("15")
    form.get_by_label("First day").fill(MONDAY.isoformat())
    form.get_by_label("Last day").fill((MONDAY + timedelta(days=13)).isoformat())
    form.get_by_role("button", name="Count the slots first").click()
    assert page.locator("[data-preview]").text_content() == "This makes 12 slots."
    assert not Slot.objects.exists()
    page.locator("form.recurring").get_by_role("button", name="Publish the slots").click()
    assert page.get_by_role("status").first.text_content() == "12 slots were published."
    assert page.locator("table.slots tbody tr.free").count() == 12
    assert page.locator("table.slots tbody tr").first.locator("time").text_content() == "Mon 2 Jun 2031, 09:00"
    assert fits_the_screen(page)
    assert page.csp_errors == []
