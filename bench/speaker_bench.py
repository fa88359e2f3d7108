"""Speaker benchmark: word-level speaker accuracy of the real pipeline on synthesized conversations.

    .venv/bin/python bench/speaker_bench.py [--sizes 2 3 4] [--conversations 2] [--seconds 45]

For each conversation size (two, three, four voices) it synthesizes conversations with espeak-ng (fixed seeds,
so the figures reproduce): people take turns with sentences, short replies and backchannels ("mm-hmm", "yes",
"right") said into the other person's pauses, with pauses between turns, now and then a short overlap (the
next speaker's start mixed into the previous speaker's end) and a little Gaussian noise over everything. Each
mono mix goes through `transcription.pipeline.transcribe` with the bundled model and `expected_speakers` set to
the number of voices, as a research team would set it.

Scoring. Every spoken utterance is a reference (speaker, words, start, end), its times measured on the audio
(first and last sample above a small level). The hypothesis is every word of every segment, in time order, with
its speaker (`Word.speaker`; the segment's speaker where a word has none, as before words carried one).
Alignment: the folded texts (case and punctuation dropped, "mm-hmm" is two tokens) of the reference words, in
order of their utterance's start, and the hypothesis words are aligned with difflib's SequenceMatcher; a pair
counts only when the hypothesis word's midpoint also lies within its utterance's time span (0.3 s slack), so a
repeated word is never matched to the wrong utterance. Inside a replaced run of equal length on both sides
(a misheard word: "mm-hm" for "mm-hmm"), words pair by position under the same time rule. Accuracy is the share
of aligned words whose speaker is right under the best one-to-one mapping of hypothesis labels to true speakers
(Hungarian assignment on the counts); "recall" is the share of reference words aligned at all; "backchannels"
is the accuracy on the words of backchannel utterances alone. Real-time factor = audio seconds per wall second
of the transcribe call, and audio seconds per CPU second of this process (all threads; steadier than wall time when
other work shares the machine). The model and the voice encoder are loaded before the clock starts.
"""

from __future__ import annotations

import argparse
import difflib
import os
import random
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RATE = 16_000
# (espeak-ng voice, variant, pitch, words a minute): four voices a listener tells apart.
VOICES = (("en", "+m3", 30, 150), ("en", "+f4", 80, 160), ("en-us", "+m7", 55, 140), ("en-us", "+f2", 65, 170))
SENTENCES = (
    "I started using the chatbot when I could not sleep at night.",
    "It was easier to write down what I felt than to say it out loud.",
    "My sister told me to talk to a counsellor instead.",
    "At first I thought it would just repeat what I had said.",
    "We talked about it at dinner with the whole family.",
    "The waiting list for the clinic was more than six months long.",
    "Sometimes it gave me advice that did not fit my culture at all.",
    "I used it mostly on the bus on my way to work.",
    "The hardest part was explaining why I felt so tired all the time.",
    "Our team meets every Thursday to plan the next week.",
    "I would never tell my parents about any of this.",
    "It helped me find words for things I had never named before.",
    "The project budget has to be ready before the end of the month.",
    "He moved to the city after he finished his training.",
    "Can you tell me a little more about that?",
    "How did you feel after those conversations?",
    "What made you decide to try it in the first place?",
    "Did anyone else in your family know about it?",
)
REPLIES = (
    "Yes, I think so.",
    "Not really.",
    "Neither did I.",
    "That is a good question.",
    "I am not sure.",
    "Exactly, that was it.",
    "No, never.",
    "Hello.",
)
BACKCHANNELS = ("Mm-hmm.", "Yes.", "Right.", "Okay.", "Yeah.")


@dataclass(frozen=True)
class Utterance:
    speaker: int
    text: str
    start: float
    end: float
    backchannel: bool = False


@dataclass(frozen=True)
class Conversation:
    audio: np.ndarray
    utterances: tuple[Utterance, ...]

    @property
    def seconds(self) -> float:
        return len(self.audio) / RATE


def _speak(text: str, speaker: int) -> np.ndarray:
    from transcription.tests import speech

    voice, variant, pitch, speed = VOICES[speaker]
    audio = speech.synthesize(text, voice=voice, variant=variant, pitch=pitch, speed=speed)
    loud = np.flatnonzero(np.abs(audio) > 0.01)  # espeak-ng pads with silence: keep the speech itself
    return audio[loud[0] : loud[-1] + 1] if len(loud) else audio


