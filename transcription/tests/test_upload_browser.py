"""The upload client and live job state in real headless Chromium: chunks, a dropped chunk resumed from the
server's offset, then progress shown without reloading the page."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.models import User
from studies.models import Study
from studies.tests.factories import ConsentFactory, InterviewFactory, ParticipantFactory
from transcription.models import MediaFile, TranscriptionJob
from transcription.tests.jobkit import private_media, speech_wav, temp_files

__all__ = ["private_media"]
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser: Any, live_server: Any, interviewer: User) -> Any:
    client = Client()
    client.force_login(interviewer)
    context = browser.new_context()
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context.new_page()


def test_an_upload_survives_a_dropped_chunk_and_its_job_shows_live_progress(
    page: Any, live_server: Any, study: Study, private_media: Path, tmp_path: Path, settings: SettingsWrapper
) -> None:
    settings.UPLOAD_CHUNK_BYTES = 32 * 1024
    participant = ParticipantFactory(study=study)
    ConsentFactory(participant=participant)
    interview = InterviewFactory(participant=participant)
    data = speech_wav()
    source = tmp_path / "interview.wav"
    source.write_bytes(data)
    dropped: list[str] = []

    def drop_once(route: Any) -> None:
        # The network fails once in the middle of the upload; the client must ask for the offset and go on.
        if "offset=65536" in route.request.url and not dropped:
            dropped.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/uploads/*/?offset=*", drop_once)
    page.goto(live_server.url + reverse("transcription:interview", args=[study.slug, interview.id]))
    page.select_option("#layout", "mixed")
    page.set_input_files("#file-main", str(source))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector(".job-state", timeout=30_000)

    assert dropped
    media = MediaFile.objects.get()
    assert media.sha256 == hashlib.sha256(data).hexdigest()
    assert temp_files() == []
    job = TranscriptionJob.objects.get()
    assert page.text_content(f'.job-state[data-job="{job.id}"] [data-field="status_label"]').strip() == "Queued"

    # A worker reports progress; the page shows it without a reload.
    page.evaluate("window.__sameDocument = true")
    now = timezone.now()
    TranscriptionJob.objects.filter(id=job.id).update(
        status="running", claimed_at=now, heartbeat_at=now, progress=42, eta=now + timedelta(minutes=3)
    )
    bar = page.locator(f'.job-state[data-job="{job.id}"] progress')
    deadline = time.monotonic() + 15
    while bar.get_attribute("value") != "42" and bar.evaluate("node => node.value") != 42:
        assert time.monotonic() < deadline, "the page never showed the new progress"
        time.sleep(0.2)
    assert "left" in page.text_content(f'.job-state[data-job="{job.id}"] [data-field="detail"]')
    assert page.evaluate("window.__sameDocument") is True
