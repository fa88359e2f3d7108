"""Helpers for the voice-answer tests: an open asynchronous voice interview with a guide, and spoken answers
encoded as a browser would send them (Opus in WebM, by ffmpeg)."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

from studies.models import ConsentItem, GuideQuestion, Interview
from studies.tests.factories import ConsentFactory, InterviewFactory, ParticipantFactory, StudyFactory
from transcription.tests import speech

ANSWER = "I talk to the chatbot late at night when nobody else is awake."


def voice_interview(
    *, audio: bool = True, transcription: bool = True, language: str = "en", questions: int = 2, max_seconds: int = 180
) -> tuple[Interview, list[GuideQuestion]]:
    """A scheduled asynchronous voice interview of a consented participant, and the study's guide questions."""
    study = StudyFactory(languages=["en", "es", "hi"])
    guide = [
        GuideQuestion.objects.create(
            study=study,
            position=number,
            prompt={"en": f"Question {number} in English?", "es": f"¿Pregunta {number} en español?"},
            max_seconds=max_seconds,
        )
        for number in range(1, questions + 1)
    ]
    participant = ParticipantFactory(study=study, language=language)
    choices = dict.fromkeys(ConsentItem.values, True)
    choices[ConsentItem.AUDIO_RECORDING] = audio
    choices[ConsentItem.AUTOMATIC_TRANSCRIPTION] = transcription
    ConsentFactory(participant=participant, choices=choices)
    interview = InterviewFactory(
        participant=participant, mode=Interview.Mode.ASYNC_VOICE, status=Interview.Status.SCHEDULED
    )
    return interview, guide


def encode(wav: bytes, *, fmt: str = "webm", codec: str = "libopus") -> bytes:
    """`wav` re-encoded by ffmpeg into a seekable file (so the container announces its duration)."""
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.wav", Path(folder) / f"out.{fmt}"
        source.write_bytes(wav)
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-i", str(source), "-c:a", codec, "-b:a", "32k", str(target)],
            check=True,
        )
        return target.read_bytes()


def spoken_webm(text: str = ANSWER, *, voice: str = "en", pad_seconds: float = 0.0) -> bytes:
    """`text` spoken by espeak-ng (then `pad_seconds` of silence) as Opus in WebM, as a browser records it."""
    audio = speech.synthesize(text, voice=voice)
    if pad_seconds:
        audio = speech.join(audio, speech.silence(pad_seconds), gap=0)
    return encode(speech.wav_bytes(audio))


def reader(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
