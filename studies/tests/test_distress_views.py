"""The interviewer's side of the distress protocol in the browser's terms: starting a live interview, the distress
control, the assessment page and the time of a mark in the recording; who sees what on the interview page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, User
from studies.forms.distress import parse_clock
from studies.models import (
    CrisisResource,
    GuideQuestion,
    Interview,
    OutboxMessage,
    SafetyContact,
    SafetyEvent,
    Study,
)
from studies.services import distress
from studies.tests.factories import InterviewFactory, ParticipantFactory, screen
from transcription.tests.factories import RecordingFactory

Outcome = SafetyEvent.Outcome
NOTE = "Cried about her brother; agreed to call her sister tonight."


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def interview(study: Study) -> Interview:
    participant = ParticipantFactory(study=study, language="es")
    return InterviewFactory(
        participant=participant,
        status=Interview.Status.SCHEDULED,
        scheduled_start=timezone.now() - timedelta(minutes=5),
    )


@pytest.fixture
def marked(interview: Interview, interviewer: User) -> SafetyEvent:
    distress.start_interview(interview=interview, user=interviewer)
    return distress.mark_distress(interview=interview, user=interviewer)


def page_of(interview: Interview) -> str:
    return reverse("transcription:interview", args=[interview.study.slug, interview.id])


def assess_url(event: SafetyEvent) -> str:
    return reverse("studies:distress_assess", args=[event.study.slug, event.id])


def test_the_interviewer_starts_the_interview_once_and_the_page_says_when(
    interview: Interview, interviewer: User
) -> None:
    client = client_for(interviewer)
    assert 'id="start-interview"' in client.get(page_of(interview)).content.decode()

    url = reverse("studies:interview_start", args=[interview.study.slug, interview.id])
    response = client.post(url, follow=True)
    interview.refresh_from_db()
    started = interview.started_at
    assert started is not None
    assert response.redirect_chain[-1][0].endswith("#live")
    page = response.content.decode()
    assert 'id="started"' in page
    assert 'id="start-interview"' not in page

    client.post(url)
    interview.refresh_from_db()
    assert interview.started_at == started
    assert AuditEntry.objects.filter(action="interview.started", target_id=str(interview.pk)).count() == 1


def test_the_distress_control_marks_the_moment_and_opens_its_assessment(
    interview: Interview, interviewer: User
) -> None:
    screen(interview.participant, {"country": "MX"}, language="es")
    CrisisResource.objects.create(study=interview.study, country="MX", language="es", name="Línea de la Vida")
    CrisisResource.objects.create(study=interview.study, country="IN", name="Tele-MANAS")
    client = client_for(interviewer)
    page = client.get(page_of(interview)).content.decode()
    assert 'aria-keyshortcuts="Alt+Shift+D"' in page
    assert "Alt+Shift+D" in page.split('id="distress-hint"')[1]

    response = client.post(reverse("studies:distress_mark", args=[interview.study.slug, interview.id]))
    event = SafetyEvent.objects.get(interview=interview)
    assert response["Location"] == assess_url(event)
    assert (event.kind, event.marked_by, event.outcome) == (SafetyEvent.Kind.INTERVIEW_DISTRESS, interviewer, "")

    assessment = client.get(assess_url(event)).content.decode()
    assert "The interview guide is paused." in assessment
    assert "¿Cómo se siente en este momento?" in assessment or 'lang="es"' in assessment
    assert "How are you feeling right now?" in assessment  # the interviewer's own language beside it
    assert "Línea de la Vida" in assessment
    assert "Tele-MANAS" not in assessment
    assert "Alerts the safety contacts at once" in assessment  # what "urgent help" sets off
    assert 'type="radio" name="outcome" value="urgent_help"' in assessment


def test_an_urgent_assessment_alerts_schedules_and_says_what_happened(marked: SafetyEvent, interviewer: User) -> None:
    SafetyContact.objects.create(study=marked.study, name="Safety lead", email="lead@example.org")

    response = client_for(interviewer).post(
        assess_url(marked), {"outcome": Outcome.URGENT_HELP, "note": NOTE}, follow=True
    )

    marked.refresh_from_db()
    assert (marked.outcome, marked.assessment_note) == (Outcome.URGENT_HELP, NOTE)
    assert marked.follow_up_due_at is not None
    assert marked.follow_up_assignee == interviewer
    assert response.redirect_chain[-1][0].endswith(f"#event-{marked.id}")
    message = response.content.decode()
    assert "Assessment recorded: Get urgent help." in message
    assert "The safety contacts are being alerted now." in message
    assert "Follow-up due" in message
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SAFETY_ALERT, safety_event=marked).exists()
    entry = AuditEntry.objects.get(action="safety_event.assessed")
    assert entry.detail == {"outcome": "urgent_help"}
    assert not [row for row in AuditEntry.objects.values_list("detail", flat=True) if "sister" in str(row)]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"note": "A note without an outcome."}, "Choose what you decided together."),
        ({"outcome": "dance", "note": ""}, "Select a valid choice."),
        ({"outcome": Outcome.CONTINUE, "note": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_a_refused_assessment_shows_the_error_summary_and_changes_nothing(
    marked: SafetyEvent, interviewer: User, data: dict[str, str], error: str
) -> None:
    response = client_for(interviewer).post(assess_url(marked), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "data-error-summary" in page
    assert error in page
    marked.refresh_from_db()
    assert (marked.outcome, marked.assessment_note, marked.follow_up_due_at) == ("", "", None)
    assert not OutboxMessage.objects.exists()
    assert not AuditEntry.objects.filter(action="safety_event.assessed").exists()


def test_a_moment_already_assessed_is_shown_read_only_and_not_assessed_again(
    marked: SafetyEvent, interviewer: User, researcher: User
) -> None:
    distress.record_assessment(event=marked, outcome=Outcome.PAUSE, note=NOTE, user=interviewer)
    client = client_for(interviewer)

    refused = client.post(assess_url(marked), {"outcome": Outcome.STOP, "note": "again"})
    assert refused.status_code == 400
    assert "This moment was already assessed." in refused.content.decode()
    marked.refresh_from_db()
    assert (marked.outcome, marked.assessment_note) == (Outcome.PAUSE, NOTE)

    as_interviewer = client.get(assess_url(marked)).content.decode()
    assert 'id="outcome">Pause, then resume<' in as_interviewer
    assert NOTE not in as_interviewer
    assert 'name="outcome"' not in as_interviewer
    assert NOTE in client_for(researcher).get(assess_url(marked)).content.decode()
    assert AuditEntry.objects.filter(action="safety_event.note_viewed", actor=researcher).count() == 1
    assert not AuditEntry.objects.filter(action="safety_event.note_viewed", actor=interviewer).exists()


def test_the_interview_page_lists_its_events_with_the_note_for_managers_only(
    marked: SafetyEvent, interviewer: User, owner: User, coder: User, viewer: User
) -> None:
    distress.record_assessment(event=marked, outcome=Outcome.STOP, note=NOTE, user=interviewer)
    SafetyEvent.objects.filter(pk=marked.pk).update(recording_offset=754.6)
    url = page_of(marked.interview)  # type: ignore[arg-type]

    seen = client_for(interviewer).get(url).content.decode()
    assert f'id="event-{marked.id}"' in seen
    assert "Stop the interview" in seen
    assert "12:34" in seen
    assert NOTE not in seen
    owners = client_for(owner).get(url).content.decode()
    assert NOTE in owners
    assert AuditEntry.objects.filter(action="interview.safety_notes_viewed", actor=owner).count() == 1
    for user in (coder, viewer):
        page = client_for(user).get(url).content.decode()
        assert "safety-events" not in page
        assert "distress-form" not in page
        assert NOTE not in page


def test_a_support_request_in_a_voice_interview_is_listed_without_content(study: Study, researcher: User) -> None:
    voice = InterviewFactory(participant__study=study, mode=Interview.Mode.ASYNC_VOICE, status="scheduled")
    GuideQuestion.objects.create(study=study, position=1, prompt={"en": "How did it start?"})
    second = GuideQuestion.objects.create(study=study, position=2, prompt={"en": "What helped?"})
    event = distress.open_support(interview=voice, question=second)
    distress.stop_voice_interview(event=event)

    page = client_for(researcher).get(page_of(voice)).content.decode()

    assert "The participant asked for support at question 2." in page
    assert "They stopped the interview." in page
    assert "distress-form" not in page  # the participant asks for support themselves


def test_the_time_in_the_recording_takes_minutes_and_seconds(marked: SafetyEvent, interviewer: User) -> None:
    RecordingFactory(interview=marked.interview)
    client = client_for(interviewer)
    assert f'id="offset-{marked.id}"' in client.get(page_of(marked.interview)).content.decode()  # type: ignore[arg-type]
    url = reverse("studies:distress_offset", args=[marked.study.slug, marked.id])

    response = client.post(url, {"offset": "1:05"})
    assert response["Location"].endswith(f"#event-{marked.id}")
    marked.refresh_from_db()
    assert marked.recording_offset == 65

    refused = client.post(url, {"offset": "1:75"})
    assert refused.status_code == 400
    assert "data-error-summary" in refused.content.decode()
    marked.refresh_from_db()
    assert marked.recording_offset == 65
    assert AuditEntry.objects.filter(action="safety_event.offset_set").count() == 1


def test_a_voice_or_finished_interview_has_no_distress_control(study: Study, interviewer: User) -> None:
    client = client_for(interviewer)
    voice = InterviewFactory(participant__study=study, mode=Interview.Mode.ASYNC_VOICE, status="scheduled")
    assert client.post(reverse("studies:distress_mark", args=[study.slug, voice.id])).status_code == 404

    finished = InterviewFactory(participant__study=study, status=Interview.Status.COMPLETED)
    response = client.post(reverse("studies:distress_mark", args=[study.slug, finished.id]), follow=True)
    assert "distress is marked while it runs" in response.content.decode()
    assert client.post(reverse("studies:interview_start", args=[study.slug, finished.id])).status_code == 302
    finished.refresh_from_db()
    assert finished.started_at is None
    assert not SafetyEvent.objects.exists()


def test_coders_and_viewers_are_refused_and_outsiders_find_nothing(
    marked: SafetyEvent, coder: User, viewer: User, outsider: User
) -> None:
    slug, interview_id = marked.study.slug, marked.interview_id
    posts = [
        reverse("studies:interview_start", args=[slug, interview_id]),
        reverse("studies:distress_mark", args=[slug, interview_id]),
        reverse("studies:distress_offset", args=[slug, marked.id]),
        assess_url(marked),
    ]
    for user, status in ((coder, 403), (viewer, 403), (outsider, 404)):
        client = client_for(user)
        assert client.get(assess_url(marked)).status_code == status
        assert [client.post(url, {"outcome": "stop", "offset": "0:10"}).status_code for url in posts] == [status] * 4
    marked.refresh_from_db()
    assert (marked.outcome, SafetyEvent.objects.count()) == ("", 1)


def test_the_guide_is_shown_in_the_participants_language_and_the_interviewers(
    interview: Interview, interviewer: User
) -> None:
    GuideQuestion.objects.create(
        study=interview.study, position=1, prompt={"en": "What did you do today?", "es": "¿Qué hizo hoy?"}
    )

    page = client_for(interviewer).get(page_of(interview)).content.decode()

    guide = page.split('id="guide"')[1].split("</ol>")[0]
    assert '<span lang="es" dir="ltr">¿Qué hizo hoy?</span>' in guide
    assert "What did you do today?" in guide


@pytest.mark.parametrize(
    ("text", "seconds"), [("0:07", 7), ("12:30", 750), ("75:00", 4500), ("1:02:05", 3725), ("95", 95)]
)
def test_it_reads_times_as_a_player_shows_them(text: str, seconds: float) -> None:
    assert parse_clock(text) == seconds


@pytest.mark.parametrize("text", ["", "1:5", "1:60", "1:60:00", "a:bc", "-3", "1.5"])
def test_it_refuses_what_is_not_a_time(text: str) -> None:
    with pytest.raises(ValueError, match=r".*"):
        parse_clock(text)
