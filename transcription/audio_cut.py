"""Cutting a recording at a moment: the audio before it, re-encoded into a new file (a partial withdrawal).

The source is decoded with PyAV (through the decrypting reader; only the demuxers uploads may use) and counted in
samples from the first one decoded: the clock of transcript segments and of distress marks. The part before the cut
is written to a private temporary file the caller encrypts into storage and deletes. Lossless sources, and sources
with more than two channels, become FLAC (nothing is lost twice); compressed speech becomes Opus in WebM, the format
browsers record, at 48 kHz (the rate Opus works at).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO, cast

import av
from av.audio.stream import AudioStream

from transcription.media import ALLOWED_DEMUXERS

LOSSLESS = frozenset({"flac", "alac", "wavpack", "tta", "ape", "mlp", "truehd"})
OPUS_RATE = 48_000
OPUS_BITS_PER_CHANNEL = 48_000
SAMPLE_FORMAT = "s16"  # packed 16-bit: both encoders take it, and a packed frame slices as one row


@dataclass(frozen=True)
class Encoding:
    codec: str
    container: str
    rate: int


def encoding_for(stream: AudioStream) -> Encoding:
    name = stream.codec_context.name
    if name in LOSSLESS or name.startswith("pcm_") or stream.channels > 2:
        return Encoding("flac", "flac", stream.rate)
    return Encoding("libopus", "webm", OPUS_RATE)


def cut_audio(source: io.RawIOBase | BinaryIO, *, seconds: float, target: Path) -> int:
    """Write the first `seconds` of the first audio stream of `source` to `target`; returns how many samples (per
    channel) were written, 0 when nothing comes before the cut."""
    with (
        av.open(source, mode="r", options={"format_whitelist": ALLOWED_DEMUXERS}) as container,
        av.open(str(target), mode="w", format=encoding_for(container.streams.audio[0]).container) as out,
    ):
        stream = container.streams.audio[0]
        encoding = encoding_for(stream)
        layout = stream.layout.name
        encoder = cast(AudioStream, out.add_stream(encoding.codec, rate=encoding.rate, layout=layout))
        if encoding.codec == "libopus":
            encoder.bit_rate = OPUS_BITS_PER_CHANNEL * stream.channels
        resampler = av.AudioResampler(format=SAMPLE_FORMAT, layout=layout, rate=encoding.rate)
        writer = _Writer(out, encoder, limit=round(seconds * encoding.rate), layout=layout, rate=encoding.rate)
        for frame in container.decode(stream):
            writer.write(resampler.resample(frame))
            if writer.full:
                break
        if not writer.full:
            writer.write(resampler.resample(None))
        for packet in encoder.encode(None):
            out.mux(packet)
    return writer.written


class _Writer:
    """Encodes frames until `limit` samples are written, trimming the frame that crosses it."""

    def __init__(self, out: av.container.OutputContainer, encoder: AudioStream, *, limit: int, layout: str, rate: int):
        self.out, self.encoder, self.limit, self.layout, self.rate = out, encoder, limit, layout, rate
        self.written = 0

    @property
    def full(self) -> bool:
        return self.written >= self.limit

    def write(self, frames: Iterable[av.AudioFrame]) -> None:
        for frame in frames:
            if self.full:
                return
            count = min(frame.samples, self.limit - self.written)
            if count < frame.samples:
                channels = len(frame.layout.channels)
                frame = av.AudioFrame.from_ndarray(
                    frame.to_ndarray()[:, : count * channels], format=SAMPLE_FORMAT, layout=self.layout
                )
                frame.sample_rate = self.rate
            frame.pts, frame.time_base = self.written, Fraction(1, self.rate)
            for packet in self.encoder.encode(frame):
                self.out.mux(packet)
            self.written += count
