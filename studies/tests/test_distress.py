"""The distress protocol's services: marking, assessing, the alert and follow-up the protocol asks for, a
participant's support request and stop, and the request that the part after a mark is not used."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEntry, User
from studies.models import DistressProtocol, GuideQuestion, Interview, OutboxMessage, Role, SafetyEvent, Study
from studies.services import distress
from studies.services.safety import SafetyFollowUpError, follow_up_safety_event
from studies.tests.factories import InterviewFactory, MembershipFactory

Outcome = SafetyEvent.Outcome
FollowUp = SafetyEvent.FollowUp
Kind = OutboxMessage.Kind


@pytest.fixture
def interview(study: Study) -> Interview:
    return InterviewFactory(
        participant__study=study, status=Interview.Status.SCHEDULED, scheduled_start=timezone.now() - timedelta(hours=1)
    )


def test_it_counts_the_mark_from_the_start_the_interviewer_pressed(interview: Interview, interviewer: User) -> None:
    distress.start_interview(interview=interview, user=interviewer)
    Interview.objects.filter(pk=interview.pk).update(started_at=timezone.now() - timedelta(minutes=12, seconds=30))

    event = distress.mark_distress(interview=interview, user=interviewer)

    assert event.kind == SafetyEvent.Kind.INTERVIEW_DISTRESS
    assert event.marked_by == interviewer
    assert event.recording_offset == pytest.approx(750, abs=5)
    assert AuditEntry.objects.filter(action="safety_event.distress_marked", target_id=str(event.pk)).exists()


def test_it_falls_back_to_the_scheduled_start_and_starts_only_once(interview: Interview, interviewer: User) -> None:
    event = distress.mark_distress(interview=interview, user=interviewer)
    assert event.recording_offset == pytest.approx(3600, abs=5)

    first = distress.start_interview(interview=interview, user=interviewer).started_at
    second = distress.start_interview(interview=interview, user=interviewer).started_at
    assert first == second
    assert AuditEntry.objects.filter(action="interview.started").count() == 1


def test_pressing_twice_before_the_assessment_is_one_moment(interview: Interview, interviewer: User) -> None:
    first = distress.mark_distress(interview=interview, user=interviewer)
    assert distress.mark_distress(interview=interview, user=interviewer) == first

    distress.record_assessment(event=first, outcome=Outcome.CONTINUE, note="", user=interviewer)
    assert distress.mark_distress(interview=interview, user=interviewer) != first


def test_coders_viewers_and_outsiders_cannot_mark(
    interview: Interview, coder: User, viewer: User, outsider: User
) -> None:
    for user in (coder, viewer):
        with pytest.raises(PermissionDenied):
            distress.mark_distress(interview=interview, user=user)
    with pytest.raises(Http404):
        distress.mark_distress(interview=interview, user=outsider)
    assert not SafetyEvent.objects.exists()


def test_an_urgent_outcome_alerts_at_once_and_schedules_the_follow_up(interview: Interview, interviewer: User) -> None:
    event = distress.mark_distress(interview=interview, user=interviewer)

    assessed = distress.record_assessment(
        event=event, outcome=Outcome.URGENT_HELP, note="Said she has a plan; called her sister.", user=interviewer
    )

    alert = OutboxMessage.objects.get(kind=Kind.SAFETY_ALERT)
    assert alert.urgent
    assert alert.safety_event_id == event.pk
    assert alert.next_attempt_at > timezone.now()
    reminder = OutboxMessage.objects.get(kind=Kind.FOLLOW_UP_DUE)
    assert reminder.next_attempt_at == assessed.follow_up_due_at
    assert assessed.follow_up_due_at == pytest.approx(timezone.now() + timedelta(hours=24), abs=timedelta(seconds=30))
    assert assessed.follow_up_assignee == interviewer  # the platform's protocol: whoever marked it
    assert assessed.follow_up_channel == SafetyEvent.Channel.PHONE
    stored = SafetyEvent.objects.filter(pk=event.pk).values_list("assessment_note", flat=True).get()
    assert "sister" in stored
    audit = AuditEntry.objects.get(action="safety_event.assessed")
    assert audit.detail == {"outcome": "urgent_help"}


def test_continuing_alerts_no_one_and_needs_no_follow_up(interview: Interview, interviewer: User) -> None:
    event = distress.mark_distress(interview=interview, user=interviewer)
    assessed = distress.record_assessment(event=event, outcome=Outcome.CONTINUE, note="", user=interviewer)
    assert assessed.follow_up_due_at is None
    assert not OutboxMessage.objects.exists()


def test_the_study_protocol_decides_who_is_alerted_and_who_follows_up(
    study: Study, interview: Interview, interviewer: User, researcher: User
) -> None:
    DistressProtocol.objects.create(
        study=study,
        notify_outcomes=[Outcome.PAUSE],
        follow_up_outcomes=[Outcome.PAUSE],
        follow_up_hours=2,
        follow_up_assignee=researcher,
        follow_up_channel=SafetyEvent.Channel.VIDEO,
    )
    event = distress.mark_distress(interview=interview, user=interviewer)
    assessed = distress.record_assessment(event=event, outcome=Outcome.PAUSE, note="", user=interviewer)
    assert OutboxMessage.objects.filter(kind=Kind.SAFETY_ALERT).count() == 1
    assert assessed.follow_up_assignee == researcher
    assert assessed.follow_up_channel == SafetyEvent.Channel.VIDEO
    assert assessed.follow_up_due_at == pytest.approx(timezone.now() + timedelta(hours=2), abs=timedelta(seconds=30))

    again = distress.mark_distress(interview=interview, user=interviewer)
    distress.record_assessment(event=again, outcome=Outcome.URGENT_HELP, note="", user=interviewer)
    assert OutboxMessage.objects.filter(kind=Kind.SAFETY_ALERT).count() == 1  # not in this study's list


@pytest.mark.parametrize(("outcome", "note"), [("", ""), ("leave", ""), (Outcome.STOP, "x" * 2001)])
def test_a_refused_assessment_changes_nothing(interview: Interview, interviewer: User, outcome: str, note: str) -> None:
    event = distress.mark_distress(interview=interview, user=interviewer)
    with pytest.raises(distress.DistressError):
        distress.record_assessment(event=event, outcome=outcome, note=note, user=interviewer)
    event.refresh_from_db()
    assert (event.outcome, event.assessment_note) == ("", "")
    assert not OutboxMessage.objects.exists()


def test_an_assessed_moment_is_not_assessed_twice(interview: Interview, interviewer: User) -> None:
    event = distress.mark_distress(interview=interview, user=interviewer)
    distress.record_assessment(event=event, outcome=Outcome.STOP, note="first", user=interviewer)
    with pytest.raises(distress.DistressError):
        distress.record_assessment(event=event, outcome=Outcome.CONTINUE, note="second", user=interviewer)
    event.refresh_from_db()
    assert (event.outcome, event.assessment_note) == (Outcome.STOP, "first")


def test_the_platform_questions_are_asked_in_the_participants_language(study: Study) -> None:
    protocol = distress.protocol_for(study)
    assert protocol.is_default
    assert len(protocol.questions_in("en")) == len(distress.DEFAULT_QUESTIONS)
    with translation.override("es"):
        spanish = [str(question) for question in distress.DEFAULT_QUESTIONS]
    assert protocol.questions_in("es") == spanish


def test_the_study_questions_fall_back_to_its_first_language(study: Study) -> None:
    study.languages = ["en", "es"]
    study.save()
    DistressProtocol.objects.create(
        study=study, questions=[{"en": "Are you safe?", "es": "¿Está a salvo?"}, {"en": "Tea?"}]
    )
    assert distress.protocol_for(study).questions_in("es-MX") == ["¿Está a salvo?", "Tea?"]


def test_a_participant_who_asks_for_support_and_stops_ends_the_voice_interview(study: Study) -> None:
    interview = InterviewFactory(participant__study=study, mode=Interview.Mode.ASYNC_VOICE, status="scheduled")
    question = GuideQuestion.objects.create(study=study, position=1, prompt={"en": "How did it start?"})

    event = distress.open_support(interview=interview, question=question)
    assert distress.open_support(interview=interview, question=None) == event
    assert not OutboxMessage.objects.exists()  # opening support alone alerts no one; the team sees it
    assert not distress.may_request_cut(event)

    stopped = distress.stop_voice_interview(event=event)
    assert stopped.outcome == Outcome.STOP
    assert stopped.follow_up_due_at is not None
    assert stopped.follow_up_assignee is None  # no interviewer: any owner or researcher
    interview.refresh_from_db()
    assert interview.status == Interview.Status.COMPLETED
    assert OutboxMessage.objects.filter(kind=Kind.SAFETY_ALERT, safety_event=event).count() == 1
    assert distress.stop_voice_interview(event=event).outcome == Outcome.STOP  # a second press changes nothing
    assert OutboxMessage.objects.filter(kind=Kind.SAFETY_ALERT).count() == 1
    entries = AuditEntry.objects.filter(action__startswith="safety_event.").values_list("actor_label", flat=True)
    assert set(entries) == {"participant"}


def test_a_cut_is_asked_for_only_after_a_stop(
    interview: Interview, interviewer: User, coder: User, owner: User
) -> None:
    event = distress.mark_distress(interview=interview, user=interviewer)
    with pytest.raises(distress.DistressError):
        distress.request_cut(event=event)
    distress.record_assessment(event=event, outcome=Outcome.STOP, note="", user=interviewer)
    event.refresh_from_db()
    with pytest.raises(PermissionDenied):
        distress.request_cut(event=event, user=coder)

    asked = distress.request_cut(event=event)
    assert asked.cut_requested_at is not None
    assert distress.request_cut(event=event, user=owner).cut_requested_at == asked.cut_requested_at


def test_the_time_in_the_recording_can_be_corrected_once_uploaded(interview: Interview, interviewer: User) -> None:
    event = distress.mark_distress(interview=interview, user=interviewer)
    assert distress.set_recording_offset(event=event, seconds=125.0, user=interviewer).recording_offset == 125.0
    with pytest.raises(distress.DistressError):
        distress.set_recording_offset(event=event, seconds=-1, user=interviewer)
    assert SafetyEvent.objects.get(pk=event.pk).recording_offset == 125.0


def test_the_interviewer_given_the_follow_up_records_it_and_no_other_interviewer_can(
    study: Study, interview: Interview, interviewer: User, owner: User
) -> None:
    event = distress.mark_distress(interview=interview, user=interviewer)
    distress.record_assessment(event=event, outcome=Outcome.STOP, note="", user=interviewer)
    event.refresh_from_db()
    colleague = MembershipFactory(study=study, role=Role.INTERVIEWER).user
    with pytest.raises(PermissionDenied):
        follow_up_safety_event(event=event, to=FollowUp.RESOLVED, note="Called her.", user=colleague)
    with pytest.raises(SafetyFollowUpError):
        follow_up_safety_event(event=event, to=FollowUp.RESOLVED, note="", user=interviewer)

    done = follow_up_safety_event(event=event, to=FollowUp.RESOLVED, note="Called her; she is fine.", user=interviewer)

    assert (done.follow_up, done.followed_up_by) == (FollowUp.RESOLVED, interviewer)
    client = Client()
    client.force_login(interviewer)
    page = client.get(reverse("transcription:interview", args=[study.slug, interview.pk])).content.decode()
    assert "she is fine" not in page  # the note is for owners and researchers
    client.force_login(owner)
    resolved = client.get(reverse("studies:safety", args=[study.slug]) + "?show=resolved").content.decode()
    assert "she is fine" in resolved


def test_the_follow_up_form_on_the_interview_page_records_it_done(
    study: Study, interview: Interview, interviewer: User
) -> None:
    event = distress.mark_distress(interview=interview, user=interviewer)
    distress.record_assessment(event=event, outcome=Outcome.PAUSE, note="", user=interviewer)
    client = Client()
    client.force_login(interviewer)
    page = reverse("transcription:interview", args=[study.slug, interview.pk])
    assert f'id="follow-up-done-{event.pk}"' in client.get(page).content.decode()

    refused = client.post(reverse("studies:follow_up_done", args=[study.slug, event.pk]), {"note": " "}, follow=True)
    assert "Write a short note" in refused.content.decode()
    assert SafetyEvent.objects.get(pk=event.pk).follow_up == FollowUp.OPEN

    client.post(reverse("studies:follow_up_done", args=[study.slug, event.pk]), {"note": "Called the next day."})
    assert SafetyEvent.objects.get(pk=event.pk).follow_up == FollowUp.RESOLVED
    assert f'id="follow-up-done-{event.pk}"' not in client.get(page).content.decode()
