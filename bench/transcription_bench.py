"""Transcription benchmark: the real pipeline on ≥10 minutes of espeak-ng speech, against plain faster-whisper.

    .venv/bin/python bench/transcription_bench.py speed [--minutes 10] [--rounds 3] [--speech both] [--seeds 1]
        [--set K=V ...] [--save DIR]
    .venv/bin/python bench/transcription_bench.py memory [--long-minutes 120]

`speed` prints audio-seconds per wall-second, word error rate (jiwer, after Whisper's English text normaliser;
"folded only": case and punctuation alone) and peak memory for (a) transcription.pipeline.transcribe and (b) one
plain sequential WhisperModel.transcribe call with faster-whisper's defaults, on the same audio and the same
model, in alternating rounds (pipeline, plain, pipeline, plain, ...), and the medians with the load average:
timings on a shared machine drift, the ratios of neighbouring runs much less. Two speeches: `monologue` (one
voice, sentences 0.5 s apart) and `interview` (two voices taking turns, short answers, pauses of 0.3 to 2 s, a
little noise mixed in). `--set WHISPER_BEAM_SIZE=1` (any environment setting, repeatable) changes the pipeline's
settings, to measure what costs time or accuracy.
`memory` compares the pipeline's peak memory on a 10-minute and a long (default 2-hour) recording.
Each measurement runs in its own subprocess, so peak RSS (ru_maxrss) belongs to that measurement alone.
The speech is synthesized here (a fixed seed), so the reference text is known exactly. One synthetic speech is a
narrow sample (its sentences repeat, so one misheard phrase counts many times): `--seeds 3` draws three speeches of
each kind, alternates pipeline and plain on each, and scores each side's word error rate over all their words.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import BinaryIO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SUBJECTS = ["my mother", "the nurse", "our neighbour", "my brother", "the teacher", "a friend of mine", "the manager"]
VERBS = ["always said", "told me", "believed", "explained", "never thought", "wrote to me", "noticed"]
CLAUSES = [
    "that the village school would close before the winter",
    "that working at night was harder than anyone expected",
    "that the bus to the city left much too early",
    "that we should save money for a small house",
    "that the river flooded the fields every spring",
    "that the hospital needed more people on the weekend",
    "that learning another language opens many doors",
    "that the market was busier on Saturday morning",
    "that nobody in the family could afford a car",
    "that the new road changed how people travelled",
]
ENDINGS = ["and I agreed with that.", "but I was not so sure.", "and it turned out to be true.", "so we moved away."]
SEEDS = {"monologue": 11, "interview": 12}  # the standard speeches; --seeds N adds 21, 31, ... (22, 32, ...)


def reference_sentences(minutes: float, seed: int = 11) -> list[str]:
    """Enough interview-like sentences for about `minutes` of espeak-ng speech at 160 words a minute."""
    rng = random.Random(seed)
    count = int(minutes * 160 / 14) + 1
    return [
        f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} {rng.choice(CLAUSES)}, {rng.choice(ENDINGS)}"
        for _ in range(count)
    ]


def synthesize_file(sentences: list[str], path: Path, repeat: int = 1) -> float:
    """Speak the sentences (one espeak-ng call each, 0.5 s apart) into a 16 kHz WAV; returns its duration."""
    from transcription.tests import speech

    pieces = [speech.join(speech.synthesize(text, speed=160), speech.silence(0.5)) for text in sentences]
    frames = b"".join(speech.wav_bytes(piece)[44:] for piece in pieces)  # PCM after the 44-byte header
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(speech.RATE)
        for _ in range(repeat):  # a long recording is the same speech again: memory is what is measured
            writer.writeframes(frames)
    return repeat * len(frames) / 2 / speech.RATE


def interview_sentences(minutes: float, seed: int = 12) -> list[tuple[str, str]]:
    """(speaker, text) turns: an interviewer's question, then an answer of one to three sentences."""
    rng = random.Random(seed)
    questions = ["Can you tell me more about that?", "How did that feel?", "What happened next?", "Why was that?"]
    turns: list[tuple[str, str]] = []
    words = 0
    while words < minutes * 150:
        turns.append(("I", rng.choice(questions)))
        answer = " ".join(reference_sentences(0.2, seed=rng.randrange(10**6))[: rng.randint(1, 3)])
        turns.append(("P", answer))
        words += len(turns[-2][1].split()) + len(answer.split())
    return turns


