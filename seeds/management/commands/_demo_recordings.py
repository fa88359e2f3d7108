"""Demo interview recordings: a seed script spoken by espeak-ng, uploaded as a real recording would be.

The audio is a stereo WAV, channel 0 the interviewer and channel 1 the participant (as a call recorder writes
it), so the worker's transcript has the right speaker on each line. It goes through the transcription app's
resumable upload and `add_recording`, which decodes it, encrypts it into storage and queues the transcription
job once the transaction commits. (A module name starting with "_" is not a management command.)
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave

import numpy as np
from django.conf import settings
from django.core.management.base import CommandError

from studies.models import Interview
from transcription import uploads
from transcription.models import INTERVIEWER_SPEAKER, Recording
from transcription.services import RecordingPlan, add_recording

GAP_SECONDS = 0.6
SPEED = 150  # words per minute: espeak-ng's default, clear enough for Whisper


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(text: str, voice: str) -> tuple[np.ndarray, int]:
    """`text` as 16-bit mono samples in espeak-ng `voice` (for example "hi+m1"), and their sample rate."""
    try:
        wav = subprocess.run(  # noqa: S603 - a fixed program; the text is one argument, never a shell string
            ["espeak-ng", "-v", voice, "-s", str(SPEED), "--stdout", text],  # noqa: S607 - found on PATH
            check=True,
            capture_output=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise CommandError(f"espeak-ng could not speak with the voice {voice!r}: {error}") from error
    with wave.open(io.BytesIO(wav)) as reader:
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
        return samples, reader.getframerate()


def stereo_wav(script: list[list[str]], voice: str, variants: tuple[str, str]) -> bytes:
    """The script as a stereo WAV: each line on its speaker's channel, silence on the other, a pause between."""
    channels: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
    rate = 0
    for speaker, text in script:
        mine = 0 if speaker == INTERVIEWER_SPEAKER else 1
        samples, line_rate = speak(text, f"{voice}{variants[mine]}")
        if rate and line_rate != rate:
            raise CommandError("espeak-ng changed its sample rate between lines.")
        rate = line_rate
        pause = np.zeros(int(GAP_SECONDS * rate), dtype="<i2")
        channels[mine].extend([samples, pause])
        channels[1 - mine].extend([np.zeros(len(samples), dtype="<i2"), pause])
    frames = np.stack([np.concatenate(channels[0]), np.concatenate(channels[1])], axis=1)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(2)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(frames.astype("<i2").tobytes())
    return buffer.getvalue()


def upload_script(
    *, interview: Interview, script: list[list[str]], voice: str, variants: tuple[str, str], translate: bool = False
) -> Recording:
    """Synthesize the script and store it through the upload services; the job is queued on commit."""
    data = stereo_wav(script, voice, variants)
    user = interview.interviewer or interview.study.memberships.filter(role="owner").get().user
    upload = uploads.start_upload(interview=interview, user=user, size=len(data))
    offset, chunk = 0, settings.UPLOAD_CHUNK_BYTES
    while offset < len(data):
        piece = data[offset : offset + chunk]
        offset = uploads.append_chunk(upload=upload, offset=offset, length=len(piece), read=io.BytesIO(piece).read)
    speakers = [INTERVIEWER_SPEAKER, interview.participant.code]
    plan = RecordingPlan(
        layout=Recording.Layout.STEREO, upload_ids=[upload.pk], speakers=speakers, translate_to_english=translate
    )
    return add_recording(interview=interview, user=user, plan=plan)
