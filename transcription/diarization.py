"""Who spoke when in a mono mix: voice embeddings of the speech segments, clustered into N speakers.

The encoder is Resemblyzer's (a 3-layer LSTM over 40 mel bands), whose trained weights ship inside its PyPI
package, so nothing is downloaded. The package is installed without its dependencies (requirements-models.txt)
and never imported: its checkpoint is checked by SHA-256 and read by transcription.checkpoint without PyTorch,
and the small network runs in NumPy.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from transcription.checkpoint import load_legacy_checkpoint

SAMPLE_RATE = 16_000
# Below this much audio an embedding says little about the voice; such segments borrow a neighbour's label.
MIN_EMBED_SECONDS = 0.6

# Resemblyzer's front end: 40 mel bands over 25 ms windows every 10 ms at 16 kHz.
N_FFT = 400
HOP = 160
N_MELS = 40

PARTIAL_FRAMES = 160  # Resemblyzer embeds 1.6 s partial utterances and averages them
MAX_PARTIALS = 4
# Partial utterances per pass through the network: ~45 MB of LSTM activations at a time.
PARTIALS_PER_BATCH = 64
MAX_CLUSTER_POINTS = 600
# pretrained.pt of resemblyzer 0.1.4 (PyPI), the file the weights are read from.
WEIGHTS_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"

_encoder: VoiceEncoder | None = None
_encoder_lock = threading.Lock()


class WeightsError(RuntimeError):
    """The speaker encoder's weights are missing or not the file this code was checked against (permanent)."""


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # the same function as 1/(1+e^-x), without overflow


class VoiceEncoder:
    """Resemblyzer's network (nn.LSTM(40, 256, 3, batch_first) -> Linear(256, 256) -> ReLU -> L2) in NumPy."""

    def __init__(self, tensors: dict[str, np.ndarray]) -> None:
        self.layers = [
            (
                tensors[f"lstm.weight_ih_l{n}"].T.copy(),
                tensors[f"lstm.weight_hh_l{n}"].T.copy(),
                tensors[f"lstm.bias_ih_l{n}"] + tensors[f"lstm.bias_hh_l{n}"],
            )
            for n in range(3)
        ]
        self.linear_weight, self.linear_bias = tensors["linear.weight"].T.copy(), tensors["linear.bias"]

    def __call__(self, mels: np.ndarray) -> np.ndarray:
        """Embeddings (batch x 256) of mel spectrograms (batch x frames x 40), as VoiceEncoder.forward."""
        x = mels.astype(np.float32)
        for w_ih, w_hh, bias in self.layers:
            inputs = x @ w_ih + bias  # every time step's input projection at once
            hidden = np.zeros((x.shape[0], w_hh.shape[0]), dtype=np.float32)
            cell = np.zeros_like(hidden)
            outputs = np.empty((x.shape[0], x.shape[1], hidden.shape[1]), dtype=np.float32)
            for step in range(x.shape[1]):
                gate_in, gate_forget, gate_cell, gate_out = np.split(inputs[:, step] + hidden @ w_hh, 4, axis=1)
                cell = _sigmoid(gate_forget) * cell + _sigmoid(gate_in) * np.tanh(gate_cell)
                hidden = _sigmoid(gate_out) * np.tanh(cell)
                outputs[:, step] = hidden
            x = outputs
        embeds = np.maximum(hidden @ self.linear_weight + self.linear_bias, 0.0)
        return embeds / np.maximum(np.linalg.norm(embeds, axis=1, keepdims=True), 1e-12)


def weights_file() -> Path:
    """Resemblyzer's packaged checkpoint, found without importing the package (its __init__ imports torch)."""
    spec = find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError("resemblyzer is not installed; run pip install --no-deps -r requirements-models.txt")
    return Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"


def load_encoder(path: Path) -> VoiceEncoder:
    """The network from a checkpoint file whose SHA-256 is the one pinned above."""
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != WEIGHTS_SHA256:
        raise WeightsError("the speaker encoder's weights are not the pinned file (SHA-256 differs)")
    state = load_legacy_checkpoint(raw)["model_state"]
    return VoiceEncoder({name: tensor for name, tensor in state.items() if name.startswith(("lstm.", "linear."))})


def _get_encoder() -> VoiceEncoder:
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            _encoder = load_encoder(weights_file())
        return _encoder


