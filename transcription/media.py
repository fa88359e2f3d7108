"""Checking an uploaded file by decoding it with PyAV: never by its name or declared type.

Only the demuxers of the formats the platform accepts are allowed: playlist and concatenation demuxers
(hls, concat) can make FFmpeg open other files or URLs, which a hostile upload must never trigger.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import av
from django.utils.translation import gettext as _

# wav, mp3, m4a/mp4/aac-in-mp4, ogg/opus, webm/mkv, flac, raw aac.
ALLOWED_DEMUXERS = "wav,mp3,mov,mp4,m4a,3gp,3g2,mj2,ogg,matroska,webm,flac,aac"
# A decoded stream this much shorter than its header says is a truncated file.
TRUNCATION_TOLERANCE_SECONDS = 1.0
TRUNCATION_TOLERANCE_RATIO = 0.02

# Content types for playback, by demuxer name (video containers play as audio in an <audio> element).
CONTENT_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "mov,mp4,m4a,3gp,3g2,mj2": "audio/mp4",
    "ogg": "audio/ogg",
    "matroska,webm": "audio/webm",
    "flac": "audio/flac",
    "aac": "audio/aac",
}


class MediaRefused(Exception):
    """Permanent: the file is not acceptable media. The message is safe to show to the person uploading."""


@dataclass(frozen=True)
class MediaInfo:
    duration: float
    channels: int
    sample_rate: int
    codec: str
    container: str


def content_type_for(container: str) -> str:
    return CONTENT_TYPES.get(container, "audio/mpeg")


def probe_media(path: Path) -> MediaInfo:
    """Decode the whole first audio stream of `path` and describe it, or raise MediaRefused."""
    size = path.stat().st_size
    if size == 0:
        raise MediaRefused(_("The file is empty."))
    _check_riff_size(path, size)
    try:
        with (
            path.open("rb") as handle,
            av.open(handle, mode="r", options={"format_whitelist": ALLOWED_DEMUXERS}) as container,
        ):
            if not container.streams.audio:
                raise MediaRefused(_("The file has no audio track."))
            stream = container.streams.audio[0]
            decoded = sum(frame.samples for frame in container.decode(stream))
            declared = container.duration / av.time_base if container.duration else None
            info = MediaInfo(
                duration=decoded / stream.rate if stream.rate else 0.0,
                channels=stream.channels,
                sample_rate=stream.rate,
                codec=stream.codec_context.name,
                container=container.format.name,
            )
    except (av.FFmpegError, UnicodeDecodeError) as error:
        raise MediaRefused(_("The file could not be decoded as audio or video; it may be damaged.")) from error
    if info.duration <= 0:
        raise MediaRefused(_("The file holds no audio."))
    if declared and info.duration < declared - max(TRUNCATION_TOLERANCE_SECONDS, declared * TRUNCATION_TOLERANCE_RATIO):
        raise MediaRefused(_("The file is incomplete: it ends before the length its header announces."))
    return info


def _check_riff_size(path: Path, size: int) -> None:
    """WAV files announce their size in their first bytes; FFmpeg quietly plays what is there, we refuse."""
    with path.open("rb") as handle:
        head = handle.read(12)
    if len(head) == 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        (riff_size,) = struct.unpack("<I", head[4:8])
        if riff_size not in (0, 0xFFFFFFFF) and riff_size + 8 > size:
            raise MediaRefused(_("The file is incomplete: it ends before the length its header announces."))