def _plan(voices: int, seconds: float, rng: random.Random) -> list[tuple[int, str, bool]]:
    """(speaker, text, backchannel) in speaking order; a backchannel sits inside the current speaker's turn."""
    plan: list[tuple[int, str, bool]] = []
    current, spoken_words = 0, 0.0
    while spoken_words / 3.3 < seconds:  # with the pauses, about 3.3 words a second
        others = [v for v in range(voices) if v != current]
        roll = rng.random()
        if plan and roll < 0.2:  # a backchannel, then the current speaker goes on
            plan.append((rng.choice(others), rng.choice(BACKCHANNELS), True))
            text = rng.choice(SENTENCES)
        elif plan and roll < 0.45:  # a short reply from someone else, who now holds the floor
            current = rng.choice(others)
            text = rng.choice(REPLIES)
        else:
            current = rng.choice(others) if plan else 0
            text = " ".join(rng.sample(SENTENCES, rng.choice((1, 1, 2))))
        plan.append((current, text, False))
        spoken_words += len(text.split()) + 1
    return plan


def synthesize(voices: int, seconds: float, seed: int) -> Conversation:
    """A conversation of about `seconds` between `voices` voices, with pauses, overlaps and a little noise."""
    rng = random.Random(seed)
    placed: list[tuple[int, np.ndarray, str, bool]] = []
    utterances: list[Utterance] = []
    cursor = 0.5
    for speaker, text, backchannel in _plan(voices, seconds, rng):
        audio = _speak(text, speaker)
        previous = utterances[-1] if utterances else None
        overlap = previous is not None and previous.speaker != speaker and not (backchannel or previous.backchannel)
        # Now and then the next person starts before the last one ends; else a pause.
        start = cursor - rng.uniform(0.1, 0.3) if overlap and rng.random() < 0.3 else cursor + rng.uniform(0.15, 0.6)
        placed.append((int(start * RATE), audio, text, backchannel))
        utterances.append(Utterance(speaker, text, round(start, 3), round(start + len(audio) / RATE, 3), backchannel))
        cursor = start + len(audio) / RATE
    mix = np.zeros(int((cursor + 0.8) * RATE), dtype=np.float32)
    for offset, audio, _, _ in placed:
        mix[offset : offset + len(audio)] += audio
    mix += np.random.default_rng(seed).standard_normal(len(mix)).astype(np.float32) * 0.004
    return Conversation(np.clip(mix, -1.0, 1.0), tuple(utterances))


def fold(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.casefold()).split()


def _fits(utterance: Utterance, start: float, end: float) -> bool:
    middle = (start + end) / 2
    return utterance.start - 0.3 <= middle <= utterance.end + 0.3


def align(utterances: tuple[Utterance, ...], words: list[tuple[float, float, str, str]]) -> list[tuple[int, int]]:
    """(reference index, hypothesis index) pairs; see the module docstring for the rules."""
    reference = [(u, token) for u in sorted(utterances, key=lambda u: u.start) for token in fold(u.text)]
    hypothesis: list[tuple[int, str]] = [(i, token) for i, word in enumerate(words) for token in fold(word[2])]
    matcher = difflib.SequenceMatcher(None, [t for _, t in reference], [t for _, t in hypothesis], autojunk=False)
    pairs: list[tuple[int, int]] = []
    for tag, r0, r1, h0, h1 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and r1 - r0 == h1 - h0):
            for r, h in zip(range(r0, r1), range(h0, h1), strict=True):
                word = words[hypothesis[h][0]]
                if _fits(reference[r][0], word[0], word[1]):
                    pairs.append((r, hypothesis[h][0]))
    return pairs


