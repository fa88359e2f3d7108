"""Speech synthesized at test time with espeak-ng, and helpers to lay it out as files and tracks.

Shared by the engine's tests, the job layer's tests and the benchmark. Audio is 16 kHz mono float32 in
[-1, 1]; files are 16-bit PCM WAV written with the standard library.
"""

from __future__ import annotations

import io
import subprocess
import wave
from pathlib import Path

import numpy as np

from transcription.results import Track

RATE = 16_000
# Two clearly different synthetic voices (espeak-ng variants): a low male and a high female one.
VOICE_A = "+m3"
VOICE_B = "+f4"


def synthesize(text: str, *, voice: str = "en", variant: str = "", speed: int = 150, pitch: int = 50) -> np.ndarray:
    """`text` spoken by espeak-ng in `voice` (a language code such as en, es, de, fr), at 16 kHz."""
    wav = subprocess.run(
        ["espeak-ng", "-v", f"{voice}{variant}", "-s", str(speed), "-p", str(pitch), "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    with wave.open(io.BytesIO(wav)) as reader:
        rate = reader.getframerate()
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").astype(np.float32) / 32768
    return resample(samples, rate)


def resample(samples: np.ndarray, rate: int) -> np.ndarray:
    """Linear resampling to 16 kHz: crude, but espeak-ng's 22 kHz speech has nothing above 8 kHz worth keeping."""
    if rate == RATE:
        return samples
    positions = np.arange(0, len(samples) * RATE / rate) * rate / RATE
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def noise(seconds: float, *, level: float = 0.02, seed: int = 7) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(int(seconds * RATE)) * level).astype(np.float32)


def join(*parts: np.ndarray, gap: float = 0.6) -> np.ndarray:
    """Parts one after another with `gap` seconds of silence between them."""
    pieces: list[np.ndarray] = []
    for index, part in enumerate(parts):
        if index:
            pieces.append(silence(gap))
        pieces.append(part)
    return np.concatenate(pieces) if pieces else silence(0)


def pad_to(audio: np.ndarray, length: int) -> np.ndarray:
    return np.concatenate([audio, np.zeros(max(0, length - len(audio)), dtype=np.float32)])


def wav_bytes(*channels: np.ndarray) -> bytes:
    """A 16-bit PCM WAV file with one channel per argument (padded to the longest)."""
    length = max(len(channel) for channel in channels)
    stacked = np.stack([pad_to(channel, length) for channel in channels], axis=1)
    pcm = (np.clip(stacked, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(len(channels))
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes(pcm.tobytes())
    return buffer.getvalue()


def write_wav(path: Path, *channels: np.ndarray) -> Path:
    path.write_bytes(wav_bytes(*channels))
    return path


def track(data: bytes, *, speaker: str | None = None, channel: int | None = None) -> Track:
    """A Track over bytes in memory; each open() gives a fresh stream, as the worker's decrypting reader does."""
    return Track(open=lambda: io.BytesIO(data), speaker=speaker, channel=channel)
