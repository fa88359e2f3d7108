"""Spectral clustering in NumPy against scikit-learn's SpectralClustering, the implementation it replaced.

The voices are those of the speaker tests (test_diarization.py, test_speakers.py) and of bench/speaker_bench.py's
four-voice conversations, embedded as the pipeline embeds them. scikit-learn is a development requirement only.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import SpectralClustering  # type: ignore[import-untyped]

from transcription import diarization
from transcription.spectral import kmeans, spectral_embedding, spectral_labels
from transcription.tests import speech

SENTENCES = (
    "I started using the chatbot when I could not sleep at night.",
    "My sister told me to talk to a counsellor instead.",
    "Can you tell me a little more about that?",
    "The waiting list for the clinic was more than six months long.",
    "Neither did I, I kept it to myself.",
    "How long have you done that job?",
)
# (espeak-ng voice, variant, pitch, words a minute): the tests' two voices, then bench/speaker_bench.py's four.
TEST_VOICES = (("en", speech.VOICE_A, 30, 150), ("en", speech.VOICE_B, 80, 150))
BENCH_VOICES = (("en", "+m3", 30, 150), ("en", "+f4", 80, 160), ("en-us", "+m7", 55, 140), ("en-us", "+f2", 65, 170))


def _affinity(voices: tuple[tuple[str, str, int, int], ...]) -> np.ndarray:
    """Cosine affinities of 1 s voice windows over turns that go round the voices, as voice_centroids builds them."""
    turns = []
    for index, text in enumerate(SENTENCES * 2):
        voice, variant, pitch, speed = voices[index % len(voices)]
        turns.append(speech.synthesize(text, voice=voice, variant=variant, pitch=pitch, speed=speed))
    audio = speech.join(*turns, gap=0.4)
    found = diarization.embed_windows(audio, [(0.0, len(audio) / speech.RATE)])
    return np.maximum(found.embeddings @ found.embeddings.T, 0.0)


def _same_partition(ours: np.ndarray, theirs: np.ndarray) -> bool:
    pairs = set(zip(ours.tolist(), theirs.tolist(), strict=True))
    return len(pairs) == len(set(ours.tolist())) == len(set(theirs.tolist()))


def _scikit_learn(affinity: np.ndarray, clusters: int) -> np.ndarray:
    model = SpectralClustering(n_clusters=clusters, affinity="precomputed", random_state=0)
    return np.asarray(model.fit_predict(affinity))


@pytest.mark.parametrize(("voices", "clusters"), [(TEST_VOICES, 2), (BENCH_VOICES[:3], 3), (BENCH_VOICES, 4)])
def test_it_cuts_the_speaker_tests_voices_where_scikit_learn_does(
    voices: tuple[tuple[str, str, int, int], ...], clusters: int
) -> None:
    affinity = _affinity(voices)

    ours = spectral_labels(affinity, clusters)

    assert len(set(ours.tolist())) == clusters
    assert _same_partition(ours, _scikit_learn(affinity, clusters))


def test_it_cuts_noisy_random_voices_where_scikit_learn_does() -> None:
    rng = np.random.default_rng(4)
    centres = rng.standard_normal((3, 256))
    windows = diarization._normed(np.stack([centres[i % 3] + rng.standard_normal(256) * 0.6 for i in range(300)]))
    affinity = np.maximum(windows @ windows.T, 0.0)

    ours = spectral_labels(affinity, 3)

    assert _same_partition(ours, _scikit_learn(affinity, 3))
    assert _same_partition(ours, np.arange(300) % 3)


def test_the_embedding_is_the_normalised_laplacians_and_fixed_in_sign() -> None:
    """Two blocks joined by weak links: the second vector separates them; each vector's largest entry is positive."""
    affinity = np.full((6, 6), 0.05)
    affinity[:3, :3] = affinity[3:, 3:] = 0.9

    points = spectral_embedding(affinity, 2)

    assert points.shape == (6, 2)
    assert np.sign(points[:3, 1]).tolist() == [np.sign(points[0, 1])] * 3
    assert np.sign(points[3:, 1]).tolist() == [-np.sign(points[0, 1])] * 3
    for column in points.T:
        assert column[np.argmax(np.abs(column))] > 0


def test_kmeans_is_repeatable_and_finds_well_separated_groups() -> None:
    rng = np.random.default_rng(5)
    points = np.concatenate([rng.standard_normal((40, 2)) * 0.1 + shift for shift in ((0, 0), (5, 0), (0, 5))])

    labels = kmeans(points, 3)

    assert _same_partition(labels, np.repeat(np.arange(3), 40))
    assert np.array_equal(labels, kmeans(points, 3))
