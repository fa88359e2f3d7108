"""Fixtures for the engine's tests: the real bundled Whisper model, loaded once for the whole run."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jiwer
import numpy as np
import pytest

from transcription.engine import Engine, get_engine
from transcription.pipeline import transcribe
from transcription.results import TranscriptionRequest, TranscriptionResult
from transcription.tests import speech

Transcribe = Callable[..., TranscriptionResult]


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The process's engine: joined and loaded on first use, then shared by every test."""
    return get_engine()


@pytest.fixture(scope="session")
def transcribe_mono(engine: Engine) -> Transcribe:
    """Transcribe 16 kHz mono audio as one recording whose speakers are found by clustering."""

    def run(audio: np.ndarray, **request: Any) -> TranscriptionResult:
        return transcribe(TranscriptionRequest(tracks=(speech.track(speech.wav_bytes(audio)),), **request))

    return run


def normalised(text: str) -> str:
    return re.sub(r"[^\w\s']", " ", text.casefold()).strip()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """WER after folding case and dropping punctuation: espeak-ng's voice is judged on words, not commas."""
    return float(jiwer.wer(normalised(reference), normalised(hypothesis) or "<empty>"))