def synthesize_interview(turns: list[tuple[str, str]], path: Path, seed: int = 12) -> float:
    """Two espeak-ng voices taking turns with uneven pauses, and low noise over everything, into a 16 kHz WAV."""
    import numpy as np

    from transcription.tests import speech

    rng = np.random.default_rng(seed)
    pieces = []
    for speaker, text in turns:
        variant, pitch = (speech.VOICE_A, 30) if speaker == "I" else (speech.VOICE_B, 70)
        pieces += [
            speech.synthesize(text, speed=165, variant=variant, pitch=pitch),
            speech.silence(float(rng.uniform(0.3, 2.0))),
        ]
    audio = np.concatenate(pieces)
    audio = audio + speech.noise(len(audio) / speech.RATE, level=0.01, seed=seed)[: len(audio)]
    path.write_bytes(speech.wav_bytes(audio))
    return len(audio) / speech.RATE


def _opener(path: str) -> Callable[[], BinaryIO]:
    return lambda: open(path, "rb")  # the pipeline closes every stream it opens


def _warm_up(transcribe: Callable[[], object]) -> None:
    """One short transcription first, as a worker that has already served a job (first calls allocate buffers,
    and voice clustering loads its weights and imports on first use)."""
    transcribe()


def _short_clip() -> bytes:
    from transcription.tests import speech

    said = speech.synthesize("Good morning, and thank you for coming. How are you today?")
    return speech.wav_bytes(speech.join(said, speech.silence(0.5), said))


def _pipeline(path: str, speakers: str) -> tuple[Callable[[], str], Callable[[], object], dict[str, object]]:
    from transcription.engine import get_engine
    from transcription.pipeline import transcribe
    from transcription.results import Track, TranscriptionRequest

    engine = get_engine()  # loaded before the clock starts, as in a warm worker
    speaker = None if speakers == "cluster" else "P01"
    clip = _short_clip()

    def run() -> str:
        request = TranscriptionRequest(tracks=(Track(open=_opener(path), speaker=speaker),))
        return " ".join(segment.text for segment in transcribe(request).segments)

    def warm() -> object:
        return transcribe(TranscriptionRequest(tracks=(Track(open=lambda: io.BytesIO(clip), speaker=speaker),)))

    return run, warm, engine.config.as_dict()


def _plain(path: str) -> tuple[Callable[[], str], Callable[[], object], dict[str, object]]:
    """The point of comparison: WhisperModel constructed as faster-whisper documents it (default threads, one
    worker) on the same model files, and one transcribe() call with its defaults on the whole recording."""
    import numpy as np
    from django.conf import settings
    from faster_whisper import WhisperModel

    from transcription.audio import iter_windows
    from transcription.engine import model_location, resolve_config
    from transcription.results import Track
    from transcription.tests import speech

    config = resolve_config()
    model = WhisperModel(
        model_location(config.model, Path(settings.WHISPER_MODELS_DIR)),
        device=config.device,
        compute_type=config.compute_type,
    )
    said = speech.synthesize("Good morning, and thank you for coming. How are you today?")

    def run() -> str:
        # The same decoder as the pipeline's, one window for the whole file: the plain call gets it all at once.
        audio = np.concatenate([w.audio for w in iter_windows(Track(open=_opener(path)), window_s=1e9)])
        segments, _ = model.transcribe(audio)
        return " ".join(segment.text for segment in segments)

    def warm() -> object:
        return list(model.transcribe(said)[0])

    return run, warm, {"model": config.model, "device": config.device, "compute_type": config.compute_type}


