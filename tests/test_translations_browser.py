"""The upload script's own messages in real headless Chromium, for a Spanish-speaking interviewer: they come from
the page's translated data attributes, not from English strings in the script. Nothing is mocked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from pytest_django.fixtures import Settings

from accounts.models import User
from studies.models import Study
from studies.tests.factories import ConsentFactory, InterviewFactory, ParticipantFactory
from tests.test_dashboard_browser import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_upload_form_explains_itself_in_spanish(
    browser: Any, live_server: Any, study: Study, interviewer: User, tmp_path: Path, settings: Settings
) -> None:
    settings.MAX_UPLOAD_BYTES = 1000
    participant = ParticipantFactory(study=study)
    ConsentFactory(participant=participant)
    interview = InterviewFactory(participant=participant)
    page = signed_in_page(browser, live_server, interviewer, locale="es-ES", viewport={"width": 360, "height": 740})
    page.goto(live_server.url + reverse("transcription:interview", args=[study.slug, interview.id]))
    page.select_option("#layout", "mixed")
    page.click("#upload-form button[type=submit]")
    assert page.text_content("#upload-message") == "Elija primero el archivo o los archivos."

    big = tmp_path / "long.wav"
    big.write_bytes(b"\0" * 2000)
    page.set_input_files("#file-main", str(big))
    page.click("#upload-form button[type=submit]")
    assert str(page.text_content("#upload-message")).startswith("El archivo supera el límite de 1000")
    assert page.csp_errors == []
