"""Hallucination guards on decoded text: thresholds, known phantom phrases and repeated-phrase loops.

Whisper, given silence, noise or a hard passage, can invent fluent text or get stuck repeating a phrase.
These checks only flag; the pipeline decides what to decode again, and nothing is dropped silently.
"""

from __future__ import annotations

import re
import unicodedata

from transcription.results import FLAG_LOW_CONFIDENCE, FLAG_POSSIBLE_HALLUCINATION, FLAG_REPETITION_LOOP

COMPRESSION_RATIO_THRESHOLD = 2.4
LOG_PROB_THRESHOLD = -1.0
NO_SPEECH_THRESHOLD = 0.6
# Longest phrase (in words) whose back-to-back repetition we look for, and how many repeats make a loop.
MAX_PHRASE_WORDS = 8
LOOP_REPEATS_SINGLE_WORD = 6  # "no, no, no" is speech; six times in a row is a decoder stuck on a token
LOOP_REPEATS_PHRASE = 4
# Phrases Whisper is known to produce on silence or music, learned from subtitled video.
_PHANTOM_PHRASES = (
    "thanks for watching",
    "thank you for watching",
    "please subscribe",
    "subtitles by the amara.org community",
    "subtítulos realizados por la comunidad de amara.org",
    "untertitel im auftrag des zdf",
    "sous-titres réalisés par la communauté d'amara.org",
)
_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
# For scripts written without spaces: a run of 2-20 characters repeated back to back, eight times or more.
_CHAR_LOOP = re.compile(r"(\w{2,20}?)\1{7,}")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def words_of(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def _repeats_at(words: list[str], start: int, size: int) -> int:
    phrase, count = words[start : start + size], 1
    position = start + size
    while words[position : position + size] == phrase:
        count += 1
        position += size
    return count


def has_repetition_loop(text: str) -> bool:
    """True when some phrase of 1-8 words repeats back to back often enough to be a decoding loop."""
    words = words_of(text)
    for size in range(1, MAX_PHRASE_WORDS + 1):
        needed = LOOP_REPEATS_SINGLE_WORD if size == 1 else LOOP_REPEATS_PHRASE
        if len(words) < size * needed:
            break
        if any(_repeats_at(words, start, size) >= needed for start in range(len(words) - size * needed + 1)):
            return True
    return bool(_CHAR_LOOP.search(normalise(text).replace(" ", "")))


def is_phantom_phrase(text: str) -> bool:
    cleaned = normalise(text).strip(" .!¡¿?")
    return any(cleaned == phrase or cleaned.startswith(phrase) for phrase in _PHANTOM_PHRASES)


def segment_flags(*, text: str, avg_logprob: float, no_speech_prob: float, compression_ratio: float) -> tuple[str, ...]:
    """Why a decoded segment needs a person's eye (empty when it looks sound)."""
    flags: list[str] = []
    if avg_logprob < LOG_PROB_THRESHOLD:
        flags.append(FLAG_LOW_CONFIDENCE)
    silent = no_speech_prob > NO_SPEECH_THRESHOLD and avg_logprob < LOG_PROB_THRESHOLD
    if silent or compression_ratio > COMPRESSION_RATIO_THRESHOLD or is_phantom_phrase(text):
        flags.append(FLAG_POSSIBLE_HALLUCINATION)
    if has_repetition_loop(text):
        flags.append(FLAG_REPETITION_LOOP)
    return tuple(flags)
