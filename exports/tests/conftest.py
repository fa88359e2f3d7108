"""Every exports test writes into storage of its own (the real FileSystemStorage backend, in the test's folder), so
'no file is left' and 'no archive holds this person' look at that test's files only: transcription's
`private_media`, made automatic here."""

from __future__ import annotations

from pathlib import Path

import pytest

from transcription.tests.jobkit import private_media

__all__ = ["private_media"]


@pytest.fixture(autouse=True)
def own_storage(private_media: Path) -> Path:
    return private_media
