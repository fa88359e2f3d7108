"""Who spoke when in a mono mix: voice embeddings, clustered into N speakers.

The pipeline embeds short windows over the words (embed_windows) and finds the voices' centroids
(voice_centroids); speakers.py gives each word its voice.

The encoder is Resemblyzer's (a 3-layer LSTM over 40 mel bands). Its trained weights ship inside its PyPI
package as a PyTorch checkpoint; scripts/speaker_weights.py takes the network's arrays out of it once, without
PyTorch (transcription.checkpoint), into data/voice_encoder.npz, which is checked by SHA-256 on load. The small
network runs in NumPy; neither PyTorch nor Resemblyzer is in the runtime install.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from transcription.spectral import spectral_labels

SAMPLE_RATE = 16_000
# Resemblyzer's front end: 40 mel bands over 25 ms windows every 10 ms at 16 kHz.
N_FFT = 400
HOP = 160
N_MELS = 40

# Windows per pass through the network: a batch, not one window at a time, because the LSTM's small steps cost
# Python overhead rather than arithmetic (measured: 10x the time one by one); 64 is ~45 MB of activations.
WINDOWS_PER_BATCH = 64
MAX_CLUSTER_WINDOWS = 1500  # 25 minutes of speech in 1 s windows every 0.5 s (about 9 MB of affinities)
# Cosine similarity of two window centroids above which they are one voice (_merge_alike). Measured on the
# benchmark's espeak-ng voices: two different voices at most 0.867 (mean 0.72); one voice forced into two
# clusters at least 0.874 (mean 0.92), a monologue 0.89 to 0.95.
SAME_VOICE = 0.88
# pretrained.pt of resemblyzer 0.1.4 (PyPI), the file the weights were taken from (scripts/speaker_weights.py).
SOURCE_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
WEIGHTS = Path(__file__).resolve().parent / "data" / "voice_encoder.npz"
ENCODER_SHA256 = "8ef50c40ccd6e4547ce2988e2fa08bb02059dab9d80b9e7eb37d5545b049b19a"

# Word-level evidence (embed_windows): 1 s windows every 0.5 s. Measured on bench/speaker_bench.py against
# Resemblyzer's own 1.6 s partials every 0.4 s: as accurate or better (a short window holds one voice more often,
# a "yes" between two turns) at about half the encoder time.
WINDOW_FRAMES = 100
WINDOW_HOP_FRAMES = 50
WINDOW_SECONDS = WINDOW_FRAMES * HOP / SAMPLE_RATE
EMBEDDING_SIZE = 256

_encoder: VoiceEncoder | None = None
_encoder_lock = threading.Lock()


@dataclass(frozen=True)
class VoiceWindows:
    """Embeddings (windows x 256, L2-normed) of short windows and where each starts (seconds)."""

    embeddings: np.ndarray
    starts: np.ndarray

    def shifted(self, seconds: float) -> VoiceWindows:
        return VoiceWindows(self.embeddings, self.starts + seconds)

    @staticmethod
    def joined(parts: Sequence[VoiceWindows]) -> VoiceWindows:
        if not parts:
            return VoiceWindows(np.zeros((0, EMBEDDING_SIZE), np.float32), np.zeros(0))
        return VoiceWindows(np.concatenate([p.embeddings for p in parts]), np.concatenate([p.starts for p in parts]))


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


def source_checkpoint() -> Path:
    """Resemblyzer's packaged checkpoint (development only), found without importing the package (it imports torch)."""
    spec = find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError("resemblyzer is not installed; run pip install --no-deps -r requirements-dev-models.txt")
    return Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"


def load_encoder(path: Path) -> VoiceEncoder:
    """The network from a weights file whose SHA-256 is the one pinned above."""
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != ENCODER_SHA256:
        raise WeightsError("the speaker encoder's weights are not the pinned file (SHA-256 differs)")
    with np.load(io.BytesIO(raw), allow_pickle=False) as arrays:
        return VoiceEncoder({name: arrays[name] for name in arrays.files if name.startswith(("lstm.", "linear."))})


def _get_encoder() -> VoiceEncoder:
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            _encoder = load_encoder(WEIGHTS)
        return _encoder


def embed_windows(audio: np.ndarray, spans: Sequence[tuple[float, float]]) -> VoiceWindows:
    """Voice embeddings of 1 s windows every 0.5 s over the parts of `audio` that `spans` (word times, seconds
    into `audio`) say hold speech: evidence of who speaks when, fine enough to place a turn inside a segment."""
    embedder = VoiceEmbedder(audio)
    embedder.add(spans)
    return embedder.result()


