"""The transcription pipeline: tracks in, a speaker-labelled, time-aligned transcript out.

Shared by the Celery worker, `manage.py transcribe` and the benchmark. Each track is decoded in windows
(audio.py), two at a time, each window transcribed with batched Whisper (engine.py), suspect segments are flagged and
loops decoded again (guards.py), and mono mixes get speakers by clustering voices (diarization.py).
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from transcription import diarization, speakers, vad
from transcription.audio import SAMPLE_RATE, Window, iter_windows, probe_duration
from transcription.engine import FALLBACK_TEMPERATURES, Engine, RawSegment, RawWord, get_engine
from transcription.guards import has_repetition_loop, segment_flags
from transcription.results import (
    FLAG_LANGUAGE_SWITCH,
    FLAG_REPETITION_LOOP,
    ContinueCallback,
    ProgressCallback,
    Segment,
    Track,
    TranscriptionCancelled,
    TranscriptionRequest,
    TranscriptionResult,
    Word,
)
from transcription.spoken_language import NO_SPEECH, Heard, heard_in, whole_transcript_language

_UNLABELLED = ""  # placeholder speaker of a mono-mix segment until clustering names it
# Segments of a chunk whose language Whisper gave less than this are checked one by one (code-switching).
RECHECK_BELOW = 0.8
MIN_RECHECK_SECONDS = 1.5
# How sure Whisper must be of a segment's own language to decode it again in that language.
SEGMENT_LANGUAGE_CONFIDENT = 0.7
# Where a chunk is cut into sentences: a pause after . ? ! or any pause this long (seconds).
SENTENCE_ENDS = (".", "?", "!", "\u3002", "\uff1f", "\uff01", "\u2026")
SENTENCE_PAUSE = 0.3
LONG_PAUSE = 1.0
# A stretch of detected speech at least this long with words over less than this share of it was skipped.
MIN_UNCOVERED_SECONDS = 1.0
UNCOVERED_SHARE = 0.2
# Windows decoded side by side (pipeline._transcribe_track).
WINDOWS_AT_ONCE = 2


@dataclass(frozen=True)
class _Decoded:
    raw: RawSegment
    flags: tuple[str, ...] = ()  # flags the text alone cannot show (a loop that was decoded again)


WordsCallback = Callable[[list[_Decoded]], None]  # receives decoded segments, for their words' times


@dataclass
class _Progress:
    """Seconds decoded so far, over the windows being decoded side by side; and the signal to stop."""

    total: float
    callback: ProgressCallback | None
    should_continue: ContinueCallback | None
    done: float = 0.0  # seconds of finished tracks
    decoded: dict[float, float] = field(default_factory=dict)  # seconds decoded in this track's windows, by offset
    stopped: bool = False  # a window failed: the others stop too
    lock: threading.Lock = field(default_factory=threading.Lock)

    def report(self, window: Window, seconds: float) -> None:
        with self.lock:
            self.decoded[window.offset] = max(self.decoded.get(window.offset, 0.0), min(seconds, window.duration))
            if self.callback is not None:
                self.callback(min(self.done + sum(self.decoded.values()), self.total), self.total)

    def track_done(self, duration: float) -> None:
        with self.lock:
            self.done, self.decoded = self.done + duration, {}
            if self.callback is not None:
                self.callback(min(self.done, self.total), self.total)

    def check(self) -> None:
        if self.stopped or (self.should_continue is not None and not self.should_continue()):
            raise TranscriptionCancelled("Transcription stopped on request.")


@dataclass
class _WindowOutput:
    segments: list[Segment] = field(default_factory=list)
    translation: list[Segment] = field(default_factory=list)
    evidence: list[Heard] = field(default_factory=list)  # of the segments judged speech
    embedded: Future[None] | None = None  # the window's voice embedding, done when its audio is freed


@dataclass
class _TrackOutput(_WindowOutput):
    voices: list[diarization.VoiceWindows] = field(default_factory=list)  # of a mono mix, one per window

    def add(self, window: _WindowOutput) -> None:
        self.segments += window.segments
        self.translation += window.translation
        self.evidence += window.evidence


@dataclass
class _VoiceQueue:
    """Voice embedding in a thread of its own, as each chunk's words come out of the decoder: the decoder's streams
    leave a core idle now and then, which the embedding fills, and no window's embedding is left to run alone
    after its last chunk."""

    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="voice-embedding")
    )
    queued: list[Future[None]] = field(default_factory=list)

    def add(self, embedder: diarization.VoiceEmbedder, found: list[_Decoded]) -> None:
        """Queue the embedding of decoded words (times from the window's start)."""
        spans = [(word.start, word.end) for item in found for word in item.raw.words]
        spans += [(item.raw.start, item.raw.end) for item in found if not item.raw.words]
        self.queued.append(self.executor.submit(embedder.add, spans))

    def finish(self, embedder: diarization.VoiceEmbedder) -> Future[None]:
        self.queued.append(self.executor.submit(embedder.finish))
        return self.queued[-1]

    def wait(self) -> None:
        for future in self.queued:
            future.result()  # an error in the embedding thread surfaces here


@dataclass(frozen=True)
class _TrackJob:
    """What every window of one track is decoded with."""

    engine: Engine
    request: TranscriptionRequest
    speaker: str
    progress: _Progress
    batch_size: int | None
    voices: _VoiceQueue


def transcribe(
    request: TranscriptionRequest,
    *,
    on_progress: ProgressCallback | None = None,
    should_continue: ContinueCallback | None = None,
    batch_size: int | None = None,
) -> TranscriptionResult:
    """Transcribe every track of the request in its spoken language (and English too, if asked).

    `batch_size` overrides WHISPER_BATCH_SIZE, for a retry after EngineOutOfMemory. Raises UnreadableMedia
    for undecodable media and TranscriptionCancelled as soon as `should_continue()` returns False.
    """
    engine = get_engine()
    durations = [probe_duration(track) for track in request.tracks]
    progress = _Progress(total=sum(durations), callback=on_progress, should_continue=should_continue)
    segments: list[Segment] = []
    translation: list[Segment] = []
    evidence: list[Heard] = []
    for track, duration in zip(request.tracks, durations, strict=True):
        output = _transcribe_track(engine, track, request, progress, batch_size)
        if track.speaker is None:
            _label_clusters(output, request)
        segments += output.segments
        translation += output.translation
        evidence += output.evidence
        progress.track_done(duration)
    segments.sort(key=lambda segment: (segment.start, segment.speaker))
    language, probability = whole_transcript_language(evidence, request.language_hint)
    return TranscriptionResult(
        segments=[_mark_switch(segment, language) for segment in segments],
        language=language,
        language_probability=probability,
        has_speech=language != NO_SPEECH,
        # Tracks play side by side (channels, or one file per speaker): the recording lasts as long as the longest.
        duration=max(max(durations, default=0.0), max((segment.end for segment in segments), default=0.0)),
        engine=engine.name,
        model=engine.config.model,
        settings={**engine.config.as_dict(), "batch_size": batch_size or engine.config.batch_size, "vad": True},
        translation=sorted(translation, key=lambda s: s.start) if request.translate_to_english else None,
    )


def _transcribe_track(
    engine: Engine, track: Track, request: TranscriptionRequest, progress: _Progress, batch_size: int | None
) -> _TrackOutput:
    output = _TrackOutput()
    clustered = track.speaker is None and request.expected_speakers > 1
    embedders: list[tuple[diarization.VoiceEmbedder, float]] = []
    job = _TrackJob(engine, request, track.speaker or _UNLABELLED, progress, batch_size, _VoiceQueue())
    # Windows are decoded WINDOWS_AT_ONCE at a time, each in a thread of its own, their calls taking turns on the
    # model's replicas: one window's last chunks and language checks would otherwise leave a stream idle.
    windows = ThreadPoolExecutor(WINDOWS_AT_ONCE, thread_name_prefix="window")
    decoding: deque[Future[_WindowOutput]] = deque()

    def collect_oldest() -> None:
        oldest = decoding.popleft().result()
        if oldest.embedded is not None:  # embedding keeps up: at most the windows being decoded hold their audio
            oldest.embedded.result()
        output.add(oldest)

    try:
        for window, speech in _windows_with_speech(track):
            progress.check()
            embedder = None
            if clustered:  # with one voice expected there is nothing to tell apart
                embedder = diarization.VoiceEmbedder(window.audio)
                embedders.append((embedder, window.offset))
            decoding.append(windows.submit(_decode_window, job, window, speech, embedder))
            if len(decoding) == WINDOWS_AT_ONCE:
                collect_oldest()
        while decoding:
            collect_oldest()
        job.voices.wait()
    except BaseException:
        progress.stopped = True  # the other windows stop at their next chunk
        raise
    finally:
        windows.shutdown(cancel_futures=True)
        job.voices.executor.shutdown(cancel_futures=True)  # on a cancel or an error, embeddings not yet started
    output.voices = [embedder.result().shifted(offset) for embedder, offset in embedders]
    return output


def _decode_window(
    job: _TrackJob, window: Window, speech: list[tuple[float, float]], embedder: diarization.VoiceEmbedder | None
) -> _WindowOutput:
    """One window's segments (and their English, if asked), with the evidence of the language spoken."""
    output = _WindowOutput()
    on_words = None if embedder is None else functools.partial(job.voices.add, embedder)
    hint = job.request.language_hint
    found = _transcribe_window(job.engine, window, speech, hint, "transcribe", job.progress, job.batch_size, on_words)
    for decoded in found:
        segment = _segment(decoded, window, job.speaker)
        output.segments.append(segment)
        heard = heard_in(segment, heard=decoded.raw.heard, probability=decoded.raw.language_probability)
        output.evidence += [heard] if heard else []
    if embedder is not None:  # words that a second decoding moved or added; then the audio can go
        job.voices.add(embedder, found)
        output.embedded = job.voices.finish(embedder)
    if job.request.translate_to_english:
        english = _transcribe_window(job.engine, window, speech, hint, "translate", job.progress, job.batch_size)
        output.translation += [_english(s, window, job.speaker) for s in english]
    job.progress.report(window, window.duration)
    return output


def _windows_with_speech(track: Track) -> Iterator[tuple[Window, list[tuple[float, float]]]]:
    """The track's windows, each with its regions of speech; the next window is read and its speech found in a
    thread of its own while the caller decodes this one (the decoder's streams would otherwise wait for both)."""

    def read(windows: Iterator[Window]) -> tuple[Window, list[tuple[float, float]]] | None:
        window = next(windows, None)
        return None if window is None else (window, vad.find_speech(window.audio))

    windows = iter_windows(track)
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="next-window") as ahead:
            coming = ahead.submit(read, windows)
            while (item := coming.result()) is not None:
                coming = ahead.submit(read, windows)
                yield item
    finally:
        windows.close()  # the track's stream, also when the caller stops early


