"""The whole transcript's language: one rule for every path that transcribes (worker, voice answers, command).

The language with the most speech time wins (summed over all tracks), a tie goes to the language Whisper was more
sure of on average. Evidence is what Whisper's detector heard, never the recording's hint: the hint only steers
the decoding of chunks the detector was unsure of, so counting hint-decoded text as the hint's language would give
one file two languages, one per hint (issue #22: `en` from the command, `de` from the worker). The hint names the
language only where there is speech and no detection at all. Where nothing survives as speech (silence, a tone, or
only text flagged as a likely hallucination), there is no language: NO_SPEECH, never a guess from the hint.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from transcription.results import FLAG_POSSIBLE_HALLUCINATION, Segment

NO_SPEECH = ""  # the language of a transcript in which no speech was heard
# Segments of no length still count a little, so a language heard only in them is not lost.
MIN_SECONDS = 0.01


@dataclass(frozen=True)
class Heard:
    """One segment's evidence: the language the detector heard ("" when none ran), the language its text was decoded
    in, its length in seconds and the detector's probability."""

    language: str
    decoded_in: str
    seconds: float
    probability: float


def heard_in(segment: Segment, *, heard: str, probability: float) -> Heard | None:
    """The segment's evidence, or None when the guards judged it a likely hallucination (not speech)."""
    if FLAG_POSSIBLE_HALLUCINATION in segment.flags:
        return None
    return Heard(heard, segment.language, segment.end - segment.start, probability)


def whole_transcript_language(evidence: Sequence[Heard], hint: str | None) -> tuple[str, float]:
    """The transcript's language and Whisper's mean confidence in it (time-weighted); (NO_SPEECH, 0.0) without speech.

    Without any detection the hint names it (confidence 0.0); without a hint too, the language the text was decoded
    in does.
    """
    if not evidence:
        return NO_SPEECH, 0.0
    detected = [(item.language, item.seconds, item.probability) for item in evidence if item.language]
    if detected:
        return _longest(detected)
    if hint:
        return hint, 0.0
    return _longest([(item.decoded_in, item.seconds, item.probability) for item in evidence])


def _longest(spoken: list[tuple[str, float, float]]) -> tuple[str, float]:
    seconds: dict[str, float] = defaultdict(float)
    weighted: dict[str, float] = defaultdict(float)
    for language, duration, probability in spoken:
        seconds[language] += max(duration, MIN_SECONDS)
        weighted[language] += max(duration, MIN_SECONDS) * probability

    def mean(code: str) -> float:
        return weighted[code] / seconds[code]

    # Milliseconds: sums of float seconds that should tie (1.2 + 0.3 and 1.5) differ in their last bits.
    language = max(seconds, key=lambda code: (round(seconds[code], 3), mean(code)))
    return language, round(mean(language), 3)
