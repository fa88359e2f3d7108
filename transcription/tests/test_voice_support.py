"""A participant's "I need support" in a voice interview over HTTP (issue #25): the support page, stopping, and
asking afterwards that the answers from the question they stopped at are not used; all for their own interview
only, and audited with ids and codes only."""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry
from studies.models import (
    ContactDetails,
    CrisisResource,
    GuideQuestion,
    Interview,
    OutboxMessage,
    Participant,
    SafetyEvent,
)
from studies.services import distress
from studies.tests.factories import InterviewFactory
from transcription.models import VoiceAnswer
from transcription.tests.test_portal_voice_answers import portal_client
from transcription.tests.voicekit import voice_interview

pytestmark = pytest.mark.django_db

Kind = SafetyEvent.Kind
Outcome = SafetyEvent.Outcome
LINE = "Línea de la Vida"


@pytest.fixture(autouse=True)
def forget_answer_counts(redis_client: redis.Redis) -> None:
    for key in redis_client.scan_iter("*voice-answers:*"):
        redis_client.delete(key)


@pytest.fixture
def world() -> tuple[Interview, list[GuideQuestion], Client]:
    interview, guide = voice_interview(questions=3)
    CrisisResource.objects.create(study=interview.study, name=LINE, phone="800 911 2000")
    return interview, guide, portal_client(interview.participant)


def support_urls(interview: Interview, event: SafetyEvent | None = None) -> dict[str, str]:
    urls = {"open": reverse("voice:support_open", args=[interview.pk])}
    if event is not None:
        for name in ("support", "support_stop", "support_cut"):
            urls[name] = reverse(f"voice:{name}", args=[interview.pk, event.pk])
    return urls


def open_support(client: Client, interview: Interview, **form: Any) -> SafetyEvent:
    response = client.post(support_urls(interview)["open"], form)
    event = SafetyEvent.objects.get(interview=interview, kind=Kind.PARTICIPANT_SUPPORT)
    assert response.status_code == 302
    assert response["Location"].startswith(support_urls(interview, event)["support"])
    return event


def test_support_opens_at_the_question_the_page_names_and_shows_the_study_resources(world: Any) -> None:
    interview, guide, client = world
    event = open_support(client, interview, question=str(guide[1].pk))
    assert event.guide_question == guide[1]
    assert event.outcome == ""
    page = client.get(support_urls(interview, event)["support"])
    body = page.content.decode()
    assert page.status_code == 200
    assert LINE in body
    assert 'id="support-stop"' in body
    assert f'href="{reverse("voice:answers", args=[interview.pk])}#question-{guide[1].pk}"' in body
    assert 'id="support-dropped"' not in body


def test_without_the_page_script_support_opens_at_the_first_question_not_yet_answered_or_skipped(world: Any) -> None:
    interview, guide, client = world
    client.post(reverse("voice:answer_skip", args=[interview.pk, guide[0].pk]))
    event = open_support(client, interview, question="")
    assert event.guide_question == guide[1]


def test_another_studys_question_is_not_taken_as_the_one_the_person_was_at(world: Any) -> None:
    interview, guide, client = world
    elsewhere, _ = voice_interview()
    event = open_support(client, interview, question=str(GuideQuestion.objects.filter(study=elsewhere.study)[0].pk))
    assert event.guide_question == guide[0]


def test_opening_support_twice_is_the_same_event_and_says_when_a_recording_was_dropped(world: Any) -> None:
    interview, _guide, client = world
    first = open_support(client, interview)
    response = client.post(support_urls(interview)["open"], {"recording": "dropped"})
    assert response["Location"].endswith("?recording=dropped")
    assert SafetyEvent.objects.filter(interview=interview).count() == 1
    assert 'id="support-dropped"' in client.get(response["Location"]).content.decode()
    assert AuditEntry.objects.filter(action="safety_event.support_opened", target_id=str(first.pk)).count() == 1


