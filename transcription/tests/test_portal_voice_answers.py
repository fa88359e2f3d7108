"""The portal's voice-answer pages over HTTP: who may see and send what, and what the participant reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse

from studies.models import Interview, Participant, SafetyEvent
from studies.services.portal import make_link_token, revoke_links
from studies.services.withdrawal import withdraw_participant
from studies.tests.factories import InterviewFactory, ParticipantFactory
from transcription.models import Recording, VoiceAnswer
from transcription.services import voice_answers
from transcription.tests.jobkit import private_media, stored_files, temp_files
from transcription.tests.voicekit import spoken_webm, voice_interview

__all__ = ["private_media"]
pytestmark = pytest.mark.django_db


def portal_client(participant: Participant, **options: Any) -> Client:
    client = Client(**options)
    token = make_link_token(participant=participant)
    client.get(reverse("participate:portal_enter"), {"t": token})  # the page with the button sets the CSRF cookie
    form = {"t": token, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    response = client.post(reverse("participate:portal_enter"), form)
    assert response.status_code == 302
    return client


def urls(interview: Interview, question_id: int) -> dict[str, str]:
    return {
        "page": reverse("voice:answers", args=[interview.pk]),
        "upload": reverse("voice:answer_upload", args=[interview.pk, question_id]),
        "skip": reverse("voice:answer_skip", args=[interview.pk, question_id]),
        "done": reverse("voice:answers_done", args=[interview.pk]),
    }


def send(client: Client, url: str, data: bytes, headers: dict[str, str] | None = None) -> Any:
    return client.generic("POST", url, data, content_type="audio/webm;codecs=opus", headers=headers)


@pytest.fixture(autouse=True)
def forget_answer_counts(redis_client: redis.Redis) -> None:
    for key in redis_client.scan_iter("*voice-answers:*"):
        redis_client.delete(key)


def test_without_a_portal_session_every_voice_route_answers_with_the_portal_403_page() -> None:
    interview, (question, _) = voice_interview()
    client = Client()
    route = urls(interview, question.pk)
    assert client.get(route["page"]).status_code == 403
    for name in ("upload", "skip", "done"):
        response = client.post(route[name])
        assert response.status_code == 403
        assert b"link" in response.content.lower()


def test_a_revoked_link_or_a_withdrawn_participant_gets_the_403_page(private_media: Path) -> None:
    interview, (question, _) = voice_interview()
    client = portal_client(interview.participant)
    route = urls(interview, question.pk)
    assert client.get(route["page"]).status_code == 200
    revoke_links(participant=interview.participant)
    assert client.get(route["page"]).status_code == 403
    interview.participant.refresh_from_db()
    client = portal_client(interview.participant)
    withdraw_participant(participant=interview.participant, scope=Participant.WithdrawalScope.KEEP_DATA)
    assert send(client, route["upload"], spoken_webm()).status_code == 403
    assert not Recording.objects.exists()


def test_another_participants_interview_another_studys_question_and_a_live_interview_are_not_found() -> None:
    interview, (question, _) = voice_interview()
    other, (foreign_question, _) = voice_interview()
    client = portal_client(interview.participant)
    assert client.get(urls(other, question.pk)["page"]).status_code == 404
    assert send(client, urls(other, foreign_question.pk)["upload"], b"x").status_code == 404
    assert send(client, urls(interview, foreign_question.pk)["upload"], b"x").status_code == 404
    assert client.post(urls(interview, foreign_question.pk)["skip"]).status_code == 404
    live = InterviewFactory(participant=interview.participant, status=Interview.Status.SCHEDULED)
    assert client.get(urls(live, question.pk)["page"]).status_code == 404
    assert send(client, urls(live, question.pk)["upload"], b"x").status_code == 404
    assert client.post(urls(live, question.pk)["done"]).status_code == 404
    assert not VoiceAnswer.objects.exists()


def test_the_portal_home_offers_recording_only_for_an_open_voice_interview() -> None:
    interview, _ = voice_interview()
    client = portal_client(interview.participant)
    link = urls(interview, 0)["page"]
    assert link in client.get(reverse("participate:portal")).content.decode()
    Interview.objects.filter(pk=interview.pk).update(status=Interview.Status.COMPLETED)
    assert link not in client.get(reverse("participate:portal")).content.decode()
    video = ParticipantFactory(study=interview.study)
    InterviewFactory(participant=video, status=Interview.Status.SCHEDULED)
    assert "Record your answers" not in portal_client(video).get(reverse("participate:portal")).content.decode()


def test_questions_come_in_the_participants_language_or_the_studys_first_one() -> None:
    spanish, _ = voice_interview(language="es")
    page = portal_client(spanish.participant).get(urls(spanish, 0)["page"]).content.decode()
    assert "¿Pregunta 1 en español?" in page
    assert "Grabe sus respuestas" in page
    hindi, _ = voice_interview(language="hi")
    page = portal_client(hindi.participant).get(urls(hindi, 0)["page"]).content.decode()
    assert "Question 1 in English?" in page
    assert 'lang="hi"' in page


def test_an_answer_sent_as_the_request_body_with_the_csrf_header_is_saved(
    private_media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    interview, (question, _) = voice_interview()
    client = portal_client(interview.participant, enforce_csrf_checks=True)
    route = urls(interview, question.pk)
    page = client.get(route["page"])
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    data = spoken_webm()
    assert send(client, route["upload"], data).status_code == 403  # no CSRF token: refused
    with django_capture_on_commit_callbacks() as callbacks:
        response = send(client, route["upload"], data, {"X-CSRFToken": token})
    assert response.status_code == 201, response.content
    assert response.json()["duration"].startswith("0:0")
    assert len(callbacks) == 1
    saved = VoiceAnswer.objects.get(interview=interview, question=question)
    assert saved.recording is not None
    assert "Your answer is saved" in client.get(route["page"]).content.decode()


def test_refused_answers_get_a_readable_message_and_the_right_status(private_media: Path) -> None:
    interview, (question, _) = voice_interview(max_seconds=10)
    client = portal_client(interview.participant)
    route = urls(interview, question.pk)
    not_audio = send(client, route["upload"], b"%PDF-1.7 not audio" * 300)
    assert (not_audio.status_code, "could not be decoded" in not_audio.json()["error"]) == (400, True)
    too_long = send(client, route["upload"], spoken_webm(pad_seconds=12))
    assert too_long.status_code == 413
    assert "up to 0:10" in too_long.json()["error"]
    form = client.post(route["upload"], {"audio": "x"})
    assert form.status_code == 415
    assert stored_files(private_media) == []
    assert temp_files() == []
    assert not Recording.objects.exists()


def test_the_answer_page_speaks_spanish_to_a_spanish_participant_whose_answer_is_refused(private_media: Path) -> None:
    interview, (question, _) = voice_interview(language="es")
    client = portal_client(interview.participant)
    refused = send(client, urls(interview, question.pk)["upload"], b"")
    assert refused.status_code == 400
    assert refused.json()["error"] == "La grabación está vacía. Inténtelo de nuevo."


def test_without_audio_consent_the_page_says_so_and_an_upload_is_refused(private_media: Path) -> None:
    interview, (question, _) = voice_interview(audio=False)
    client = portal_client(interview.participant)
    route = urls(interview, question.pk)
    page = client.get(route["page"]).content.decode()
    assert "does not include audio recording" in page
    assert 'data-action="record"' not in page
    refused = send(client, route["upload"], spoken_webm())
    assert refused.status_code == 403
    assert "consent" in refused.json()["error"]


def test_answer_uploads_are_rate_limited_per_participant(private_media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(voice_answers, "ANSWER_UPLOADS_PER_HOUR", 1)
    interview, (question, _) = voice_interview()
    client = portal_client(interview.participant)
    route = urls(interview, question.pk)
    assert send(client, route["upload"], b"not audio").status_code == 400
    limited = send(client, route["upload"], spoken_webm())
    assert limited.status_code == 429
    assert "wait" in limited.json()["error"]


def test_skipping_every_question_then_finishing_completes_the_interview_and_thanks_the_person(
    private_media: Path,
) -> None:
    interview, questions = voice_interview()
    client = portal_client(interview.participant)
    page_url = urls(interview, 0)["page"]
    early = client.post(urls(interview, 0)["done"], follow=True)
    assert "answer or skip every question" in early.content.decode()
    for question in questions:
        skipped = client.post(urls(interview, question.pk)["skip"])
        assert skipped.status_code == 302
    page = client.get(page_url).content.decode()
    assert page.count("You skipped this question.") == len(questions)
    assert client.post(urls(interview, 0)["done"]).status_code == 302
    interview.refresh_from_db()
    assert interview.status == Interview.Status.COMPLETED
    finished = client.get(page_url).content.decode()
    assert "Thank you. Your answers have been sent" in finished
    assert 'data-action="record"' not in finished


def test_the_page_offers_crisis_resources_opened_for_someone_with_a_safety_event() -> None:
    interview, _ = voice_interview()
    client = portal_client(interview.participant)
    page = client.get(urls(interview, 0)["page"]).content.decode()
    assert "Help is available right now" in page
    assert '<details class="voice-support" id="support">' in page
    SafetyEvent.objects.create(study=interview.study, participant=interview.participant, question_key="risk")
    assert (
        '<details class="voice-support" id="support" open>' in client.get(urls(interview, 0)["page"]).content.decode()
    )