def _transcribe_window(
    engine: Engine,
    window: Window,
    speech: list[tuple[float, float]],
    hint: str | None,
    task: str,
    progress: _Progress,
    batch_size: int | None,
    on_words: WordsCallback | None = None,
) -> list[_Decoded]:
    """Decode one window with batched Whisper; loops are checked per chunk, language per sentence.

    A sentence's language check encodes its clip again (0.05 to 0.4 s of CPU on one core: Engine.detect_language).
    The checks run in threads of their own, one per model replica (engine streams), while the decoder goes on with
    the next chunks: each check would otherwise hold up the decoding and leave the other core idle. Measured when a
    check still encoded a whole 30 s window, on the 2-minute interview speech of bench/transcription_bench.py (11
    checks), alternating runs on 2 shared cores: 16.2 and 19.8 s wall in threads, 24.3 and 23.8 s one after another.
    """
    sentences: list[tuple[Future[RawSegment], tuple[str, ...]]] = []
    checks = ThreadPoolExecutor(engine.config.streams, thread_name_prefix="language-check")
    try:
        for chunk in engine.transcribe(
            window.audio, task=task, language_hint=hint, batch_size=batch_size, speech=speech
        ):
            progress.check()
            decoded = [_Decoded(chunk)]
            # A loop often spans sentences ("Thank you. Thank you. ..."), so look for it before splitting.
            if has_repetition_loop(chunk.text):
                decoded = [
                    _Decoded(retry, (FLAG_REPETITION_LOOP,)) for retry in _redecode_loop(engine, window, chunk, task)
                ]
            if on_words is not None:
                on_words(decoded)
            for item in decoded:
                sentences += [
                    (_checked(checks, engine, window, s, task), item.flags) for s in split_at_pauses(item.raw)
                ]
            if task == "transcribe":
                progress.report(window, chunk.end)
        found = [_Decoded(sentence.result(), flags) for sentence, flags in sentences]
    finally:
        checks.shutdown(cancel_futures=True)  # on a cancel or an error, checks not yet started are dropped
    for start, end in uncovered_speech(speech, [item.raw for item in found]):
        progress.check()
        found += [_Decoded(raw) for raw in _recover(engine, window, start, end, task)]
    return sorted(found, key=lambda item: item.raw.start)