def score(conversation: Conversation, words: list[tuple[float, float, str, str]]) -> dict[str, float]:
    from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

    reference = [u for u in sorted(conversation.utterances, key=lambda u: u.start) for _ in fold(u.text)]
    pairs = align(conversation.utterances, words)
    labels = sorted({words[h][3] for _, h in pairs})
    counts = np.zeros((len(labels), len(VOICES)), dtype=int)
    for r, h in pairs:
        counts[labels.index(words[h][3]), reference[r].speaker] += 1
    rows, columns = linear_sum_assignment(-counts)
    mapping = {labels[row]: int(column) for row, column in zip(rows, columns, strict=True)}
    right = [mapping.get(words[h][3]) == reference[r].speaker for r, h in pairs]
    backchannel = [ok for (r, _), ok in zip(pairs, right, strict=True) if reference[r].backchannel]
    return {
        "accuracy": sum(right) / max(1, len(right)),
        "recall": len(pairs) / max(1, len(reference)),
        "backchannel_right": float(sum(backchannel)),
        "backchannel_words": float(len(backchannel)),
        "words": float(len(pairs)),
    }


def _hypothesis(result: object) -> list[tuple[float, float, str, str]]:
    words = [
        (word.start, word.end, word.text, getattr(word, "speaker", "") or segment.speaker)
        for segment in result.segments  # type: ignore[attr-defined]
        for word in segment.words
    ]
    return sorted(words)


def _setup() -> Callable[[np.ndarray, int], tuple[object, float, float]]:
    """Django, the model and the voice encoder loaded and warm; returns transcribe(audio, voices) -> (result,
    wall seconds, CPU seconds)."""
    import logging

    import django

    logging.getLogger("faster_whisper").setLevel(logging.WARNING)  # its per-file lines would bury the figures
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    django.setup()
    from transcription.engine import get_engine
    from transcription.pipeline import transcribe
    from transcription.results import TranscriptionRequest
    from transcription.tests import speech

    def timed(audio: np.ndarray, voices: int) -> tuple[object, float, float]:
        request = TranscriptionRequest(tracks=(speech.track(speech.wav_bytes(audio)),), expected_speakers=voices)
        started, cpu_started = time.perf_counter(), time.process_time()
        result = transcribe(request)
        return result, time.perf_counter() - started, time.process_time() - cpu_started

    get_engine()
    timed(synthesize(2, 8, seed=999).audio, 2)  # loads the voice encoder and warms the decoder
    return timed


def run(sizes: list[int], conversations: int, seconds: float) -> None:
    timed = _setup()
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"{os.cpu_count()} CPUs; {_load()}")
    for size in sizes:
        totals: dict[str, float] = dict.fromkeys(("words", "right", "back", "back_right", "audio", "wall", "cpu"), 0.0)
        for number in range(conversations):
            conversation = synthesize(size, seconds, seed=1000 * size + number)
            result, wall, cpu = timed(conversation.audio, size)
            found = score(conversation, _hypothesis(result))
            print(
                f"  {size} voices #{number + 1}: {conversation.seconds:5.1f} s, {len(conversation.utterances)} "
                f"utterances, {found['words']:.0f} words aligned (recall {found['recall']:.2f}), "
                f"accuracy {found['accuracy']:.3f}, backchannel words "
                f"{found['backchannel_right']:.0f}/{found['backchannel_words']:.0f}, "
                f"{conversation.seconds / wall:.1f}x real time ({conversation.seconds / cpu:.1f}x per CPU-second)"
            )
            for key, value in zip(
                totals,
                (
                    found["words"],
                    found["accuracy"] * found["words"],
                    found["backchannel_words"],
                    found["backchannel_right"],
                    conversation.seconds,
                    wall,
                    cpu,
                ),
                strict=True,
            ):
                totals[key] += value
        print(
            f"{size} voices: word-level speaker accuracy {totals['right'] / max(1, totals['words']):.3f} "
            f"({totals['words']:.0f} words), backchannel words {totals['back_right']:.0f}/{totals['back']:.0f}, "
            f"{totals['audio'] / totals['wall']:.1f}x real time ({totals['audio'] / totals['cpu']:.1f}x per "
            f"CPU-second); {_load()}"
        )


def _load() -> str:
    """Other work on the machine skews wall-clock figures; the load average says how much there was."""
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 3, 4], choices=(2, 3, 4))
    parser.add_argument("--conversations", type=int, default=2, help="conversations per size (fixed seeds)")
    parser.add_argument("--seconds", type=float, default=45.0, help="about how long each conversation lasts")
    arguments = parser.parse_args()
    run(arguments.sizes, arguments.conversations, arguments.seconds)


if __name__ == "__main__":
    main()
