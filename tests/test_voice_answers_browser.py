"""A participant on a phone records a voice answer in real headless Chromium: the magic link, the answers page,
MediaRecorder fed by Chromium's fake microphone (espeak-ng speech from a WAV file), the upload as soon as they
stop, and on the server a decodable, encrypted recording with a queued transcription job."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from config.media import open_decrypted
from studies.services.portal import link_path
from tests.chromium import launched_chromium
from transcription.media import probe_media
from transcription.models import MediaFile, TranscriptionJob, VoiceAnswer
from transcription.tests import speech
from transcription.tests.jobkit import private_media, temp_files
from transcription.tests.voicekit import ANSWER, voice_interview

__all__ = ["private_media"]
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def microphone(tmp_path: Path) -> Path:
    """What Chromium's fake microphone says (it loops the file): espeak-ng speech as 16-bit PCM WAV."""
    path = tmp_path / "microphone.wav"
    path.write_bytes(speech.wav_bytes(speech.join(speech.synthesize(ANSWER), speech.silence(0.5))))
    return path


@pytest.fixture
def chromium_with_microphone(chromium_path: str, microphone: Path) -> Iterator[Any]:
    """Debian Chromium whose microphone is the WAV file, permission granted without a prompt. (The shared
    `browser` fixture has fixed launch arguments, so this one adds the fake media flags.)"""
    with launched_chromium(
        chromium_path,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone}",
        "--autoplay-policy=no-user-gesture-required",
    ) as instance:
        yield instance
        instance.close()


def test_a_participant_on_a_phone_records_an_answer_that_the_server_keeps_with_a_job(
    chromium_with_microphone: Any, live_server: Any, private_media: Path, redis_client: redis.Redis
) -> None:
    for key in redis_client.scan_iter("*voice-answers:*"):
        redis_client.delete(key)
    interview, (question, _second) = voice_interview(max_seconds=20)
    context = chromium_with_microphone.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="en-GB"
    )
    context.grant_permissions(["microphone"], origin=live_server.url)
    page = context.new_page()
    page.goto(live_server.url + link_path(participant=interview.participant))
    page.get_by_role("button", name="Open my study page").click()
    page.get_by_role("link", name="Record your answers").click()
    item = page.locator(f"#question-{question.pk}")
    item.get_by_role("button", name="Record", exact=True).click()
    item.locator('[data-field="timer"]').wait_for(state="visible")
    page.wait_for_timeout(3000)
    assert item.locator('[data-field="timer"]').inner_text().endswith("/ 0:20")
    item.get_by_role("button", name="Stop").click()
    item.locator('[data-field="state"]', has_text="Your answer is saved").wait_for(timeout=30_000)
    assert item.get_attribute("data-state") == "answered"
    assert item.locator('[data-field="playback"]').is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    context.close()

    answer = VoiceAnswer.objects.get(interview=interview, question=question)
    media = MediaFile.objects.get(recording=answer.recording)
    assert media.codec == "opus"
    assert media.container == "matroska,webm"
    assert 2.0 < media.duration < 6.0
    assert TranscriptionJob.objects.get(recording=answer.recording).status == TranscriptionJob.Status.QUEUED
    # The stored file decrypts to media that decodes again, as the worker will read it.
    with open_decrypted(media.storage_name) as plain, tempfile.NamedTemporaryFile(suffix=".webm") as copy:
        copy.write(plain.read())
        copy.flush()
        assert probe_media(Path(copy.name)).duration == pytest.approx(media.duration, abs=0.1)
    assert temp_files() == []
    redis_client.delete("transcription")  # the job's message: no worker runs in this test