def _checked(
    checks: ThreadPoolExecutor, engine: Engine, window: Window, sentence: RawSegment, task: str
) -> Future[RawSegment]:
    if task != "transcribe" or not _needs_recheck(sentence):
        done: Future[RawSegment] = Future()
        done.set_result(sentence)
        return done
    return checks.submit(_recheck_language, engine, window, sentence)


def uncovered_speech(speech: list[tuple[float, float]], decoded: list[RawSegment]) -> list[tuple[float, float]]:
    """Speech regions (from voice activity detection) that almost no decoded word falls in.

    Whisper sometimes stops a chunk early, typically where the language changes mid-chunk; those
    seconds of speech would otherwise vanish without a trace.
    """
    words = [(word.start, word.end) for segment in decoded for word in segment.words]
    missing = []
    for start, end in speech:
        if end - start < MIN_UNCOVERED_SECONDS:
            continue
        heard = sum(max(0.0, min(end, w_end) - max(start, w_start)) for w_start, w_end in words)
        if heard < UNCOVERED_SHARE * (end - start):
            missing.append((start, end))
    return missing


def _recover(engine: Engine, window: Window, start: float, end: float, task: str) -> list[RawSegment]:
    """Decode skipped speech on its own, in the language Whisper hears in it."""
    clip = window.audio[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
    language, probability = engine.detect_language(clip)
    again = engine.redecode(clip, language=language, task=task, temperatures=(0.0, *FALLBACK_TEMPERATURES))
    return [replace(raw, language_probability=probability).shifted(start) for raw in again if raw.text]


def split_at_pauses(segment: RawSegment) -> list[RawSegment]:
    """Cut a decoded chunk (up to 30 s) at sentence ends followed by a pause, and at any long pause.

    Speaker turns and language switches fall on such cuts. The pieces keep the chunk's decoder scores,
    which Whisper computes per chunk.
    """
    if not segment.words:
        return [segment]
    groups: list[list[RawWord]] = [[segment.words[0]]]
    for previous, word in itertools.pairwise(segment.words):
        gap = word.start - previous.end
        if gap >= LONG_PAUSE or (gap >= SENTENCE_PAUSE and previous.text.rstrip().endswith(SENTENCE_ENDS)):
            groups.append([])
        groups[-1].append(word)
    if len(groups) < 2:
        return [segment]
    return [
        replace(
            segment,
            start=group[0].start,
            end=group[-1].end,
            text="".join(w.text for w in group).strip(),
            words=tuple(group),
        )
        for group in groups
    ]


def _clip(window: Window, segment: RawSegment) -> np.ndarray:
    return window.audio[int(segment.start * SAMPLE_RATE) : int(segment.end * SAMPLE_RATE)]


def _recheck_language(engine: Engine, window: Window, segment: RawSegment) -> RawSegment:
    """Code-switching: a chunk Whisper was unsure of may hold two languages; check its segments one by one.

    A segment heard confidently in another language is decoded again in that language (never translated). The
    segment's probability only grows for the language it was heard in: another language's probability would make
    weak evidence look strong (spoken_language.py).
    """
    if not _needs_recheck(segment):
        return segment
    clip = _clip(window, segment)
    language, probability = engine.detect_language(clip)
    confident = probability >= SEGMENT_LANGUAGE_CONFIDENT
    if language != segment.language and confident:
        return _decode_in(engine, clip, segment, language, probability)
    if language == segment.heard:
        return replace(segment, language_probability=max(segment.language_probability, probability))
    if confident:  # decoded in the hint, and now heard in it too
        return replace(segment, heard=language, language_probability=probability)
    return segment


def _needs_recheck(segment: RawSegment) -> bool:
    return segment.language_probability < RECHECK_BELOW and segment.end - segment.start >= MIN_RECHECK_SECONDS


def _decode_in(engine: Engine, clip: np.ndarray, segment: RawSegment, language: str, probability: float) -> RawSegment:
    again = engine.redecode(clip, language=language, temperatures=(0.0, *FALLBACK_TEMPERATURES))
    if not again:
        return segment
    words = tuple(word for retry in again for word in retry.words)
    text = " ".join(retry.text for retry in again)
    return replace(again[0], text=text, words=words, end=again[-1].end, language_probability=probability).shifted(
        segment.start
    )


def _redecode_loop(engine: Engine, window: Window, segment: RawSegment, task: str) -> list[RawSegment]:
    """Decode a looping segment again with temperature fallback; the result keeps the loop flag for review."""
    clip = _clip(window, segment)
    again = engine.redecode(clip, language=segment.language, task=task) if len(clip) else []
    if not again:
        return [segment]  # nothing better came out: keep the original, flagged
    return [
        replace(
            retry, language=segment.language, language_probability=segment.language_probability, heard=segment.heard
        ).shifted(segment.start)
        for retry in again
    ]


def _segment(decoded: _Decoded, window: Window, speaker: str) -> Segment:
    raw = decoded.raw
    flags = segment_flags(
        text=raw.text,
        avg_logprob=raw.avg_logprob,
        no_speech_prob=raw.no_speech_prob,
        compression_ratio=raw.compression_ratio,
    )
    flags += tuple(flag for flag in decoded.flags if flag not in flags)
    return Segment(
        start=round(window.offset + raw.start, 3),
        end=round(window.offset + raw.end, 3),
        text=raw.text,
        speaker=speaker,
        language=raw.language,
        avg_logprob=raw.avg_logprob,
        no_speech_prob=raw.no_speech_prob,
        compression_ratio=raw.compression_ratio,
        words=tuple(
            Word(
                round(window.offset + w.start, 3),
                round(window.offset + w.end, 3),
                w.text.strip(),
                w.probability,
                speaker,
            )
            for w in raw.words
        ),
        flags=flags,
    )


def _english(decoded: _Decoded, window: Window, speaker: str) -> Segment:
    return replace(_segment(decoded, window, speaker), language="en")


def _label_clusters(output: _TrackOutput, request: TranscriptionRequest) -> None:
    """Name the voices of a mono mix word by word (speakers.py), splitting segments at changes of speaker;
    translation segments take the label of the speech they overlap."""
    voices = diarization.VoiceWindows.joined(output.voices)
    output.segments = speakers.assign_speakers(
        output.segments, voices, speakers=request.expected_speakers, names=request.speaker_labels
    )
    output.translation = [speakers.spoken_by(s, _overlapping_speaker(s, output.segments)) for s in output.translation]


def _overlapping_speaker(segment: Segment, spoken: Iterable[Segment]) -> str:
    overlap: dict[str, float] = defaultdict(float)
    for other in spoken:
        overlap[other.speaker] += max(0.0, min(segment.end, other.end) - max(segment.start, other.start))
    return max(overlap, key=lambda speaker: overlap[speaker]) if overlap else diarization.label_for(0, ())


def _mark_switch(segment: Segment, language: str) -> Segment:
    if language == NO_SPEECH or segment.language == language or FLAG_LANGUAGE_SWITCH in segment.flags:
        return segment
    return replace(segment, flags=(*segment.flags, FLAG_LANGUAGE_SWITCH))
