"""The safety page for every kind of event: what happened and when, the assessment note for owners and
researchers, the follow-up (due time in the viewer's zone, overdue, who, how), open follow-ups first by due time,
and the partial withdrawal a participant asked for. The risk-item follow-up moves: test_safety_follow_up.py."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from studies.models import Interview, SafetyEvent, Study
from studies.services import distress
from studies.services.safety import follow_up_safety_event
from studies.tests.factories import InterviewFactory, ParticipantFactory

pytestmark = pytest.mark.django_db
Outcome = SafetyEvent.Outcome
NOTE = "Tearful about her brother; we stopped, she has her partner at home & the helpline number."
DUE = datetime(2031, 1, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def interview(study: Study) -> Interview:
    return InterviewFactory(
        participant__study=study, status=Interview.Status.SCHEDULED, scheduled_start=timezone.now() - timedelta(hours=1)
    )


def assessed(interview: Interview, user: User, outcome: str = Outcome.URGENT_HELP, **fields: object) -> SafetyEvent:
    event = distress.mark_distress(interview=interview, user=user)
    event = distress.record_assessment(event=event, outcome=outcome, note=NOTE, user=user)
    if fields:
        SafetyEvent.objects.filter(id=event.id).update(**fields)
        event.refresh_from_db()
    return event


def another_interview(study: Study) -> Interview:
    return InterviewFactory(participant__study=study, status=Interview.Status.SCHEDULED)


def page_for(user: User, study: Study, **query: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("studies:safety", args=[study.slug]), query)
    assert response.status_code == 200
    return response.content.decode()


def card(page: str, event: SafetyEvent) -> str:
    """The text of one event's element, tags stripped and entities decoded."""
    found = re.search(rf'<li [^>]*id="event-{event.id}".*?</li>', page, flags=re.S)
    assert found is not None, f"event {event.id} is not on the page"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))))


def test_an_owner_reads_the_moment_the_outcome_the_note_and_the_follow_up_in_her_own_time_zone(
    study: Study, interview: Interview, owner: User, interviewer: User
) -> None:
    User.objects.filter(pk=interviewer.pk).update(display_name="Ines Marquez")
    User.objects.filter(pk=owner.pk).update(time_zone="Asia/Kolkata")
    event = assessed(interview, interviewer, recording_offset=754.6, follow_up_due_at=DUE)

    page = page_for(owner, study)

    text = card(page, event)
    assert "Distress during an interview" in text
    assert f'href="{reverse("studies:participant", args=[study.slug, interview.participant.code])}"' in page
    assert f'href="{reverse("transcription:interview", args=[study.slug, interview.id])}"' in page
    assert "Time in the recording 12:34" in text
    assert "Outcome Get urgent help" in text
    assert "Marked by Ines Marquez" in text
    assert f"Assessment note {NOTE}" in text
    assert "Follow-up due 1 Jan 2031 05:30" in text  # midnight UTC, read in Kolkata
    assert "overdue" not in text
    assert "Assigned to Ines Marquez" in text
    assert "Follow-up by Phone call" in text
    assert "State awaiting follow-up" in text
    assert "Mark as resolved" in text
    assert "Times are shown in your time zone (Asia/Kolkata)." in page


def test_open_follow_ups_come_first_by_due_time_and_a_late_one_says_overdue(
    study: Study, researcher: User, interviewer: User
) -> None:
    now = timezone.now()
    later = assessed(another_interview(study), interviewer, follow_up_due_at=now + timedelta(hours=5))
    late = assessed(another_interview(study), interviewer, follow_up_due_at=now - timedelta(hours=1))
    risk = SafetyEvent.objects.create(study=study, participant=ParticipantFactory(study=study), question_key="crisis")
    contacted = assessed(another_interview(study), interviewer, follow_up_due_at=now - timedelta(days=1))
    follow_up_safety_event(event=contacted, to="contacted", note="Left a message.", user=researcher)

    page = page_for(researcher, study)

    order = [page.index(f'id="event-{event.id}"') for event in (late, later, risk, contacted)]
    assert order == sorted(order)
    assert "overdue" in card(page, late)
    assert "overdue" not in card(page, later)
    assert "Risk item crisis" in card(page, risk)


