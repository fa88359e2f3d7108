"""Helpers for the job layer's tests: private storage and upload folders, consented interviews, uploads."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.models import User
from studies.models import ConsentItem, Interview
from studies.tests.factories import ConsentFactory, InterviewFactory
from transcription import uploads
from transcription.models import Upload
from transcription.services import RecordingPlan, add_recording
from transcription.tests import speech

SENTENCE = "The weather is nice today and we are talking about our daily routines."


@pytest.fixture
def private_media(settings: SettingsWrapper, tmp_path: Path) -> Path:
    """Storage and the upload folder in this test's own folder, so 'nothing left behind' can be checked."""
    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    settings.UPLOAD_DIR = tmp_path / "uploads"
    return media


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


def temp_files() -> list[Path]:
    folder = Path(settings.UPLOAD_DIR)
    return sorted(folder.iterdir()) if folder.exists() else []


def consented_interview(*, transcription: bool = True, language: str = "en") -> Interview:
    interview = InterviewFactory(participant__language=language)
    choices = dict.fromkeys(ConsentItem.values, True)
    choices[ConsentItem.AUTOMATIC_TRANSCRIPTION] = transcription
    ConsentFactory(participant=interview.participant, choices=choices)
    return interview


def speech_wav(text: str = SENTENCE, *, voice: str = "en") -> bytes:
    return speech.wav_bytes(speech.synthesize(text, voice=voice))


def upload_bytes(interview: Interview, user: User, data: bytes, *, chunk: int = 64 * 1024) -> Upload:
    """Send `data` through the resumable upload service in chunks."""
    upload = uploads.start_upload(interview=interview, user=user, size=len(data))
    offset = 0
    while offset < len(data):
        piece = data[offset : offset + chunk]
        offset = uploads.append_chunk(upload=upload, offset=offset, length=len(piece), read=io.BytesIO(piece).read)
    return upload


def mixed_recording(interview: Interview, user: User, data: bytes) -> None:
    upload = upload_bytes(interview, user, data)
    add_recording(interview=interview, user=user, plan=RecordingPlan(layout="mixed", upload_ids=[upload.pk]))


def storage_exists(name: str) -> bool:
    return default_storage.exists(name)