def _child(mode: str, path: str, speakers: str) -> None:
    """Runs in a subprocess: one measurement, printed as JSON on the last line."""
    import django

    # The test settings need no secrets from the environment; only WHISPER_* settings matter here.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    django.setup()
    import resource

    run, warm, config = _pipeline(path, speakers) if mode == "pipeline" else _plain(path)
    _warm_up(warm)
    started, cpu_started = time.perf_counter(), time.process_time()
    text = run()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shown = {"text": text, "seconds": elapsed, "cpu_seconds": cpu, "peak_mb": peak_mb, "config": config}
    print(json.dumps(shown))


def measure(
    mode: str, path: Path, speakers: str = "cluster", settings: dict[str, str] | None = None
) -> dict[str, object]:
    shown = subprocess.run(
        [sys.executable, __file__, "_child", mode, str(path), speakers],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, **(settings or {})} if mode == "pipeline" else None,
    )
    return dict(json.loads(shown.stdout.strip().splitlines()[-1]))


def word_error_rate(reference: str | list[str], hypothesis: str | list[str], *, normalised: bool = False) -> float:
    """Case and punctuation folded; lists are scored as one text (errors over all their words).

    `normalised`: both texts go through Whisper's English text normaliser first (the whisper-normalizer package,
    a copy of openai-whisper's), as Whisper's own evaluations and most ASR leaderboards score: British and
    American spellings ("neighbour", "neighbor"), contractions and spelled-out numbers are not errors. A speech
    has no spelling; the plain call keeps the reference's British spelling by conditioning on its own earlier
    text, the batched chunks write American, and folding alone would count that as misheard words.
    """
    import re

    import jiwer

    def fold(text: str) -> str:
        return re.sub(r"[^\w\s']", " ", text.casefold())

    if normalised:
        from whisper_normalizer.english import EnglishTextNormalizer  # type: ignore[import-untyped]

        fold = EnglishTextNormalizer()
    if isinstance(reference, str):
        return float(jiwer.wer(fold(reference), fold(str(hypothesis))))
    return float(jiwer.wer([fold(text) for text in reference], [fold(text) for text in hypothesis]))


def _report(label: str, result: dict[str, object], duration: float, reference: str) -> float:
    seconds, cpu = float(result["seconds"]), float(result["cpu_seconds"])  # type: ignore[arg-type]
    folded = word_error_rate(reference, str(result["text"]))
    wer = word_error_rate(reference, str(result["text"]), normalised=True)
    print(
        f"{label:<36} {duration / seconds:6.1f}x real time (wall)  {duration / cpu:6.1f}x per CPU-second  "
        f"WER {wer:.3f} (folded only {folded:.3f})  peak {result['peak_mb']:.0f} MB"
    )
    return seconds


def _load() -> str:
    """Other work on the machine skews wall-clock figures; the load average says how much there was."""
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _speech(kind: str, minutes: float, folder: str, seed: int) -> tuple[Path, float, str]:
    path = Path(folder) / f"{kind}-{seed}.wav"
    if kind == "monologue":
        sentences = reference_sentences(minutes, seed)
        return path, synthesize_file(sentences, path), " ".join(sentences)
    turns = interview_sentences(minutes, seed)
    return path, synthesize_interview(turns, path, seed), " ".join(text for _, text in turns)


