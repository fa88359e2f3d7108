"""Speaker labels: exact from tracks and channels, clustered from voices in a mono mix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from transcription import diarization, weights
from transcription.diarization import label_for, mel_spectrogram
from transcription.pipeline import transcribe
from transcription.results import Segment, TranscriptionRequest
from transcription.tests import speech
from transcription.tests.conftest import Transcribe
from transcription.tests.scripts import load_script

# Reference outputs recorded once from the originals (Resemblyzer 0.1.4's VoiceEncoder on PyTorch 2.13.0, and
# librosa 0.11.0's melspectrogram) on the inputs the tests below build, so the suite needs neither library.
REFERENCE = Path(__file__).parent / "data"

QUESTIONS = ("Thank you for coming in today. Can you tell me about your work?", "How long have you done that job?")
ANSWERS = (
    "I work as a nurse at the regional hospital, mostly on night shifts.",
    "About eleven years now, since I finished my training.",
)


def _interviewer(text: str) -> np.ndarray:
    return speech.synthesize(text, variant=speech.VOICE_A, pitch=30)


def _participant(text: str) -> np.ndarray:
    return speech.synthesize(text, variant=speech.VOICE_B, pitch=80)


def _turns() -> list[tuple[str, np.ndarray]]:
    """Question, answer, question, answer: (who, audio) in speaking order."""
    return [
        ("I", _interviewer(QUESTIONS[0])),
        ("P", _participant(ANSWERS[0])),
        ("I", _interviewer(QUESTIONS[1])),
        ("P", _participant(ANSWERS[1])),
    ]


def _per_speaker(turns: list[tuple[str, np.ndarray]], gap: float = 1.0) -> dict[str, np.ndarray]:
    """One channel per speaker, each silent while the other talks."""
    lanes: dict[str, list[np.ndarray]] = {"I": [], "P": []}
    for who, audio in turns:
        for lane, pieces in lanes.items():
            pieces += [audio if lane == who else speech.silence(len(audio) / speech.RATE), speech.silence(gap)]
    return {lane: np.concatenate(pieces) for lane, pieces in lanes.items()}


def _turn_order(segments: list[Segment]) -> list[str]:
    """Speakers in time order, a run of segments by one speaker counted once (Whisper cuts at sentences)."""
    order: list[str] = []
    for segment in segments:
        if not order or order[-1] != segment.speaker:
            order.append(segment.speaker)
    return order


def _said_by(segments: list, speaker: str) -> str:
    return " ".join(segment.text for segment in segments if segment.speaker == speaker).casefold()


@pytest.mark.slow
def test_each_stereo_channel_is_labelled_with_its_speaker(engine: object) -> None:
    lanes = _per_speaker(_turns())
    data = speech.wav_bytes(lanes["I"], lanes["P"])
    request = TranscriptionRequest(
        tracks=(speech.track(data, speaker="INT", channel=0), speech.track(data, speaker="P07", channel=1))
    )

    result = transcribe(request)

    assert _turn_order(result.segments) == ["INT", "P07", "INT", "P07"]
    assert "nurse" in _said_by(result.segments, "P07")
    assert "nurse" not in _said_by(result.segments, "INT")


@pytest.mark.slow
def test_separate_tracks_per_speaker_are_labelled_and_interleaved_in_time(engine: object) -> None:
    lanes = _per_speaker(_turns())
    request = TranscriptionRequest(
        tracks=(
            speech.track(speech.wav_bytes(lanes["P"]), speaker="P07"),
            speech.track(speech.wav_bytes(lanes["I"]), speaker="INT"),
        )
    )

    result = transcribe(request)

    assert _turn_order(result.segments) == ["INT", "P07", "INT", "P07"]
    assert [segment.start for segment in result.segments] == sorted(segment.start for segment in result.segments)
    assert "training" in _said_by(result.segments, "P07")


@pytest.mark.slow
def test_voices_in_a_mono_mix_are_told_apart_and_named_in_order(transcribe_mono: Transcribe) -> None:
    turns = _turns()
    audio = speech.join(*(audio for _, audio in turns), gap=1.0)

    result = transcribe_mono(audio, speaker_labels=("INT", "P07"))

    assert _turn_order(result.segments) == ["INT", "P07", "INT", "P07"]
    assert "nurse" in _said_by(result.segments, "P07")


@pytest.mark.slow
def test_unnamed_voices_are_numbered_by_first_appearance(transcribe_mono: Transcribe) -> None:
    turns = _turns()[1:3]  # the participant speaks first here
    result = transcribe_mono(speech.join(*(audio for _, audio in turns), gap=1.0))

    assert _turn_order(result.segments) == ["SPEAKER_1", "SPEAKER_2"]


def test_labels_come_from_the_request_then_fall_back_to_numbers() -> None:
    assert [label_for(number, ("INT",)) for number in range(3)] == ["INT", "SPEAKER_2", "SPEAKER_3"]


def test_the_numpy_mel_front_end_matches_librosa() -> None:
    wav = np.random.default_rng(1).standard_normal(speech.RATE * 2).astype(np.float32) * 0.1
    ours = mel_spectrogram(wav)
    theirs = np.load(REFERENCE / "librosa_reference_mel.npy")

    assert ours.shape == theirs.shape
    assert np.allclose(ours, theirs, rtol=1e-4, atol=1e-6 * float(theirs.max()))


def test_the_numpy_voice_encoder_matches_resemblyzers_network() -> None:
    mels = np.random.default_rng(2).random((3, 160, 40)).astype(np.float32)
    theirs = np.load(REFERENCE / "resemblyzer_reference_embeddings.npy")

    assert np.allclose(diarization._get_encoder()(mels), theirs, atol=1e-5)


def test_the_weights_are_refused_when_the_file_is_not_the_pinned_one(tmp_path: Path) -> None:
    swapped = tmp_path / "voice_encoder.npz"
    raw = bytearray(diarization.WEIGHTS.read_bytes())
    raw[len(raw) // 2] ^= 1  # one bit of one weight
    swapped.write_bytes(bytes(raw))

    with pytest.raises(diarization.WeightsError):
        diarization.load_encoder(swapped)


def test_the_weights_are_what_the_script_takes_from_resemblyzers_checkpoint() -> None:
    fresh = load_script("speaker_weights").build()
    assert weights.stale(diarization.WEIGHTS, fresh) == [], "stale: run python scripts/speaker_weights.py"


def test_voices_of_a_long_recording_are_found_from_a_sample_of_its_windows() -> None:
    rng = np.random.default_rng(9)
    first, second = rng.standard_normal(256), rng.standard_normal(256)
    windows = np.stack(
        [(second if index % 3 else first) + rng.standard_normal(256) * 0.2 for index in range(3 * 1_000)]
    ).astype(np.float32)
    assert len(windows) > diarization.MAX_CLUSTER_WINDOWS

    centroids = diarization.voice_centroids(diarization._normed(windows), 2)

    truth = diarization._normed(np.stack([first, second]))
    assert sorted(np.argmax(centroids @ truth.T, axis=1).tolist()) == [0, 1]
    assert float(np.min(np.max(centroids @ truth.T, axis=1))) > 0.95


def test_voices_embedded_chunk_by_chunk_are_the_voices_embedded_at_once() -> None:
    # The pipeline embeds each decoded chunk's words as they come (beside the decoding); the windows must be the
    # ones the whole window's words select, each once, whatever the order and overlap of the pieces.
    audio = np.concatenate([_interviewer(QUESTIONS[0]), speech.silence(2.0), _participant(ANSWERS[0])])
    seconds = len(audio) / speech.RATE
    words = [(0.2, 1.1), (1.3, 2.0), (seconds - 3.0, seconds - 2.2), (seconds - 1.9, seconds - 0.4)]

    whole = diarization.embed_windows(audio, words)
    embedder = diarization.VoiceEmbedder(audio)
    for piece in (words[2:], words[:2], words[1:3]):  # out of order, the middle words twice
        embedder.add(piece)
    pieces = embedder.result()

    assert len(whole.starts) > 4
    np.testing.assert_array_equal(pieces.starts, whole.starts)
    np.testing.assert_allclose(pieces.embeddings, whole.embeddings, atol=1e-5)
    assert len(set(pieces.starts.tolist())) == len(pieces.starts)

    embedder.finish()  # the pipeline lets a decoded window's audio go; its embeddings stay
    assert embedder.audio.size == 0
    np.testing.assert_array_equal(embedder.result().starts, whole.starts)
