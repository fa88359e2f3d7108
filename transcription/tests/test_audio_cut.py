"""Cutting a recording at a moment (transcription.audio_cut): the part before it, decodable, no longer than the cut,
in FLAC for lossless sources and Opus in WebM for compressed ones."""

from __future__ import annotations

import io
from pathlib import Path

import av

from transcription.audio_cut import cut_audio
from transcription.media import probe_media
from transcription.tests import speech, voicekit


def _decoded(path: Path) -> tuple[float, int]:
    with av.open(str(path), mode="r") as container:
        stream = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(stream)) / stream.rate, stream.channels


def test_a_browser_recording_is_cut_into_opus_in_webm_no_longer_than_the_cut(tmp_path: Path) -> None:
    source = voicekit.spoken_webm("One sentence to cut in the middle of it.")
    target = tmp_path / "cut"
    written = cut_audio(io.BytesIO(source), seconds=1.25, target=target)
    info = probe_media(target)
    assert (info.codec, info.container, info.sample_rate) == ("opus", "matroska,webm", 48_000)
    assert written == 60_000
    seconds, _channels = _decoded(target)
    assert 1.2 <= seconds <= 1.25


def test_a_stereo_wav_keeps_its_channels_and_rate_losslessly_in_flac(tmp_path: Path) -> None:
    left, right = speech.synthesize("Left channel speech."), speech.synthesize("Right channel speech.", voice="es")
    target = tmp_path / "cut"
    cut_audio(io.BytesIO(speech.wav_bytes(left, right)), seconds=0.5, target=target)
    info = probe_media(target)
    assert (info.codec, info.container, info.sample_rate, info.channels) == ("flac", "flac", speech.RATE, 2)
    assert _decoded(target) == (0.5, 2)


def test_a_cut_past_the_end_keeps_everything(tmp_path: Path) -> None:
    audio = speech.synthesize("Short.")
    target = tmp_path / "cut"
    assert cut_audio(io.BytesIO(speech.wav_bytes(audio)), seconds=600.0, target=target) == len(audio)
    assert _decoded(target) == (len(audio) / speech.RATE, 1)
