"""Who spoke when in a mono mix: voice embeddings of the speech segments, clustered into N speakers.

The encoder is Resemblyzer's, whose trained weights ship inside its PyPI package (no download at run time).
It loads lazily, on the first mono recording a process sees, so workers that only get per-speaker tracks
or stereo channels never pay for PyTorch.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

SAMPLE_RATE = 16_000
# Below this much audio an embedding says little about the voice; such segments borrow a neighbour's label.
MIN_EMBED_SECONDS = 0.6

_encoder: Any = None
_encoder_lock = threading.Lock()


def _get_encoder() -> Any:
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            with warnings.catch_warnings():
                # webrtcvad (a Resemblyzer dependency) still imports the deprecated pkg_resources.
                warnings.simplefilter("ignore")
                from resemblyzer import VoiceEncoder  # type: ignore[import-untyped]

            _encoder = VoiceEncoder(device="cpu", verbose=False)
        return _encoder


def embed(audio: np.ndarray) -> np.ndarray | None:
    """An L2-normed voice embedding of 16 kHz mono speech, or None when there is too little of it."""
    if len(audio) < MIN_EMBED_SECONDS * SAMPLE_RATE:
        return None
    peak = float(np.max(np.abs(audio)))
    if peak == 0.0:
        return None
    # Level the volume so a quiet and a loud speaker differ by voice, not loudness.
    return np.asarray(_get_encoder().embed_utterance((audio / peak * 0.5).astype(np.float32)), dtype=np.float32)


def cluster(embeddings: Sequence[np.ndarray | None], speakers: int) -> list[int]:
    """A cluster number per segment, numbered in order of first appearance (0 = the first voice heard).

    Segments without an embedding take the label of the nearest earlier segment that has one (a short
    "yes" rarely changes the speaker mid-turn), or 0 when none precedes them.
    """
    known = [index for index, vector in enumerate(embeddings) if vector is not None]
    raw: dict[int, int] = {}
    if len(known) >= 2 and speakers >= 2:
        from sklearn.cluster import AgglomerativeClustering  # type: ignore[import-untyped]

        matrix = np.stack([embeddings[index] for index in known])  # type: ignore[misc]
        model = AgglomerativeClustering(n_clusters=min(speakers, len(known)), metric="cosine", linkage="average")
        raw = dict(zip(known, (int(label) for label in model.fit_predict(matrix)), strict=True))
    else:
        raw = dict.fromkeys(known, 0)
    return _in_order_of_appearance(raw, len(embeddings))


def _in_order_of_appearance(raw: dict[int, int], count: int) -> list[int]:
    renumber: dict[int, int] = {}
    labels: list[int] = []
    previous = 0
    for index in range(count):
        if index in raw:
            previous = renumber.setdefault(raw[index], len(renumber))
        labels.append(previous)
    return labels


def label_for(cluster_number: int, names: Sequence[str]) -> str:
    """The researcher's name for a clustered voice if one was given, else SPEAKER_1, SPEAKER_2, ..."""
    return names[cluster_number] if cluster_number < len(names) else f"SPEAKER_{cluster_number + 1}"