class VoiceEmbedder:
    """Embeds the voices of one stretch of audio piece by piece, as its words are decoded (not thread-safe).

    Windows are 1 s long every 0.5 s on a grid from the start of the audio; `add` embeds the windows that hold a
    word of `spans` and were not embedded before, so the embedding of a stretch can run beside the decoding of
    the next one. Each window is levelled by its own peak, so a quiet and a loud speaker differ by voice, not
    loudness. One mel spectrogram serves every window; a window's power mel scales with the square of its gain.
    """

    def __init__(self, audio: np.ndarray) -> None:
        self.audio = audio
        self._mel: np.ndarray | None = None
        self._embedded: set[int] = set()  # grid windows' first frames
        self._parts: list[VoiceWindows] = []

    def add(self, spans: Sequence[tuple[float, float]]) -> None:
        if self._mel is None:
            enough = len(self.audio) >= WINDOW_FRAMES * HOP
            self._mel = mel_spectrogram(self.audio) if enough else np.zeros((0, N_MELS), np.float32)
        mel = self._mel
        speech = np.zeros(len(mel) + 1, dtype=np.int64)
        for start, end in spans:  # frames (10 ms) that hold a word
            speech[max(0, int(start * SAMPLE_RATE / HOP)) : int(end * SAMPLE_RATE / HOP) + 1] = 1
        covered = np.concatenate([[0], np.cumsum(speech)])
        mels: list[np.ndarray] = []
        starts: list[int] = []
        for frame in range(0, len(mel) - WINDOW_FRAMES + 1, WINDOW_HOP_FRAMES):
            if frame in self._embedded or covered[frame + WINDOW_FRAMES] == covered[frame]:
                continue
            peak = float(np.max(np.abs(self.audio[frame * HOP : (frame + WINDOW_FRAMES) * HOP])))
            if peak > 0.0:
                mels.append(mel[frame : frame + WINDOW_FRAMES] * (0.5 / peak) ** 2)
                starts.append(frame)
                self._embedded.add(frame)
        if not mels:
            return
        encoder = _get_encoder()
        # One BLAS thread: OpenBLAS' pool spin-waits on the cores CTranslate2 needs (measured: 5x the CPU time).
        with threadpool_limits(1, user_api="blas"):
            batches = [
                encoder(np.stack(mels[i : i + WINDOWS_PER_BATCH])) for i in range(0, len(mels), WINDOWS_PER_BATCH)
            ]
        self._parts.append(VoiceWindows(np.concatenate(batches), np.asarray(starts) * HOP / SAMPLE_RATE))

    def finish(self) -> None:
        """Let the audio and its spectrogram go (the embeddings stay): a long recording holds only the windows
        being decoded."""
        self.audio = np.zeros(0, dtype=np.float32)
        self._mel = np.zeros((0, N_MELS), np.float32)

    def result(self) -> VoiceWindows:
        """Every window embedded so far, in order of time."""
        joined = VoiceWindows.joined(self._parts)
        order = np.argsort(joined.starts, kind="stable")
        return VoiceWindows(joined.embeddings[order], joined.starts[order])


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


def voice_centroids(embeddings: np.ndarray, speakers: int) -> np.ndarray:
    """One L2-normed centroid per voice (speakers x 256) from short-window embeddings, in no particular order.

    Spectral clustering on the cosine affinities (transcription.spectral): on bench/speaker_bench.py it told four
    voices apart where average linkage merged two of them (a few windows that straddle a turn bridge two clusters,
    which a graph cut ignores). It works on an even sample of at most MAX_CLUSTER_WINDOWS windows, so memory stays
    flat however long the recording; centroids stand for the voices across the whole of it.
    """
    count = min(len(embeddings), MAX_CLUSTER_WINDOWS)
    sample = embeddings[np.unique(np.linspace(0, len(embeddings) - 1, count).round().astype(int))]
    if speakers < 2 or len(sample) <= speakers:
        return _normed(sample.mean(axis=0, keepdims=True))
    affinity = np.maximum(sample @ sample.T, 0.0)
    labels = spectral_labels(affinity, speakers)
    centroids = [sample[labels == label].mean(axis=0) for label in range(speakers) if np.any(labels == label)]
    return _merge_alike(_normed(np.stack(centroids)))


def _merge_alike(centroids: np.ndarray) -> np.ndarray:
    """Fewer voices than expected (one person where two were expected) leave clusters of one voice: merge
    centroids closer than SAME_VOICE, so a monologue is not cut between two names."""
    while len(centroids) > 1:
        similarity = centroids @ centroids.T - 2.0 * np.eye(len(centroids))
        first, second = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
        if similarity[first, second] < SAME_VOICE:
            break
        merged = _normed(centroids[[first, second]].mean(axis=0, keepdims=True))
        centroids = np.concatenate([np.delete(centroids, [first, second], axis=0), merged])
    return centroids


def _normed(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)).astype(np.float32)


_MEL_FILTERS = mel_filters()


def label_for(cluster_number: int, names: Sequence[str]) -> str:
    """The researcher's name for a clustered voice if one was given, else SPEAKER_1, SPEAKER_2, ..."""
    return names[cluster_number] if cluster_number < len(names) else f"SPEAKER_{cluster_number + 1}"