def partial_slices(samples: int, rate: float = 1.3, min_coverage: float = 0.75) -> list[slice]:
    """Mel-frame slices of the 1.6 s partial utterances, as Resemblyzer's compute_partial_slices makes them."""
    frames = int(np.ceil((samples + 1) / HOP))
    step = int(np.round((SAMPLE_RATE / rate) / HOP))
    slices = [slice(i, i + PARTIAL_FRAMES) for i in range(0, max(1, frames - PARTIAL_FRAMES + step + 1), step)]
    last = slices[-1]
    if (samples - last.start * HOP) / (PARTIAL_FRAMES * HOP) < min_coverage and len(slices) > 1:
        slices.pop()
    return slices


def embed(audio: np.ndarray) -> np.ndarray | None:
    """An L2-normed voice embedding of 16 kHz mono speech, or None when there is too little of it."""
    return embed_many([audio])[0]


def embed_many(clips: Sequence[np.ndarray]) -> list[np.ndarray | None]:
    """Voice embeddings of many clips (None for a clip with too little speech), as embed_utterance makes them.

    Resemblyzer's embed_utterance step for step, with the mel spectrogram computed here in NumPy (librosa's
    version pulls in numba and some 300 MB of memory per worker for one matrix product). The partial
    utterances of all the clips go through the network together, PARTIALS_PER_BATCH at a time: one clip at a
    time, the LSTM's 480 small steps cost Python overhead, not arithmetic (measured: 10x the time).
    """
    mels: list[np.ndarray] = []
    owners: list[int] = []
    for index, audio in enumerate(clips):
        for mel in _partial_mels(audio):
            mels.append(mel)
            owners.append(index)
    embeddings: list[np.ndarray | None] = [None] * len(clips)
    if not mels:
        return embeddings
    encoder = _get_encoder()
    # One BLAS thread: OpenBLAS' pool spin-waits on the cores CTranslate2 needs (measured: 5x the CPU time).
    with threadpool_limits(1, user_api="blas"):
        partials = np.concatenate(
            [encoder(np.stack(mels[i : i + PARTIALS_PER_BATCH])) for i in range(0, len(mels), PARTIALS_PER_BATCH)]
        )
    rows = np.asarray(owners)
    for index in np.unique(rows):
        mean = partials[rows == index].mean(axis=0)
        embeddings[int(index)] = (mean / np.linalg.norm(mean)).astype(np.float32)
    return embeddings


def _partial_mels(audio: np.ndarray) -> list[np.ndarray]:
    """The mel spectrograms of a clip's 1.6 s partial utterances; none when the clip is too short or silent."""
    if len(audio) < MIN_EMBED_SECONDS * SAMPLE_RATE:
        return []
    peak = float(np.max(np.abs(audio)))
    if peak == 0.0:
        return []
    # Level the volume so a quiet and a loud speaker differ by voice, not loudness.
    wav = (audio / peak * 0.5).astype(np.float32)
    slices = partial_slices(len(wav))
    if len(slices) > MAX_PARTIALS:
        # A few partials spread over a long turn tell the voice as well as all of them, at bounded cost.
        slices = [slices[int(i)] for i in np.linspace(0, len(slices) - 1, MAX_PARTIALS).round()]
    if slices[-1].stop * HOP > len(wav):
        wav = np.pad(wav, (0, slices[-1].stop * HOP - len(wav)))
    mel = mel_spectrogram(wav)
    return [mel[s] for s in slices]


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
    raw: dict[int, int] = dict.fromkeys(known, 0)
    if len(known) >= 2 and speakers >= 2:
        matrix = np.stack([embeddings[index] for index in known]).astype(np.float32)  # type: ignore[misc]
        raw = dict(zip(known, (int(label) for label in _agglomerate(matrix, speakers)), strict=True))
    return _in_order_of_appearance(raw, len(embeddings))


def _agglomerate(matrix: np.ndarray, speakers: int) -> np.ndarray:
    """Average-linkage clusters on at most MAX_CLUSTER_POINTS segments; the rest join the nearest centroid.

    Agglomerative clustering needs all pairwise distances: a 2-hour interview's few thousand segments would
    cost memory that grows with the recording, which a worker must not.
    """
    from sklearn.cluster import AgglomerativeClustering  # type: ignore[import-untyped]

    sample = np.unique(np.linspace(0, len(matrix) - 1, min(len(matrix), MAX_CLUSTER_POINTS)).round().astype(int))
    model = AgglomerativeClustering(n_clusters=min(speakers, len(sample)), metric="cosine", linkage="average")
    labels = model.fit_predict(matrix[sample])
    if len(sample) == len(matrix):
        return np.asarray(labels)
    centroids = np.stack([matrix[sample][labels == label].mean(axis=0) for label in range(labels.max() + 1)])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    return np.asarray(np.argmax(matrix @ centroids.T, axis=1))


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
