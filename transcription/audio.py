"""Streaming decode of a Track into windows of 16 kHz mono float32, cut at the quietest moment.

Only one window (plus the decoder's small buffers) is in memory at a time, so a worker's memory does not
grow with the recording's length. The stream comes from `Track.open()`; nothing decoded touches the disk.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass

import av
import numpy as np

from transcription.results import Track, UnreadableMedia

SAMPLE_RATE = 16_000
WINDOW_SECONDS = 300.0
# Cut a window at the quietest 100 ms within its last CUT_SEARCH_SECONDS, so a word is rarely split.
CUT_SEARCH_SECONDS = 20.0
_FRAME = SAMPLE_RATE // 10
_LIBC = ctypes.CDLL(ctypes.util.find_library("c")) if sys.platform == "linux" else None
_UNREADABLE = "The recording could not be decoded as audio. It may be damaged or in an unsupported format."


@dataclass(frozen=True)
class Window:
    offset: float  # seconds from the start of the track
    audio: np.ndarray  # 16 kHz mono float32

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE


def probe_duration(track: Track) -> float:
    """The track's duration in seconds from its container (0.0 when the container does not say)."""
    try:
        with closing(track.open()) as stream, av.open(stream, mode="r") as container:
            if not container.streams.audio:
                raise UnreadableMedia("The recording has no audio track.")
            if container.duration:
                return float(container.duration / av.time_base)
            audio = container.streams.audio[0]
            if audio.duration and audio.time_base:
                return float(audio.duration * audio.time_base)
            return 0.0
    except av.FFmpegError as error:
        raise UnreadableMedia(_UNREADABLE) from error


def channel_count(track: Track) -> int:
    """How many channels the track's first audio stream has."""
    try:
        with closing(track.open()) as stream, av.open(stream, mode="r") as container:
            if not container.streams.audio:
                raise UnreadableMedia("The recording has no audio track.")
            return int(container.streams.audio[0].codec_context.channels)
    except av.FFmpegError as error:
        raise UnreadableMedia(_UNREADABLE) from error


def _opening(track: Track, seconds: float) -> np.ndarray:
    wanted, pieces, have = int(seconds * SAMPLE_RATE), [], 0
    for piece in _pieces(track):
        pieces.append(piece)
        have += len(piece)
        if have >= wanted:
            break
    return np.concatenate(pieces)[:wanted] if pieces else np.zeros(0, dtype=np.float32)


def channels_differ(track: Track, *, seconds: float = 120.0, tolerance: float = 0.05) -> bool:
    """True when the file's channels carry different audio (one voice per channel, as a phone-call recorder
    writes it), judged on its first `seconds`; False for mono, and for stereo whose channels are copies of one mix.
    Compares each channel with the first: the energy of their difference against the energy of both."""
    count = channel_count(track)
    if count < 2:
        return False
    first = _opening(Track(open=track.open, channel=0), seconds)
    for channel in range(1, count):
        other = _opening(Track(open=track.open, channel=channel), seconds)
        length = min(len(first), len(other))
        a, b = first[:length], other[:length]
        energy = float(np.linalg.norm(a) + np.linalg.norm(b))
        if energy > 1e-6 and float(np.linalg.norm(a - b)) / energy > tolerance:
            return True
    return False


def _pieces(track: Track) -> Iterator[np.ndarray]:
    """Decoded 16 kHz float32 pieces of the track (one channel of it, or a downmix to mono)."""
    try:
        with closing(track.open()) as stream, av.open(stream, mode="r") as container:
            if not container.streams.audio:
                raise UnreadableMedia("The recording has no audio track.")
            source = container.streams.audio[0]
            channels = source.codec_context.channels
            if track.channel is not None and not 0 <= track.channel < channels:
                raise UnreadableMedia(
                    f"The recording has {channels} channel(s); channel {track.channel + 1} is missing."
                )
            # None keeps the source's layout so one channel can be picked; otherwise FFmpeg downmixes.
            layout = "mono" if track.channel is None else None
            resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
            for frame in container.decode(source):
                for out in resampler.resample(frame):
                    yield out.to_ndarray()[track.channel or 0].astype(np.float32, copy=False)
            for out in resampler.resample(None):
                yield out.to_ndarray()[track.channel or 0].astype(np.float32, copy=False)
    except av.FFmpegError as error:
        raise UnreadableMedia(_UNREADABLE) from error


def _release_free_memory() -> None:
    """Hand freed heap pages back to the OS between windows (glibc only; elsewhere a no-op).

    Windows of ~20 MB fall under glibc's adaptive mmap threshold, so without this the heap fragments and a
    worker's resident memory creeps up over a long recording.
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def quietest_cut(audio: np.ndarray, limit: int, search: int) -> int:
    """The sample index (≤ limit) at the centre of the quietest 100 ms frame in audio[limit - search:limit]."""
    start = max(0, limit - search)
    frames = (limit - start) // _FRAME
    if frames < 2:
        return limit
    region = audio[start : start + frames * _FRAME].reshape(frames, _FRAME)
    energy = np.mean(region.astype(np.float64) ** 2, axis=1)
    return int(start + int(np.argmin(energy)) * _FRAME + _FRAME // 2)


def iter_windows(track: Track, *, window_s: float = WINDOW_SECONDS) -> Generator[Window, None, None]:
    """Successive windows of the track, each at most window_s long, cut at a quiet moment."""
    limit, search = int(window_s * SAMPLE_RATE), int(min(CUT_SEARCH_SECONDS, window_s / 4) * SAMPLE_RATE)
    pending: list[np.ndarray] = []
    size = consumed = 0
    for piece in _pieces(track):
        pending.append(piece)
        size += len(piece)
        if size >= limit:
            buffer = np.concatenate(pending)
            cut = quietest_cut(buffer, limit, search)
            yield Window(offset=consumed / SAMPLE_RATE, audio=buffer[:cut])
            consumed += cut
            # A copy, so the finished window's buffer can be freed.
            pending = [buffer[cut:].copy()]
            size = len(pending[0])
            del buffer
            _release_free_memory()
    if size:
        yield Window(offset=consumed / SAMPLE_RATE, audio=np.concatenate(pending))
