"""Every exports test writes into storage of its own (the real FileSystemStorage backend, in the test's folder), so
'no file is left' and 'no archive holds this person' look at that test's files only."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper


@pytest.fixture(autouse=True)
def private_media(settings: SettingsWrapper, tmp_path: Path) -> Path:
    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    return media