def test_a_participant_who_asked_for_support_shows_as_marked_by_them_and_followed_up_by_the_leads(
    study: Study, interview: Interview, owner: User
) -> None:
    event = distress.stop_voice_interview(event=distress.open_support(interview=interview, question=None))

    text = card(page_for(owner, study), event)

    assert "Participant asked for support" in text
    assert "Marked by the participant" in text
    assert "Outcome Stop the interview" in text
    assert "Assigned to the study's owners and researchers" in text
    assert "Assessment note" not in text


def test_a_request_to_withdraw_the_part_after_the_mark_stands_out_with_the_form_that_applies_it(
    study: Study, interview: Interview, owner: User, interviewer: User
) -> None:
    requested = distress.request_cut(event=assessed(interview, interviewer, Outcome.STOP, recording_offset=90))
    not_asked = assessed(another_interview(study), interviewer, Outcome.STOP)
    carries_on = assessed(another_interview(study), interviewer, Outcome.CONTINUE)

    page = page_for(owner, study)

    action = f'action="{reverse("studies:apply_cut", args=[study.slug, requested.id])}"'
    assert "The participant asked that what they said after the mark is not used" in card(page, requested)
    assert action in page
    assert f'id="confirm-{requested.id}" name="confirm" value="yes"' in page
    assert f'id="asked-{requested.id}"' not in page  # the participant's own request is on record
    assert "Withdraw the part after the mark (1:30)" in card(page, requested)
    assert f'id="asked-{not_asked.id}" name="asked" value="yes"' in page
    assert "The participant asked that" not in card(page, not_asked)
    assert "Withdraw the part after the mark" not in card(page, carries_on)


def test_an_applied_partial_withdrawal_says_when_and_by_whom_and_offers_no_form(
    study: Study, interview: Interview, owner: User, interviewer: User
) -> None:
    User.objects.filter(pk=owner.pk).update(display_name="Olga Owner")
    applied = datetime(2030, 3, 4, 10, 15, tzinfo=UTC)
    event = assessed(
        interview, interviewer, Outcome.STOP, cut_requested_at=applied, cut_applied_at=applied, cut_applied_by=owner
    )

    text = card(page_for(owner, study), event)

    assert "Partial withdrawal Removed on 4 Mar 2030 10:15 by Olga Owner" in text
    assert "The participant asked that" not in text
    assert "Withdraw the part after the mark" not in text


def test_recording_the_follow_up_as_done_needs_a_note_and_takes_the_event_off_the_list(
    study: Study, interview: Interview, researcher: User, interviewer: User
) -> None:
    event = assessed(interview, interviewer, Outcome.STOP)
    client = Client()
    client.force_login(researcher)
    url = reverse("studies:safety_follow_up", args=[study.slug, event.id])

    refused = client.post(url, {"follow_up": "resolved", "note": " "})
    assert refused.status_code == 400
    assert "Write a short note on how the event was resolved." in refused.content.decode()
    assert client.post(url, {"follow_up": "resolved", "note": "Called her; she is well."}).status_code == 302

    assert f'id="event-{event.id}"' not in page_for(researcher, study)
    resolved = card(page_for(researcher, study, show="resolved"), event)
    assert "State resolved" in resolved
    assert "Called her; she is well." in resolved


@pytest.mark.parametrize("persona", ["interviewer", "coder", "viewer"])
def test_only_owners_and_researchers_open_the_page_with_its_notes(
    study: Study, interview: Interview, persona: str, request: pytest.FixtureRequest, interviewer: User
) -> None:
    assessed(interview, interviewer)
    client = Client()
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("studies:safety", args=[study.slug]))

    assert response.status_code == 403
    assert "helpline" not in response.content.decode()
