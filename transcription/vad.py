"""Voice activity detection: Silero VAD v6 run in NumPy, and the clips of speech the decoder is given.

faster-whisper ships Silero VAD v6 (MIT licence) as an ONNX file and runs it with onnxruntime, which is 75 MB
installed. The network is small, so it runs here in NumPy instead, from the same weights
(`data/silero_vad_v6.npz`, taken out of faster-whisper's file by scripts/vad_weights.py, which records the file's
SHA-256). transcription/tests/test_vad.py compares the probabilities with onnxruntime's.

The network sees the audio in 32 ms frames (512 samples at 16 kHz) plus the 64 samples before each. It computes
a short-time Fourier transform (a strided convolution with a fixed basis), four 1-D convolutions and an LSTM
carried from frame to frame. That gives one speech probability per frame.

`speech_regions` turns those probabilities into padded regions of speech; `splice` joins the regions end to end
and groups them into chunks of at most 30 s for the batched decoder, as faster-whisper's own VAD path does, and maps
the decoder's times back to the recording.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

SAMPLE_RATE = 16_000
FRAME = 512  # samples per probability: 32 ms
CONTEXT = 64  # samples of the previous frame the network sees with each frame
SECONDS_PER_FRAME = FRAME / SAMPLE_RATE
WEIGHTS = Path(__file__).resolve().parent / "data" / "silero_vad_v6.npz"
CONVOLUTIONS = ((0, 1), (1, 2), (2, 2), (3, 1))  # (layer, stride); every kernel is 3 wide, padded by 1
WEIGHT_NAMES = (
    "encoder.feature_extractor.forward_basis_buffer",
    *(f"encoder.conv_layers.{layer}.{part}" for layer, _ in CONVOLUTIONS for part in ("weight", "bias")),
    "lstm.W",
    "lstm.R",
    "lstm.B",
    "decoder.conv1d.weight",
    "decoder.conv1d.bias",
)
_BLOCK = 4096  # frames per pass of the convolutions (about 2 minutes of audio, 20 MB of spectra)


class WeightsMismatch(RuntimeError):
    """faster-whisper is missing, or ships another VAD model than the one the weights were taken from."""


def onnx_path() -> Path:
    """faster-whisper's Silero model file (read only by scripts/vad_weights.py and the hash check)."""
    spec = find_spec("faster_whisper")
    if spec is None or spec.origin is None:
        raise WeightsMismatch("faster-whisper is not installed: run pip install --no-deps -r requirements-models.txt")
    return Path(spec.origin).parent / "assets" / "silero_vad_v6.onnx"


