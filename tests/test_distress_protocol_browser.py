"""The distress protocol of a live interview end to end, in real headless Chromium against PostgreSQL, Redis and
real Celery worker processes (one for mail on "default", one for Whisper on "transcription", as the embedded run
has them): an interviewer starts a video interview, presses Alt+Shift+D, walks through the assessment and asks for
urgent help; the safety contact's e-mail goes out within seconds without the note; the follow-up shows on the
dashboard until an owner records it as done on the safety page. Then the recording is uploaded, transcribed by the
worker, the mark is placed in it, and the owner's editor flags the segments around it.

Only the mail server is replaced: the workers send through Django's file-based backend (SMTP is outside the
platform)."""

from __future__ import annotations

import email
import time
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from studies.models import (
    CrisisResource,
    GuideQuestion,
    Interview,
    SafetyContact,
    SafetyEvent,
    Study,
)
from studies.tests.factories import ConsentFactory, InterviewFactory, ParticipantFactory, screen
from tests.test_dashboard_browser import signed_in_page
from transcription.models import Transcript, TranscriptionJob
from transcription.tests import speech
from transcription.tests.jobkit import private_media
from transcription.tests.workerkit import StartWorker, start_worker, wait_for

__all__ = ["private_media", "start_worker"]
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NOTE = "Tearful about her brother; says she has a plan; her sister is coming over."
SENTENCES = [
    "I started talking to the chatbot last winter.",
    "At night it was the only one who listened to me.",
    "Some evenings were really hard for me.",
]
MAIL_SEPARATOR = "-" * 79


@pytest.fixture
def interview(study: Study, interviewer: User) -> Interview:
    """A scheduled video interview with a consenting participant screened from the United Kingdom, in a study
    with a safety contact, a crisis resource for that country and a short guide."""
    SafetyContact.objects.create(study=study, name="Safety lead", email="safety-lead@example.org")
    CrisisResource.objects.create(study=study, country="GB", name="Samaritans", phone="116 123")
    CrisisResource.objects.create(study=study, country="IN", name="Tele-MANAS", phone="14416")
    for position, (english, spanish) in enumerate(
        [("How did you start using the chatbot?", "¿Cómo empezó a usar el chatbot?"), ("What helped?", "¿Qué ayudó?")],
        start=1,
    ):
        GuideQuestion.objects.create(study=study, position=position, prompt={"en": english, "es": spanish})
    participant = ParticipantFactory(study=study, language="en")
    ConsentFactory(participant=participant)
    screen(participant, {"country": "GB"})
    return InterviewFactory(
        participant=participant,
        interviewer=interviewer,
        status=Interview.Status.SCHEDULED,
        scheduled_start=timezone.now(),
    )


def _mails(mailbox: Path) -> list[email.message.Message]:
    """Every message the file-based backend wrote (several to a file, each followed by a line of dashes)."""
    found = []
    for path in sorted(mailbox.glob("*")):
        for chunk in path.read_text().split(MAIL_SEPARATOR):
            if chunk.strip():
                found.append(email.message_from_string(chunk.lstrip("\n")))
    return found


def _text(message: email.message.Message) -> str:
    parts = [part.get_payload(decode=True) for part in message.walk() if not part.is_multipart()]
    headers = "\n".join(f"{key}: {value}" for key, value in message.items())
    return headers + "\n" + "\n".join(part.decode() for part in parts if isinstance(part, bytes))


def _worker_ready(tmp_path: Path, name: str) -> bool:
    log = tmp_path / f"{name}.log"
    return log.exists() and " ready." in log.read_text(errors="replace")


def test_distress_in_a_live_interview_from_the_mark_to_the_flagged_transcript(
    browser: Any,
    live_server: Any,
    start_worker: StartWorker,
    study: Study,
    interview: Interview,
    interviewer: User,
    owner: User,
    tmp_path: Path,
) -> None:
    mailbox = tmp_path / "mail"
    start_worker("mail", queue="default", EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                 EMAIL_FILE_PATH=str(mailbox))  # fmt: skip
    start_worker("whisper", queue="transcription")
    event = _assess_urgent_help(browser, live_server, interview, interviewer, tmp_path, mailbox)
    _follow_up_on_the_dashboard(browser, live_server, study, owner, event)
    _flagged_in_the_transcript(browser, live_server, interview, interviewer, owner, event, tmp_path)


