"""Voice activity detection in NumPy (transcription/vad.py) against onnxruntime running faster-whisper's own file.

onnxruntime is a development requirement only, kept as the oracle; the runtime install has no onnxruntime.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from faster_whisper.vad import SileroVADModel, VadOptions, get_speech_timestamps

from transcription import vad, weights
from transcription.tests import speech
from transcription.tests.scripts import load_script


def _recording() -> np.ndarray:
    """Two voices with silences, a breath of noise and a loud stretch: what the detector sees in an interview."""
    rng = np.random.default_rng(7)
    first = speech.synthesize("I used the chatbot at night, when nobody else was awake.", variant=speech.VOICE_A)
    second = speech.synthesize("Can you tell me a little more about that?", variant=speech.VOICE_B, pitch=80)
    parts = [
        np.zeros(8_000),
        first,
        0.005 * rng.standard_normal(20_000),
        second * 0.3,
        np.zeros(40_000),
        np.clip(first * 4, -1, 1),
        0.01 * rng.standard_normal(9_000),
    ]
    return np.concatenate(parts).astype(np.float32)


@pytest.fixture(scope="module")
def recording() -> np.ndarray:
    return _recording()


def test_probabilities_match_onnxruntime(recording: np.ndarray) -> None:
    reference = SileroVADModel(str(vad.onnx_path()))
    padded = np.pad(recording, (0, vad.FRAME - len(recording) % vad.FRAME))
    expected = np.asarray(reference(padded)).ravel()
    mine = vad.speech_probabilities(recording)
    assert mine.shape == expected.shape
    assert np.abs(mine - expected).max() < 1e-4
    assert (expected > 0.5).sum() > len(expected) / 3  # the recording is mostly speech: the test compares something


def test_blocks_of_the_convolutions_join_seamlessly(recording: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vad, "_BLOCK", 37)  # many blocks, the last one short; the LSTM carries across them
    padded = np.pad(recording, (0, vad.FRAME - len(recording) % vad.FRAME))
    expected = np.asarray(SileroVADModel(str(vad.onnx_path()))(padded)).ravel()
    assert np.abs(vad.speech_probabilities(recording) - expected).max() < 1e-4


@pytest.mark.parametrize("quiet", [0.16, vad.Settings().min_silence])  # faster-whisper's batched default, ours
def test_regions_agree_with_faster_whispers_within_a_frame_or_two(recording: np.ndarray, quiet: float) -> None:
    duration = len(recording) / vad.SAMPLE_RATE
    mine = vad.speech_regions(vad.speech_probabilities(recording), duration, vad.Settings(min_silence=quiet))
    options = VadOptions(max_speech_duration_s=30, min_silence_duration_ms=round(quiet * 1000))
    theirs = get_speech_timestamps(recording, options)
    # Both cover the same speech: every sample theirs call speech is in one of ours, give or take 64 ms.
    covered = np.zeros(len(recording), dtype=bool)
    for start, end in mine:
        covered[int(start * vad.SAMPLE_RATE) : int(end * vad.SAMPLE_RATE)] = True
    wanted = np.zeros(len(recording), dtype=bool)
    for region in theirs:
        wanted[region["start"] : region["end"]] = True
    assert (wanted & ~covered).sum() < 2 * vad.FRAME
    assert (covered & ~wanted).sum() < 2 * vad.FRAME
    # The middle of the 2.5 s silence (after the quiet second voice) is left out.
    silence = np.flatnonzero(recording == 0)
    middle = silence[(silence > 16_000) & (silence < len(recording) - 16_000)]
    assert len(middle) > 30_000
    assert not covered[middle[len(middle) // 2 - 4_000 : len(middle) // 2 + 4_000]].any()


def test_regions_are_ordered_padded_and_never_longer_than_whispers_window() -> None:
    probabilities = np.zeros(3_000)
    probabilities[100:2_900] = 0.9  # 90 s of unbroken speech
    probabilities[1_000] = 0.4  # a dip the cut should prefer
    regions = vad.speech_regions(probabilities, 3_000 * vad.SECONDS_PER_FRAME)
    assert all(end - start <= 30.0 + 1e-9 for start, end in regions)
    assert all(a[1] <= b[0] + 1e-9 for a, b in itertools.pairwise(regions))
    assert regions[0][0] == pytest.approx(100 * vad.SECONDS_PER_FRAME - 0.4)
    assert regions[-1][1] == pytest.approx(2_900 * vad.SECONDS_PER_FRAME + 0.4)
    assert any(end == pytest.approx(1_000 * vad.SECONDS_PER_FRAME) for _, end in regions)


def test_silence_has_no_regions() -> None:
    assert vad.speech_regions(vad.speech_probabilities(np.zeros(48_000, dtype=np.float32)), 3.0) == []
    assert vad.splice(np.zeros(48_000, dtype=np.float32), []).chunks == []


def test_spliced_speech_is_chunked_by_whole_regions_and_its_times_map_back() -> None:
    audio = np.arange(60 * vad.SAMPLE_RATE, dtype=np.float32)  # each sample holds its own index
    regions = [(1.0, 5.0), (7.5, 20.0), (21.0, 35.0), (50.0, 58.0)]
    spliced = vad.splice(audio, regions)
    assert len(spliced.audio) == (4.0 + 12.5 + 14.0 + 8.0) * vad.SAMPLE_RATE
    assert spliced.audio[0] == 1.0 * vad.SAMPLE_RATE
    assert spliced.audio[4 * vad.SAMPLE_RATE] == 7.5 * vad.SAMPLE_RATE
    assert spliced.chunks == [(0.0, 16.5), (16.5, 38.5)]  # 16.5 + 14 would be 30.5 s: a new chunk
    assert all(end - start <= 30.0 for start, end in spliced.chunks)
    assert spliced.original(0.0) == 1.0
    assert spliced.original(4.0) == 7.5  # a start on the joint is the next region's
    assert spliced.original(4.0, end=True) == 5.0  # an end on it, the region before's
    assert spliced.original(31.0) == 50.5
    # A word across the joint at 16.5 s (the recording's 20.0 s before it, 21.0 s after: 1 s of pause cut out) is
    # placed whole in the region that holds its middle, so the pause stays between two words on either side.
    assert spliced.span(16.1, 16.6) == pytest.approx((19.6, 20.0))
    assert spliced.span(16.4, 17.0) == pytest.approx((21.0, 21.5))


def test_the_weights_are_what_the_script_builds_from_the_installed_model() -> None:
    fresh = load_script("vad_weights").build()
    assert weights.stale(vad.WEIGHTS, fresh) == [], "stale: run python scripts/vad_weights.py"


def test_a_changed_model_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    changed = tmp_path / "silero_vad_v6.onnx"
    changed.write_bytes(vad.onnx_path().read_bytes() + b"\0")
    monkeypatch.setattr(vad, "onnx_path", lambda: changed)
    vad._weights.cache_clear()
    try:
        with pytest.raises(vad.WeightsMismatch):
            vad.speech_probabilities(np.zeros(1_000, dtype=np.float32))
    finally:
        vad._weights.cache_clear()