@cache
def _weights() -> dict[str, np.ndarray]:
    with np.load(WEIGHTS, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    source = onnx_path()
    if source.exists() and hashlib.sha256(source.read_bytes()).hexdigest() != str(arrays["source_sha256"]):
        raise WeightsMismatch(f"{source} changed: run python scripts/vad_weights.py and check transcription/tests")
    return arrays


def speech_probabilities(audio: np.ndarray) -> np.ndarray:
    """The probability of speech in each 32 ms frame of 16 kHz mono float32 audio (the last frame zero-padded)."""
    weights = _weights()
    count = len(audio) // FRAME + 1  # as faster-whisper frames it: a whole frame of padding when it divides
    padded = np.zeros(count * FRAME, dtype=np.float32)
    padded[: len(audio)] = audio
    frames = padded.reshape(count, FRAME)
    previous = np.zeros((count, CONTEXT), dtype=np.float32)
    previous[1:] = frames[:-1, -CONTEXT:]
    heard = np.concatenate([previous, frames], axis=1)
    features = np.concatenate([_encode(heard[i : i + _BLOCK], weights) for i in range(0, count, _BLOCK)])
    hidden = _lstm(features, weights["lstm.W"][0], weights["lstm.R"][0], weights["lstm.B"][0])
    logits = np.maximum(hidden, 0) @ weights["decoder.conv1d.weight"][0, :, 0] + weights["decoder.conv1d.bias"][0]
    return 1.0 / (1.0 + np.exp(-logits))


def _encode(heard: np.ndarray, weights: dict[str, np.ndarray]) -> np.ndarray:
    """(frames, 576) samples -> (frames, 128) features: magnitude spectrum, then four convolutions with ReLU."""
    basis = weights["encoder.feature_extractor.forward_basis_buffer"][:, 0, :]  # (258, 256): real and imaginary
    reflected = np.pad(heard, ((0, 0), (128, 128)), mode="reflect")
    windows = sliding_window_view(reflected, 256, axis=1)[:, 128::128]  # the model drops the first window
    spectrum = windows @ basis.T
    half = basis.shape[0] // 2
    values = np.sqrt(spectrum[..., :half] ** 2 + spectrum[..., half:] ** 2).transpose(0, 2, 1)
    for layer, stride in CONVOLUTIONS:
        name = f"encoder.conv_layers.{layer}"
        values = np.maximum(_convolve(values, weights[f"{name}.weight"], stride) + weights[f"{name}.bias"][:, None], 0)
    return values[:, :, 0]


def _convolve(values: np.ndarray, kernel: np.ndarray, stride: int) -> np.ndarray:
    """A 1-D convolution of (frames, channels, time) with a (out, in, 3) kernel, padded by one on each side."""
    padded = np.pad(values, ((0, 0), (0, 0), (1, 1)))
    width = (values.shape[2] - 1) // stride + 1
    taps = np.stack([padded[:, :, k : k + stride * (width - 1) + 1 : stride] for k in range(3)], axis=2)
    return np.einsum("nckt,ock->not", taps, kernel, optimize=True)


def _lstm(inputs: np.ndarray, w: np.ndarray, r: np.ndarray, b: np.ndarray) -> np.ndarray:
    """ONNX LSTM (gates in, out, forget, cell) over the frames in order, from zero state; each frame's output."""
    size = r.shape[1]
    driven = inputs @ w.T + b[: 4 * size] + b[4 * size :]
    recurrent = np.ascontiguousarray(r.T)
    h = np.zeros(size, dtype=np.float32)
    c = np.zeros(size, dtype=np.float32)
    out = np.empty((len(inputs), size), dtype=np.float32)
    for t, drive in enumerate(driven):
        gates = drive + h @ recurrent
        sigmoid = 1.0 / (1.0 + np.exp(-gates[: 3 * size]))
        c = sigmoid[2 * size :] * c + sigmoid[:size] * np.tanh(gates[3 * size :])
        h = out[t] = sigmoid[size : 2 * size] * np.tanh(c)
    return out


@dataclass(frozen=True)
class Settings:
    """How probabilities become regions; the defaults are faster-whisper's for batched decoding but `min_silence`.

    faster-whisper's batched path ends a region after 0.16 s of quiet; that cuts sentences at a breath, and the
    decoder then sees half a sentence at a joint. Measured with bench/transcription_bench.py (beam 5, WER after
    Whisper's English normaliser), 0.16 s against 0.5 s: the standard interview 0.145 against 0.125, its
    monologue 0.016 against 0.015; over four more 2-minute speeches, equal or better at 0.5 s in each. 0.3 and
    0.7 s gave 0.131 and 0.133 on the interview; 1 and 2 s were worse (0.144, 0.135, and 0.036 on the monologue).
    """

    threshold: float = 0.5  # speech starts at a frame this likely
    release: float = 0.35  # and ends once frames stay below this for `min_silence` seconds
    min_silence: float = 0.5
    pad: float = 0.4  # seconds kept on each side of a region
    longest: float = 30.0  # no region or chunk is longer (Whisper's window)


def find_speech(audio: np.ndarray, settings: Settings = Settings()) -> list[tuple[float, float]]:
    """The padded regions of speech in 16 kHz mono float32 audio (`speech_regions` of its probabilities)."""
    # One BLAS thread: the matrices are small, and OpenBLAS' second thread costs more than it gives (measured on
    # 5 minutes of audio, 2 cores: 0.8 s against 1.2 s), and spin-waits on a core the decoder may need.
    with threadpool_limits(1, user_api="blas"):
        return speech_regions(speech_probabilities(audio), len(audio) / SAMPLE_RATE, settings)


def speech_regions(
    probabilities: np.ndarray, duration: float, settings: Settings = Settings()
) -> list[tuple[float, float]]:
    """Padded (start, end) seconds of speech, in order, none overlapping, none longer than `settings.longest`."""
    pad = settings.pad / SECONDS_PER_FRAME
    limit = int((settings.longest - 2 * settings.pad) / SECONDS_PER_FRAME)
    pieces = [piece for run in _runs(probabilities, settings) for piece in _shorter_than(*run, limit, probabilities)]
    regions = []
    for index, (first, last) in enumerate(pieces):
        # Where two regions' pads would overlap, they meet halfway between the speech on either side.
        before = (pieces[index - 1][1] + first) / 2 if index else 0.0
        after = (last + pieces[index + 1][0]) / 2 if index + 1 < len(pieces) else float("inf")
        begin = max(first - pad, before, 0.0) * SECONDS_PER_FRAME
        regions.append((begin, min(min(last + pad, after) * SECONDS_PER_FRAME, duration)))
    return regions


def _runs(probabilities: np.ndarray, settings: Settings) -> Iterator[tuple[int, int]]:
    """(first, end) frames of each run of speech: from a frame above the threshold to a long enough quiet."""
    quiet_frames = settings.min_silence / SECONDS_PER_FRAME
    start: int | None = None
    quiet_since: int | None = None
    for index, probability in enumerate(probabilities.tolist()):
        if start is None:
            if probability >= settings.threshold:
                start, quiet_since = index, None
        elif probability >= settings.threshold:
            quiet_since = None
        elif probability < settings.release:
            quiet_since = index if quiet_since is None else quiet_since
            if index - quiet_since + 1 >= quiet_frames:
                yield start, quiet_since
                start = quiet_since = None
    if start is not None:
        yield start, quiet_since if quiet_since is not None else len(probabilities)


def _shorter_than(start: int, end: int, limit: int, probabilities: np.ndarray) -> Iterator[tuple[int, int]]:
    """A run cut into pieces of at most `limit` frames, each cut at the least likely frame of the piece's 2nd half."""
    while end - start > limit:
        low = start + limit // 2
        cut = low + int(np.argmin(probabilities[low : start + limit]))
        yield start, cut
        start = cut
    yield start, end


@dataclass(frozen=True)
class Spliced:
    """A recording's speech regions joined end to end, cut into chunks for the decoder, with the way back.

    Times the decoder gives on the spliced audio go back to the recording's clock with `original`.
    """

    audio: np.ndarray
    starts: np.ndarray  # each region's start in the spliced audio, seconds
    origins: np.ndarray  # and in the recording
    chunks: list[tuple[float, float]]  # (start, end) seconds of the spliced audio: whole regions, at most 30 s

    def original(self, seconds: float, *, end: bool = False) -> float:
        """A time on the spliced audio on the recording's clock; an `end` on a joint belongs to the region before."""
        index = self._region(seconds, end)
        return float(self.origins[index] + seconds - self.starts[index])

    def span(self, start: float, end: float) -> tuple[float, float]:
        """A word's (start, end) on the recording's clock, both in the region that holds its middle.

        Word timings near a joint are approximate; mapped one by one, a word's start could land before the pause
        the splice removed and its end after it, and the pause between two sentences would vanish.
        """
        index = self._region((start + end) / 2, False)
        after = self.starts[index + 1] if index + 1 < len(self.starts) else float("inf")
        offset = self.origins[index] - self.starts[index]
        return float(max(start, self.starts[index]) + offset), float(min(end, after) + offset)

    def _region(self, seconds: float, end: bool) -> int:
        index = int(np.searchsorted(self.starts, seconds, side="left" if end else "right")) - 1
        return min(max(index, 0), len(self.starts) - 1)


def splice(audio: np.ndarray, regions: list[tuple[float, float]], settings: Settings = Settings()) -> Spliced:
    """The regions' audio end to end (the pauses between them left out), in chunks of whole regions up to 30 s.

    Measured on bench/transcription_bench.py's standard speeches (beam 2, 2 cores): spliced speech gave WER 0.024 and
    0.161 where the same regions decoded as stretches of the recording, pauses included, gave 0.031 and 0.198.
    """
    bounds = [(round(start * SAMPLE_RATE), round(end * SAMPLE_RATE)) for start, end in regions]
    lengths = np.array([end - start for start, end in bounds], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) / SAMPLE_RATE if len(bounds) else np.zeros(0)
    pieces = [audio[start:end] for start, end in bounds]
    chunks: list[tuple[float, float]] = []
    for start, length in zip(starts.tolist(), (lengths / SAMPLE_RATE).tolist(), strict=True):
        if chunks and start + length - chunks[-1][0] <= settings.longest:
            chunks[-1] = (chunks[-1][0], start + length)
        else:
            chunks.append((start, start + length))
    spliced = np.concatenate(pieces) if pieces else np.zeros(0, dtype=audio.dtype)
    return Spliced(spliced, starts, np.array([start for start, _ in regions]), chunks)
