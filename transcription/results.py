"""The contract between the transcription pipeline (pipeline.py) and the job layer (services.py, tasks.py).

Plain, immutable data: no Django models, so the pipeline runs from the command line, the benchmark and the
Celery worker alike. Times are seconds from the start of the recording.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

# Why a segment needs a person's eye; the review editor walks segments with any flag.
FLAG_LOW_CONFIDENCE = "low_confidence"
FLAG_POSSIBLE_HALLUCINATION = "possible_hallucination"
FLAG_REPETITION_LOOP = "repetition_loop"
FLAG_LANGUAGE_SWITCH = "language_switch"


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    probability: float
    # Who said it: the track's speaker, or in a mono mix the voice heard over this word (speakers.py). Words
    # stored before words had speakers have none; "" means "the segment's speaker".
    speaker: str = ""


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    speaker: str
    language: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    words: tuple[Word, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Track:
    """One source of audio: a whole file, one channel of a file, or one speaker's own track.

    `open` returns a fresh, seekable binary stream each time it is called (a decrypting reader in the worker,
    a plain file on the command line), so the pipeline can make more than one pass without plaintext on disk.
    `speaker` is None for a mono mix whose speakers are to be found by clustering.
    """

    open: Callable[[], BinaryIO]
    speaker: str | None = None
    channel: int | None = None


@dataclass(frozen=True)
class TranscriptionRequest:
    tracks: tuple[Track, ...]
    language_hint: str | None = None
    expected_speakers: int = 2
    speaker_labels: tuple[str, ...] = ()  # names for clustered speakers, in order of first appearance
    translate_to_english: bool = False


@dataclass
class TranscriptionResult:
    segments: list[Segment]
    language: str  # the spoken language with the most speech time (ISO 639-1); "" when no speech was heard
    language_probability: float
    duration: float
    engine: str  # for example "faster-whisper 1.2.1"
    model: str  # the model name or path that produced it
    settings: dict[str, object] = field(default_factory=dict)
    translation: list[Segment] | None = None  # an English layer, only when asked for; never replaces the original
    # False for silence, a tone or noise: nothing survived as speech, so the language is "" (spoken_language.py).
    has_speech: bool = True


# (processed seconds, total seconds); called as segments arrive; the caller throttles its writes.
ProgressCallback = Callable[[float, float], None]
# Returns False when the work should stop (job cancelled, participant withdrew).
ContinueCallback = Callable[[], bool]


class TranscriptionCancelled(Exception):
    """The pipeline stopped because its ContinueCallback said so."""


class UnreadableMedia(Exception):
    """Permanent: the media cannot be decoded. The message is safe to show to the research team."""