def test_another_participants_interview_and_event_are_not_found(world: Any) -> None:
    interview, _guide, client = world
    other, _ = voice_interview()
    assert client.post(support_urls(other)["open"]).status_code == 404
    assert not SafetyEvent.objects.exists()
    theirs = distress.open_support(interview=other, question=None)
    mine = open_support(client, interview)
    # Their event under my interview, and mine under theirs.
    for urls in (support_urls(interview, theirs), support_urls(other, mine)):
        assert client.get(urls["support"]).status_code == 404
        assert client.post(urls["support_stop"]).status_code == 404
        assert client.post(urls["support_cut"]).status_code == 404
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.outcome, mine.outcome) == ("", "")


def test_stopping_hands_in_the_answers_schedules_the_follow_up_and_twice_is_the_same(world: Any) -> None:
    interview, guide, client = world
    client.post(reverse("voice:answer_skip", args=[interview.pk, guide[0].pk]))
    event = open_support(client, interview)
    for _press in range(2):
        response = client.post(support_urls(interview, event)["support_stop"])
        assert response.status_code == 302
        assert response["Location"] == reverse("voice:answers", args=[interview.pk]) + "#stopped"
    event.refresh_from_db()
    interview.refresh_from_db()
    assert event.outcome == Outcome.STOP
    assert event.follow_up_due_at is not None
    assert interview.status == Interview.Status.COMPLETED
    assert Participant.objects.get(pk=interview.participant_id).status == Participant.Status.INTERVIEWED
    assert AuditEntry.objects.filter(action="safety_event.participant_stopped").count() == 1
    kinds = list(OutboxMessage.objects.filter(safety_event_id=event.pk).values_list("kind", flat=True))
    assert sorted(kinds) == sorted([OutboxMessage.Kind.SAFETY_ALERT, OutboxMessage.Kind.FOLLOW_UP_DUE])
    # The support page of a stopped interview goes to the page that says so.
    assert client.get(support_urls(interview, event)["support"])["Location"].endswith("#stopped")


def test_a_stopped_interview_refuses_new_answers_and_skips_and_opens_no_new_support(world: Any) -> None:
    interview, guide, client = world
    event = open_support(client, interview)
    client.post(support_urls(interview, event)["support_stop"])
    upload = reverse("voice:answer_upload", args=[interview.pk, guide[1].pk])
    refused = client.generic("POST", upload, b"\x1aE\xdf\xa3" + b"\0" * 64, content_type="audio/webm")
    assert refused.status_code == 409
    client.post(reverse("voice:answer_skip", args=[interview.pk, guide[1].pk]))
    assert not VoiceAnswer.objects.filter(interview=interview).exists()
    response = client.post(support_urls(interview)["open"])
    assert response["Location"].endswith("#support")
    assert SafetyEvent.objects.filter(interview=interview).count() == 1


def test_the_page_after_a_stop_says_so_and_offers_to_leave_out_the_answers_from_that_question_on(world: Any) -> None:
    interview, guide, client = world
    event = open_support(client, interview, question=str(guide[1].pk))
    client.post(support_urls(interview, event)["support_stop"])
    page = client.get(reverse("voice:answers", args=[interview.pk])).content.decode()
    assert 'id="stopped"' in page
    assert LINE in page
    assert "Please do not use my answer to question 2 and the ones after it" in page
    assert 'id="support-form"' not in page, "no support button on a closed interview"
    response = client.post(support_urls(interview, event)["support_cut"])
    assert response["Location"].endswith("#stopped")
    event.refresh_from_db()
    assert event.cut_requested_at is not None
    page = client.get(reverse("voice:answers", args=[interview.pk])).content.decode()
    assert 'id="cut-requested"' in page
    assert 'id="cut-form"' not in page