def _assess_urgent_help(
    browser: Any, live_server: Any, interview: Interview, interviewer: User, tmp_path: Path, mailbox: Path
) -> SafetyEvent:
    page = signed_in_page(browser, live_server, interviewer, viewport={"width": 390, "height": 844})
    page.set_default_timeout(15_000)
    page.goto(live_server.url + reverse("transcription:interview", args=[interview.study.slug, interview.id]))
    page.get_by_role("button", name="Start the interview").click()
    page.locator("#started").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= 390")
    assert page.locator("#guide-position").text_content() == "Question 1 of 2"  # one question at a time
    page.get_by_role("button", name="Next").click()
    assert page.locator("#guide-2").is_visible()
    assert not page.locator("#guide-1").is_visible()
    assert page.locator("#distress-button").get_attribute("aria-keyshortcuts") == "Alt+Shift+D"

    page.keyboard.press("Alt+Shift+KeyD")
    page.wait_for_url("**/assess/")
    event = SafetyEvent.objects.get(interview=interview)
    assert event.kind == SafetyEvent.Kind.INTERVIEW_DISTRESS
    assert page.locator("#assessment-questions li").count() == 5
    assert "How are you feeling right now?" in str(page.locator("#assessment-questions").text_content())
    resources = str(page.locator("#resources").text_content())
    assert "Samaritans" in resources
    assert "Tele-MANAS" not in resources
    assert page.evaluate("document.documentElement.scrollWidth <= 390")

    page.get_by_label("Get urgent help").check()
    page.get_by_label("Your note").fill(NOTE)
    wait_for(lambda: _worker_ready(tmp_path, "mail"), timeout=60, what="the mail worker")
    submitted = time.monotonic()
    page.get_by_role("button", name="Record the assessment").click()
    page.wait_for_url(f"**#event-{event.id}")
    assert "Assessment recorded: Get urgent help." in str(page.locator(".messages").text_content())
    assert page.locator(f"#event-{event.id} [data-field=outcome]").text_content() == "Get urgent help"
    assert page.csp_errors == []

    wait_for(lambda: bool(_mails(mailbox)), timeout=10, what="the safety contact's e-mail")
    assert time.monotonic() - submitted < 10
    (alert,) = _mails(mailbox)
    text = _text(alert)
    assert "safety-lead@example.org" in alert["To"]
    assert interview.participant.code in text
    assert NOTE not in text
    assert "sister" not in text
    event.refresh_from_db()
    assert event.notified_at is not None
    return event


def _follow_up_on_the_dashboard(browser: Any, live_server: Any, study: Study, owner: User, event: SafetyEvent) -> None:
    page = signed_in_page(browser, live_server, owner)
    page.set_default_timeout(15_000)
    dashboard = live_server.url + reverse("dashboard:page", args=[study.slug])
    page.goto(dashboard)
    page.locator(f"#follow-up-{event.id}").wait_for()

    page.goto(live_server.url + reverse("studies:safety", args=[study.slug]))
    card = page.locator(f"#event-{event.id}")
    assert NOTE in str(card.text_content())  # the owner reads the assessment note
    card.locator("textarea[name=note]").fill("Called her the next morning; she is with her sister and safe.")
    card.get_by_role("button", name="Mark as resolved").click()
    page.wait_for_load_state()
    event.refresh_from_db()
    assert event.follow_up == SafetyEvent.FollowUp.RESOLVED

    page.goto(dashboard)
    page.locator("#panel-safety").wait_for()
    assert page.locator(f"#follow-up-{event.id}").count() == 0


def _flagged_in_the_transcript(
    browser: Any,
    live_server: Any,
    interview: Interview,
    interviewer: User,
    owner: User,
    event: SafetyEvent,
    tmp_path: Path,
) -> None:
    audio = speech.join(*(speech.synthesize(text) for text in SENTENCES), speech.silence(0.5))
    source = speech.write_wav(tmp_path / "interview.wav", audio)
    assert len(audio) / speech.RATE < 15
    slug = interview.study.slug
    page = signed_in_page(browser, live_server, interviewer)
    page.set_default_timeout(15_000)
    page.goto(live_server.url + reverse("transcription:interview", args=[slug, interview.id]))
    page.select_option("#layout", "mixed")
    page.set_input_files("#file-main", str(source))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector(".job-state", timeout=30_000)
    job = TranscriptionJob.objects.get(recording__interview=interview)
    done = TranscriptionJob.Status.SUCCEEDED
    wait_for(lambda: TranscriptionJob.objects.get(pk=job.pk).status == done, timeout=240, what="the transcription")

    page.reload()
    page.locator(f"#offset-{event.id}").fill("0:04")
    page.locator(f"#event-{event.id}").get_by_role("button", name="Save the time").click()
    page.wait_for_url(f"**#event-{event.id}")
    event.refresh_from_db()
    assert event.recording_offset == 4

    transcript = Transcript.objects.get(recording__interview=interview)
    editor = signed_in_page(browser, live_server, owner, viewport={"width": 1280, "height": 900})
    editor.set_default_timeout(15_000)
    editor.goto(live_server.url + reverse("review:editor", args=[slug, transcript.id]))
    editor.locator(".flag-distress").first.wait_for()
    assert "Distress marked at 0:04" in str(editor.locator("#distress-marks").text_content())
    assert editor.csp_errors == []
