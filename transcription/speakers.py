"""Speakers per word in a mono mix: who said each word, from voice evidence placed by the word timings.

Whisper cuts its segments at sentences, not at turns, so a "Neither did I." or a "mm-hmm" from the other person
can sit inside one segment. The voice is therefore judged per word: short windows over the speech are embedded
(diarization.embed_windows), clustered into the expected voices (diarization.voice_centroids), and each word
scores each voice by the windows that overlap it. A Viterbi pass then smooths the choice: changing speaker
between two words costs nothing across a pause (where turns change, and where a backchannel sits) and much
inside running speech. Segments are split where the speaker changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from transcription import diarization
from transcription.diarization import VoiceWindows
from transcription.results import Segment, Word

# Cost of a speaker change between two words, in units of cosine similarity: across a pause of at least
# TURN_PAUSE seconds (free: there the voice alone decides, which keeps a "yes" with whoever said it), and within
# running speech. Tuned on bench/speaker_bench.py's conversations (15 of them): 0.05 at a pause got 19 of 31
# backchannel words right instead of 27; 0.1 or 0.5 in speech did no better than 0.25.
TURN_PAUSE = 0.15
SWITCH_AT_PAUSE = 0.0
SWITCH_IN_SPEECH = 0.25


@dataclass(frozen=True)
class _Unit:
    """What gets a speaker: a word, or a whole segment that has no words."""

    segment: int
    word: int | None
    start: float
    end: float


def assign_speakers(
    segments: Sequence[Segment], voices: VoiceWindows, *, speakers: int, names: Sequence[str]
) -> list[Segment]:
    """The segments with a speaker on every word, split where the speaker changes, named in order of first
    appearance (`names`, then SPEAKER_n). With one expected voice, or too little evidence, everyone is the first."""
    units = sorted(_units(segments), key=lambda unit: (unit.start, unit.end))
    if speakers < 2 or len(voices.embeddings) < 2 or not units:
        choice = [0] * len(units)
    else:
        centroids = diarization.voice_centroids(voices.embeddings, speakers)
        scores = _unit_scores(units, voices, centroids)
        choice = _smooth(scores, units)
    numbers = _in_order_of_appearance(choice)
    labels: dict[tuple[int, int | None], str] = {
        (unit.segment, unit.word): diarization.label_for(number, names)
        for unit, number in zip(units, numbers, strict=True)
    }
    result: list[Segment] = []
    for index, segment in enumerate(segments):
        if not segment.words:
            result.append(replace(segment, speaker=labels[(index, None)]))
            continue
        words = tuple(replace(word, speaker=labels[(index, number)]) for number, word in enumerate(segment.words))
        result += split_at_speaker_changes(replace(segment, words=words))
    return result


def _units(segments: Sequence[Segment]) -> list[_Unit]:
    units: list[_Unit] = []
    for index, segment in enumerate(segments):
        if segment.words:
            units += [_Unit(index, number, w.start, w.end) for number, w in enumerate(segment.words)]
        else:
            units.append(_Unit(index, None, segment.start, segment.end))
    return units


def _unit_scores(units: Sequence[_Unit], voices: VoiceWindows, centroids: np.ndarray) -> np.ndarray:
    """Units x voices: each unit's cosine similarity to each voice, averaged over the windows that overlap it,
    weighted by the overlap; a unit no window overlaps takes the nearest window's."""
    similarity = voices.embeddings @ centroids.T
    order = np.argsort(voices.starts)
    starts, similarity = voices.starts[order], similarity[order]
    middles = starts + diarization.WINDOW_SECONDS / 2
    scores = np.empty((len(units), len(centroids)), dtype=np.float32)
    for row, unit in enumerate(units):
        first, last = np.searchsorted(starts, [unit.start - diarization.WINDOW_SECONDS, unit.end])
        overlap = np.minimum(starts[first:last] + diarization.WINDOW_SECONDS, unit.end) - np.maximum(
            starts[first:last], unit.start
        )
        overlap = np.maximum(overlap, 0.0)
        if overlap.sum() > 0:
            scores[row] = overlap @ similarity[first:last] / overlap.sum()
        else:
            scores[row] = similarity[int(np.argmin(np.abs(middles - (unit.start + unit.end) / 2)))]
    return scores


def _smooth(scores: np.ndarray, units: Sequence[_Unit]) -> list[int]:
    """The most likely voice per unit (Viterbi): each unit's score, less a cost per change of voice that is
    low across a pause and high inside running speech."""
    total = scores[0].astype(np.float64)
    back = np.zeros(scores.shape, dtype=np.int64)
    for row in range(1, len(units)):
        gap = units[row].start - units[row - 1].end
        cost = SWITCH_AT_PAUSE if gap >= TURN_PAUSE else SWITCH_IN_SPEECH
        stay_or_switch = total[:, None] - cost * (1.0 - np.eye(len(total)))  # from (rows) to (columns)
        back[row] = np.argmax(stay_or_switch, axis=0)
        total = stay_or_switch[back[row], np.arange(len(total))] + scores[row]
    path = [int(np.argmax(total))]
    for row in range(len(units) - 1, 0, -1):
        path.append(int(back[row, path[-1]]))
    return path[::-1]


def _in_order_of_appearance(choice: Sequence[int]) -> list[int]:
    renumber: dict[int, int] = {}
    return [renumber.setdefault(voice, len(renumber)) for voice in choice]


def spoken_by(segment: Segment, speaker: str) -> Segment:
    """The segment with `speaker` on it and on each of its words (an English translation of that speech)."""
    return replace(segment, speaker=speaker, words=tuple(replace(word, speaker=speaker) for word in segment.words))


def split_at_speaker_changes(segment: Segment) -> list[Segment]:
    """The segment cut where its words' speaker changes; each piece keeps the segment's language, scores and
    flags (Whisper computes those per chunk), and its text is cut from the segment's own (spacing kept)."""
    runs: list[list[Word]] = []
    for word in segment.words:
        if not runs or runs[-1][-1].speaker != word.speaker:
            runs.append([])
        runs[-1].append(word)
    if len(runs) < 2:
        return [replace(segment, speaker=segment.words[0].speaker)] if segment.words else [segment]
    texts = _cut_text(segment.text, runs)
    return [
        replace(
            segment,
            start=segment.start if number == 0 else run[0].start,
            end=segment.end if number == len(runs) - 1 else run[-1].end,
            text=text,
            speaker=run[0].speaker,
            words=tuple(run),
        )
        for number, (run, text) in enumerate(zip(runs, texts, strict=True))
    ]


def _cut_text(text: str, runs: Sequence[Sequence[Word]]) -> list[str]:
    """The segment's text cut before the first word of each run, the words found in order in the text; where
    the words do not spell the text (a loop decoded again), each run's words joined by spaces."""
    cuts: list[int] = []
    cursor = 0
    for run in runs:
        for number, word in enumerate(run):
            found = text.find(word.text, cursor)
            if found < 0:
                return [" ".join(w.text for w in run) for run in runs]
            if number == 0:
                cuts.append(found if cuts else 0)
            cursor = found + len(word.text)
    return [text[a:b].strip() for a, b in zip(cuts, [*cuts[1:], len(text)], strict=True)]