def test_asking_that_the_rest_is_not_used_needs_a_stop_and_asking_twice_is_recorded_once(world: Any) -> None:
    interview, _guide, client = world
    event = open_support(client, interview)
    client.post(support_urls(interview, event)["support_cut"])
    event.refresh_from_db()
    assert event.cut_requested_at is None, "not stopped: nothing to leave out"
    client.post(support_urls(interview, event)["support_stop"])
    for _press in range(2):
        client.post(support_urls(interview, event)["support_cut"])
    event.refresh_from_db()
    assert event.cut_requested_at is not None
    assert AuditEntry.objects.filter(action="safety_event.cut_requested", target_id=str(event.pk)).count() == 1


def test_the_portal_offers_and_records_the_request_for_the_persons_own_stopped_events_only(world: Any) -> None:
    interview, guide, client = world
    event = open_support(client, interview, question=str(guide[2].pk))
    client.post(support_urls(interview, event)["support_stop"])
    home = client.get(reverse("participate:portal")).content.decode()
    assert f'id="after-interview-{event.pk}"' in home
    assert "Please do not use my answer to question 3 and the ones after it" in home
    other, _ = voice_interview()
    theirs = distress.stop_voice_interview(event=distress.open_support(interview=other, question=None))
    risk = SafetyEvent.objects.create(study=interview.study, participant=interview.participant, question_key="crisis")
    for foreign in (theirs, risk):
        assert client.post(reverse("participate:portal_cut", args=[foreign.pk])).status_code == 404
    response = client.post(reverse("participate:portal_cut", args=[event.pk]))
    assert response["Location"] == reverse("participate:portal") + f"#after-interview-{event.pk}"
    event.refresh_from_db()
    theirs.refresh_from_db()
    assert event.cut_requested_at is not None
    assert theirs.cut_requested_at is None
    home = client.get(reverse("participate:portal")).content.decode()
    assert f'id="cut-requested-{event.pk}"' in home
    assert f'id="cut-form-{event.pk}"' not in home


def test_a_live_interview_stopped_at_a_mark_is_offered_after_the_pause(world: Any) -> None:
    _interview, _guide, client = world
    participant = _interview.participant
    live = InterviewFactory(participant=participant, mode=Interview.Mode.VIDEO, status=Interview.Status.COMPLETED)
    event = SafetyEvent.objects.create(
        study=participant.study,
        participant=participant,
        kind=Kind.INTERVIEW_DISTRESS,
        interview=live,
        marked_at=live.created_at,
        outcome=Outcome.RESCHEDULE,
    )
    home = client.get(reverse("participate:portal")).content.decode()
    assert f'id="cut-button-{event.pk}"' in home
    assert "Please do not use what I said after the pause" in home


def test_nothing_personal_is_audited_along_the_way(world: Any) -> None:
    interview, guide, client = world
    participant = interview.participant
    ContactDetails.objects.create(participant=participant, name="Ana Pérez", email="ana@example.org")
    event = open_support(client, interview, question=str(guide[0].pk))
    client.post(support_urls(interview, event)["support_stop"])
    client.post(support_urls(interview, event)["support_cut"])
    entries = AuditEntry.objects.filter(action__startswith="safety_event.")
    assert {entry.action for entry in entries} == {
        "safety_event.support_opened",
        "safety_event.participant_stopped",
        "safety_event.cut_requested",
    }
    written = json.dumps([[e.actor_label, e.target_type, e.target_id, e.detail] for e in entries], ensure_ascii=False)
    for personal in ("Ana", "Pérez", "ana@example.org", participant.code, "Pregunta", "Question 1", LINE):
        assert personal not in written
    assert all(entry.actor_id is None and entry.ip_address is None for entry in entries)


def test_the_answers_page_shows_skips_neutrally_and_offers_pause_and_support(world: Any) -> None:
    interview, guide, client = world
    client.post(reverse("voice:answer_skip", args=[interview.pk, guide[0].pk]))
    page = client.get(reverse("voice:answers", args=[interview.pk])).content.decode()
    assert "You skipped this question." in page
    assert 'data-action="pause"' in page
    assert 'id="support-button"' in page
    # Without the page script the form names the first question not yet answered or skipped.
    assert f'name="question" value="{guide[1].pk}"' in page
