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

# Resemblyzer's front end: 40 mel bands over 25 ms windows every 10 ms at 16 kHz.
N_FFT = 400
HOP = 160
N_MELS = 40

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

            import torch

            # One thread: the network is small, and PyTorch's default pool spin-waits on the cores Whisper
            # needs (measured: 20x the CPU time per embedding on a busy 2-core machine).
            torch.set_num_threads(1)
            _encoder = VoiceEncoder(device="cpu", verbose=False)
        return _encoder


def embed(audio: np.ndarray) -> np.ndarray | None:
    """An L2-normed voice embedding of 16 kHz mono speech, or None when there is too little of it.

    Resemblyzer's own embed_utterance, with the mel spectrogram computed here in numpy: librosa's version
    pulls in numba and some 300 MB of memory per worker for one matrix product.
    """
    if len(audio) < MIN_EMBED_SECONDS * SAMPLE_RATE:
        return None
    peak = float(np.max(np.abs(audio)))
    if peak == 0.0:
        return None
    encoder = _get_encoder()
    # Level the volume so a quiet and a loud speaker differ by voice, not loudness.
    wav = (audio / peak * 0.5).astype(np.float32)
    wav_slices, mel_slices = encoder.compute_partial_slices(len(wav), rate=1.3, min_coverage=0.75)
    if wav_slices[-1].stop > len(wav):
        wav = np.pad(wav, (0, wav_slices[-1].stop - len(wav)))
    mel = mel_spectrogram(wav)
    import torch

    with torch.no_grad():
        partials = encoder(torch.from_numpy(np.stack([mel[s] for s in mel_slices]))).numpy()
    mean = partials.mean(axis=0)
    return (mean / np.linalg.norm(mean)).astype(np.float32)


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (librosa's default): linear below 1 kHz, logarithmic above."""
    linear = hz / (200.0 / 3)
    logarithmic = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, logarithmic, linear)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    linear = mel * (200.0 / 3)
    logarithmic = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
    return np.where(mel >= 15.0, logarithmic, linear)


def mel_filters(n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """Slaney-normalised triangular mel filters, as librosa.filters.mel(sr=16000, n_fft, n_mels) makes them."""
    fft_hz = np.fft.rfftfreq(n_fft, 1.0 / SAMPLE_RATE)
    edges = _mel_to_hz(np.linspace(0.0, float(_hz_to_mel(np.array(SAMPLE_RATE / 2.0))), n_mels + 2))
    ramps = edges[:, None] - fft_hz[None, :]
    widths = np.diff(edges)
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    return (weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


def mel_spectrogram(wav: np.ndarray) -> np.ndarray:
    """Power mel spectrogram, frames by 40 bands (25 ms Hann windows every 10 ms, centred, zero-padded)."""
    padded = np.pad(wav.astype(np.float32), N_FFT // 2)
    count = 1 + (len(padded) - N_FFT) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:count]
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic Hann
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    return (power @ _MEL_FILTERS.T).astype(np.float32)


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


_MEL_FILTERS = mel_filters()


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