def run_speed(
    minutes: float,
    speakers: str,
    rounds: int,
    speeches: list[str],
    settings: dict[str, str],
    seeds: int = 1,
    save: str | None = None,
) -> None:
    print(f"{os.cpu_count()} CPUs; pipeline settings changed: {settings or 'none'}; {_load()}")
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        for kind in speeches:
            # The first speech is the standard one (seed 11 or 12); --seeds adds others drawn the same way.
            drawn = [_speech(kind, minutes, folder, SEEDS[kind] + 10 * n) for n in range(seeds)]
            words = sum(len(reference.split()) for _, _, reference in drawn)
            total = sum(duration for _, duration, _ in drawn)
            print(f"\n{kind}: {len(drawn)} speech(es), {total / 60:.1f} min of espeak-ng speech, {words} words")
            ratios: list[float] = []
            texts: dict[str, dict[int, str]] = {"pipeline": {}, "plain": {}}
            for number in range(1, rounds + 1):
                for index, (path, duration, reference) in enumerate(drawn):
                    label = f"round {number}" + (f", speech {index + 1}" if seeds > 1 else "")
                    pipeline = measure("pipeline", path, speakers, settings)
                    if number == 1 and index == 0:
                        print(f"settings: {pipeline['config']}, speakers: {speakers}")
                    fast = _report(f"{label}: pipeline", pipeline, duration, reference)
                    plain = measure("plain", path)
                    slow = _report(f"{label}: plain transcribe()", plain, duration, reference)
                    texts["pipeline"][index], texts["plain"][index] = str(pipeline["text"]), str(plain["text"])
                    if save:
                        stem = Path(save) / f"{kind}-{SEEDS[kind] + 10 * index}"
                        stem.with_suffix(".reference.txt").write_text(reference)
                        stem.with_suffix(".pipeline.txt").write_text(texts["pipeline"][index])
                        stem.with_suffix(".plain.txt").write_text(texts["plain"][index])
                    ratios.append(slow / fast)
                    print(f"{label}: speed-up {slow / fast:.2f}x; {_load()}")
            references = [reference for _, _, reference in drawn]
            said = {name: [texts[name][i] for i in range(len(drawn))] for name in texts}
            pooled = {name: word_error_rate(references, said[name], normalised=True) for name in said}
            folded = {name: word_error_rate(references, said[name]) for name in said}
            print(
                f"{kind}: median speed-up {median(ratios):.2f}x over {len(ratios)} alternating rounds; WER "
                f"pipeline {pooled['pipeline']:.3f}, plain {pooled['plain']:.3f}"
                f" (folded only {folded['pipeline']:.3f}, {folded['plain']:.3f})"
                + (f" (all {len(drawn)} speeches' words)" if seeds > 1 else "")
                + f"; {_load()}"
            )


def run_memory(long_minutes: float, speakers: str) -> None:
    sentences = reference_sentences(10)
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        short, long = Path(folder) / "short.wav", Path(folder) / "long.wav"
        duration = synthesize_file(sentences, short)
        repeat = max(1, round(long_minutes * 60 / duration))
        synthesize_file(sentences, long, repeat=repeat)
        results = {}
        for label, path, seconds in (("10 min", short, duration), (f"{repeat}x", long, duration * repeat)):
            results[label] = measure("pipeline", path, speakers)
            rate = seconds / float(results[label]["seconds"])  # type: ignore[arg-type]
            peak = results[label]["peak_mb"]
            print(f"{label}: {seconds / 60:6.1f} min audio  peak {peak:.0f} MB  {rate:.1f}x real time; {_load()}")
        peaks = [float(result["peak_mb"]) for result in results.values()]  # type: ignore[arg-type]
        print(f"long / short peak memory: {peaks[1] / peaks[0]:.3f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        _child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("speed", "memory"))
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--long-minutes", type=float, default=120.0)
    parser.add_argument("--rounds", type=int, default=3, help="alternating pipeline/plain rounds (speed)")
    parser.add_argument("--speech", choices=("monologue", "interview", "both"), default="both")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a pipeline setting")
    parser.add_argument(
        "--seeds", type=int, default=1, help="speeches per kind: the standard one and others drawn the same way"
    )
    parser.add_argument("--save", metavar="DIR", help="write each speech's reference and both transcripts here")
    parser.add_argument(
        "--speakers",
        choices=("cluster", "track"),
        default="cluster",
        help="cluster: a mono mix whose voices are clustered (the heavier path); track: one labelled track",
    )
    arguments = parser.parse_args()
    if arguments.mode == "speed":
        speeches = ["monologue", "interview"] if arguments.speech == "both" else [arguments.speech]
        settings = dict(item.split("=", 1) for item in arguments.set)
        run_speed(
            arguments.minutes, arguments.speakers, arguments.rounds, speeches, settings, arguments.seeds, arguments.save
        )
    else:
        run_memory(arguments.long_minutes, arguments.speakers)


if __name__ == "__main__":
    main()
