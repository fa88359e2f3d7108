"""Transcription speed on a lent GPU machine: standalone (no Django), for a Python with only the standard
library, NumPy, CTranslate2 and faster-whisper. bench/GPU.md gives the device calls; bench/gpu_stage.sh
prepares the wheels, the bundled base model and the espeak-ng speech they carry.

    python3 bench/gpu_bench.py --model DIR --audio speech.wav --reference speech.txt --out results.json
    python3 bench/gpu_bench.py --part probe --model DIR       # can CTranslate2 use the GPU? (cuBLAS shim)
    python3 bench/gpu_bench.py --part build --model DIR       # only build the synthetic large models

Parts: `base` times the bundled Whisper base on real speech: (a) faster-whisper's BatchedInferencePipeline
with the engine's GPU settings and options (transcription/engine.py), (b) one plain sequential
WhisperModel.transcribe call with faster-whisper's defaults. Audio seconds per wall second, word error rate,
GPU memory peak (device-wide, sampled) and tokens decoded per 30-s window. `large` is SYNTHETIC: random-weight
CTranslate2 Whisper models of the large-v3 and large-v3-turbo shapes, timed on a batch of 30-s log-mel
windows of the same speech with a fixed number of decoded tokens each: timing only, no WER.
Each measurement runs in its own process, so its GPU memory peak is its own.
"""

from __future__ import annotations

import argparse
import fcntl
import functools
import glob
import importlib
import json
import os
import re
import resource
import shutil
import site
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_RATE = 16_000
WINDOW_SECONDS = 30
WARM_UP_SECONDS = 40
# Copied from transcription/engine.py (GPU_BATCH_SIZE, GPU_BEAM_SIZE, Engine.transcribe's options) and
# transcription/guards.py (thresholds): Django is not installed where this runs.
GPU_BATCH_SIZE = 16
GPU_BEAM_SIZE = 5
ENGINE_OPTIONS: dict[str, Any] = {
    "word_timestamps": True,
    "vad_filter": True,
    "condition_on_previous_text": False,
    "compression_ratio_threshold": 2.4,
    "log_prob_threshold": -1.0,
    "no_speech_threshold": 0.6,
}
# name: (encoder layers, decoder layers, d_model, attention heads, mel bins)
SHAPES = {
    "large-v3": (32, 32, 1280, 20, 128),
    "large-v3-turbo": (32, 4, 1280, 20, 128),
    "tiny-test": (2, 2, 64, 2, 128),  # for trying the route on a CPU
}
DEFAULT_TOKENS_PER_WINDOW = 100
MAX_TOKENS_PER_WINDOW = 224
SHIM_ENV = "GPU_BENCH_CUBLAS_SHIM"  # set after the re-exec with the shim, so it happens at most once

say = functools.partial(print, file=sys.stderr, flush=True)


# --- speech and word error rate ------------------------------------------------------------------------------


def read_speech(path: Path, minutes: float | None) -> np.ndarray:
    """A 16 kHz mono 16-bit WAV as float32 in [-1, 1], cut to its first `minutes` when given."""
    with wave.open(str(path), "rb") as reader:
        if (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) != (1, 2, SAMPLE_RATE):
            raise SystemExit(f"{path}: expected 16 kHz mono 16-bit PCM")
        frames = reader.getnframes() if minutes is None else min(reader.getnframes(), int(minutes * 60 * SAMPLE_RATE))
        pcm = reader.readframes(frames)
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.casefold()).split()


def word_error_rate(reference: str, hypothesis: str, *, whole: bool = True) -> tuple[float, int]:
    """WER as bench/transcription_bench.py computes it with jiwer (case folded, punctuation but apostrophes
    removed), here by word-level Levenshtein distance. Returns the rate and the reference words it counts.

    With `whole` False the audio was cut short, so the hypothesis covers only the start of the reference: the
    reference is cut where the distance is least (which can be off by a word or two at the cut).
    """
    expected, heard = _words(reference), _words(hypothesis)
    previous = list(range(len(expected) + 1))  # distance from heard[:j] to each prefix of expected
    for j, word in enumerate(heard, 1):
        current = [j]
        for i, wanted in enumerate(expected, 1):
            current.append(min(previous[i] + 1, current[i - 1] + 1, previous[i - 1] + (word != wanted)))
        previous = current
    cut = len(expected) if whole else min(range(1, len(expected) + 1), key=lambda i: (previous[i], -i))
    return previous[cut] / cut, cut


# --- faster-whisper on the bundled base model (run in a child process) -----------------------------------------


def import_faster_whisper() -> Any:
    try:
        import av  # noqa: F401
    except ImportError:
        # faster_whisper imports av (PyAV) at module level, but uses it only to decode files; this script hands
        # it NumPy arrays, so av is never called and an empty stand-in lets the import succeed without it.
        sys.modules["av"] = types.ModuleType("av")
    return importlib.import_module("faster_whisper")


def _decode(transcribe: Callable[[np.ndarray], Any], audio: np.ndarray) -> dict[str, Any]:
    segments, info = transcribe(audio)
    segments = list(segments)  # decoding happens while the generator is consumed
    windows = len({segment.seek for segment in segments})  # seek: the 30-s window (batched: chunk) decoded
    tokens = sum(len(segment.tokens) for segment in segments)
    text = " ".join(segment.text.strip() for segment in segments)
    return {"text": text, "tokens": tokens, "windows": windows, "language": info.language}


def measure_whisper(job: dict[str, Any]) -> dict[str, Any]:
    """(a) batched with the engine's settings or (b) one plain transcribe() call: warmed up on a short slice,
    then timed `repeats` times on the whole audio."""
    faster_whisper = import_faster_whisper()
    audio = read_speech(Path(job["audio"]), job["minutes"])
    started = time.perf_counter()
    model = faster_whisper.WhisperModel(job["model"], device=job["device"], compute_type=job["compute_type"])
    load_s = time.perf_counter() - started
    if job["mode"] == "batched":
        pipeline = faster_whisper.BatchedInferencePipeline(model=model)
        options = {"language": None, "beam_size": job["beam_size"], "batch_size": job["batch_size"], **ENGINE_OPTIONS}
        transcribe = functools.partial(pipeline.transcribe, **options)
    else:
        transcribe = model.transcribe  # faster-whisper's defaults (beam 5, temperature fallback, previous text)
    _decode(transcribe, audio[: WARM_UP_SECONDS * SAMPLE_RATE])
    seconds, decoded = _timed(lambda: _decode(transcribe, audio), job["repeats"])
    return {**decoded, "seconds": seconds, "load_s": load_s, "audio_s": len(audio) / SAMPLE_RATE}


# --- synthetic large models: random weights in CTranslate2's Whisper layout ------------------------------------


def _variable_shape(scope: str, d: int, mels: int, vocabulary: int) -> tuple[int, ...] | None:
    """The shape the Transformers converter gives Whisper's variable `scope`; None for one it leaves unset."""
    fixed = {
        "encoder/conv1/weight": (d, mels, 3),
        "encoder/conv2/weight": (d, d, 3),
        "encoder/position_encodings/encodings": (1500, d),
        "decoder/position_encodings/encodings": (448, d),
        "decoder/embeddings/weight": (vocabulary, d),
    }
    parts = scope.split("/")
    if scope in fixed:
        return fixed[scope]
    if parts[-1] in ("gamma", "beta") or scope in ("encoder/conv1/bias", "encoder/conv2/bias"):
        return (d,)
    if parts[-1] not in ("weight", "bias") or parts[0:2] == ["decoder", "projection"]:
        return None  # the projection is tied to the embeddings (set below) and has no bias
    # self_attention linear_0 is the fused query/key/value; cross attention linear_1 the fused key/value.
    owner = (parts[-3], parts[-2])
    rows = {("self_attention", "linear_0"): 3 * d, ("attention", "linear_1"): 2 * d, ("ffn", "linear_0"): 4 * d}
    columns = 4 * d if owner == ("ffn", "linear_1") else d
    return (rows.get(owner, d), columns) if parts[-1] == "weight" else (rows.get(owner, d),)


def synthetic_spec(shape: tuple[int, ...], base_dir: Path, seed: int = 3) -> Any:
    """A ctranslate2 WhisperSpec of `shape` with random float16 weights and the base model's vocabulary."""
    import ctranslate2

    encoder_layers, decoder_layers, d, heads, mels = shape
    tokens = (base_dir / "vocabulary.txt").read_text(encoding="utf-8").splitlines()
    spec = ctranslate2.specs.WhisperSpec(encoder_layers, heads, decoder_layers, heads)
    rng = np.random.default_rng(seed)

    def fill(layer: Any, scope: str, value: object) -> None:
        size = _variable_shape(scope, d, mels, len(tokens))
        if size is not None:
            weights = rng.standard_normal(size, dtype=np.float32) * 0.02 + (scope.endswith("gamma"))
            setattr(layer, scope.rsplit("/", 1)[1], weights.astype(np.float16))

    ctranslate2.specs.model_spec.visit_spec(spec, fill)
    spec.decoder.projection.weight = spec.decoder.embeddings.weight
    base = json.loads((base_dir / "config.json").read_text(encoding="utf-8"))
    for key in ("suppress_ids", "suppress_ids_begin", "lang_ids"):
        setattr(spec.config, key, base[key])
    # The converter's default for models without known alignment heads: every head of the last half.
    spec.config.alignment_heads = [
        [layer, h] for layer in range(decoder_layers // 2, decoder_layers) for h in range(heads)
    ]
    spec.register_vocabulary(tokens)
    return spec


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One builder at a time: a timing run waits here for a build started in the background."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for the synthetic build running in {folder}")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def build_synthetic(name: str, base_dir: Path, root: Path) -> dict[str, Any]:
    target = root / name
    with _locked(root):
        if (target / "model.bin").is_file():
            return {"model": name, "path": str(target), "built": False}
        say(f"building SYNTHETIC {name} {SHAPES[name]} (random weights) in {target}")
        started = time.perf_counter()
        partial = root / f".{name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        spec = synthetic_spec(SHAPES[name], base_dir)
        spec.validate()
        spec.optimize(quantization="float16")
        spec.save(str(partial))
        partial.rename(target)  # complete or absent: never a half-written model
    size_mb = (target / "model.bin").stat().st_size / 1e6
    say(f"built {name}: {size_mb:.0f} MB in {time.perf_counter() - started:.0f} s")
    return {"model": name, "path": str(target), "built": True, "build_s": time.perf_counter() - started}


def _prompt(base_dir: Path) -> tuple[list[int], int]:
    ids = {token: i for i, token in enumerate((base_dir / "vocabulary.txt").read_text(encoding="utf-8").splitlines())}
    prompt = ["<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|notimestamps|>"]
    return [ids[token] for token in prompt], ids["<|endoftext|>"]


def _windows(job: dict[str, Any], mels: int) -> np.ndarray:
    """`windows` consecutive 30-s log-mel windows of the speech (repeated if it is shorter)."""
    import_faster_whisper()
    from faster_whisper.feature_extractor import FeatureExtractor

    count, frames = job["windows"], WINDOW_SECONDS * 100
    audio = np.resize(read_speech(Path(job["audio"]), job["minutes"]), count * WINDOW_SECONDS * SAMPLE_RATE)
    features = FeatureExtractor(feature_size=mels)(audio)
    return np.ascontiguousarray(np.stack([features[:, i * frames : (i + 1) * frames] for i in range(count)]))


def measure_synthetic(job: dict[str, Any]) -> dict[str, Any]:
    """Encode a batch of windows and decode exactly `tokens` tokens in each (end of text suppressed)."""
    import ctranslate2

    built = build_synthetic(job["name"], Path(job["base"]), Path(job["root"]))
    started = time.perf_counter()
    model = ctranslate2.models.Whisper(built["path"], device=job["device"], compute_type=job["compute_type"])
    load_s = time.perf_counter() - started
    features = ctranslate2.StorageView.from_array(_windows(job, SHAPES[job["name"]][4]))
    prompt, end_of_text = _prompt(Path(job["base"]))
    # CTranslate2's Whisper decodes at most max_length // 2 new tokens, whatever the prompt (OpenAI's sample_len;
    # measured with 4.8.5): with end of text suppressed, every window decodes exactly `tokens`.
    options = {"beam_size": job["beam_size"], "max_length": 2 * job["tokens"], "suppress_blank": False}

    def run() -> list[Any]:
        encoded = model.encode(features, to_cpu=False)
        return list(model.generate(encoded, [prompt] * job["windows"], suppress_tokens=[-1, end_of_text], **options))

    run()  # warm-up
    encode_s, _ = _timed(lambda: model.encode(features, to_cpu=True), job["repeats"])  # to_cpu: waits for the GPU
    seconds, results = _timed(run, job["repeats"])
    decoded = [len(result.sequences_ids[0]) for result in results]
    return {**built, "load_s": load_s, "encode_s": encode_s, "seconds": seconds, "decoded_tokens": decoded}


def _timed(action: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    """Wall seconds of each of `repeats` calls, and what the last one returned."""
    seconds, returned = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        returned = action()
        seconds.append(time.perf_counter() - started)
    return seconds, returned


# --- CUDA: probe, and the cuBLAS shim ---------------------------------------------------------------------------


def probe(job: dict[str, Any]) -> dict[str, Any]:
    """Can CTranslate2 run a model on CUDA here? A tiny synthetic Whisper encodes one window on the device and
    in float32 on the CPU (the two must agree: a wrong cuBLAS could compute garbage) and decodes a few tokens."""
    import ctranslate2

    device = job.get("device", "cuda")
    found = {"ctranslate2": ctranslate2.__version__, "cuda_devices": ctranslate2.get_cuda_device_count()}
    if device == "cuda" and found["cuda_devices"] == 0:
        raise RuntimeError("CTranslate2 sees no CUDA device")
    found["compute_types"] = sorted(ctranslate2.get_supported_compute_types(device))
    features = np.random.default_rng(0).standard_normal((1, 128, 3000)).astype(np.float32)
    with tempfile.TemporaryDirectory(prefix="gpu-bench-probe-") as folder:
        spec = synthetic_spec(SHAPES["tiny-test"], Path(job["base"]))
        spec.validate()
        spec.optimize(quantization="float16")
        spec.save(folder)
        model = ctranslate2.models.Whisper(folder, device=device, compute_type=job.get("compute_type", "float16"))
        reference = ctranslate2.models.Whisper(folder, device="cpu", compute_type="float32")
        storage = ctranslate2.StorageView.from_array(features)
        encoded = np.asarray(model.encode(storage, to_cpu=True)).astype(np.float32)
        expected = np.asarray(reference.encode(storage, to_cpu=True))
        result = model.generate(storage, [_prompt(Path(job["base"]))[0]], beam_size=2, max_length=8)
    found["encoder_max_difference_vs_cpu"] = float(np.abs(encoded - expected).max())
    found["encoder_max_value"] = float(np.abs(expected).max())
    found["decoded_tokens"] = len(result[0].sequences_ids[0])
    maps = Path("/proc/self/maps").read_text().splitlines()
    found["libraries"] = sorted(
        {line.split()[-1] for line in maps if re.search(r"lib(cublas|cublasLt|cudart|cuda)\.so", line)}
    )
    if not found["encoder_max_difference_vs_cpu"] < 0.05 * found["encoder_max_value"]:
        raise RuntimeError(f"the device's encoder output differs from the CPU's: {json.dumps(found)}")
    return found


def find_cublas() -> dict[str, Path]:
    """libcublas and libcublasLt of the newest CUDA major version found: Python's nvidia packages, ldconfig."""
    roots = {Path(p) / "nvidia" for p in [*sys.path, *site.getsitepackages()] if p and (Path(p) / "nvidia").is_dir()}
    candidates = [Path(f) for root in roots for f in glob.glob(f"{root}/**/libcublas*.so.*", recursive=True)]
    if shutil.which("ldconfig"):
        listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=False).stdout
        candidates += [Path(line.split("=>")[-1].strip()) for line in listing.splitlines() if "libcublas" in line]
    candidates += [Path(f) for f in glob.glob("/usr/local/cuda*/**/libcublas*.so.*", recursive=True)]
    found: dict[str, Path] = {}
    for name in ("libcublas", "libcublasLt"):
        matches = [(int(m.group(1)), c) for c in candidates if (m := re.fullmatch(rf"{name}\.so\.(\d+)", c.name))]
        if matches:
            found[name] = max(matches, key=lambda match: match[0])[1]
    say("cuBLAS candidates: " + (", ".join(sorted({str(c) for c in candidates})) or "none"))
    return found


def make_shim(folder: Path) -> dict[str, Any]:
    """Symlinks named libcublas.so.12 / libcublasLt.so.12 (what CTranslate2 4.8.5's wheel dlopens) to the
    cuBLAS found (CUDA 13 on the lent machines): an experiment that works only if the symbols it calls exist
    unchanged in that version. The real folders go on the path too, for the libraries those libraries need."""
    found = find_cublas()
    if "libcublas" not in found:
        return {"error": "no libcublas.so.* in Python's nvidia packages, ldconfig's cache or /usr/local/cuda*"}
    folder.mkdir(parents=True, exist_ok=True)
    for name, target in found.items():
        link = folder / f"{name}.so.12"
        link.unlink(missing_ok=True)
        link.symlink_to(target.resolve())
        say(f"cuBLAS shim: {link} -> {target.resolve()}")
    path = [str(folder), *dict.fromkeys(str(target.resolve().parent) for target in found.values())]
    return {"folder": str(folder), "libraries": {k: str(v.resolve()) for k, v in found.items()}, "path": path}


def ensure_cuda(arguments: argparse.Namespace) -> dict[str, Any]:
    """Probe CUDA in a child; if that fails, make the shim and re-execute this script with it on the
    library path (the dynamic loader reads LD_LIBRARY_PATH only when a process starts)."""
    found = run_child("probe", {"base": str(arguments.model)}, memory=False)
    shim = json.loads(os.environ[SHIM_ENV]) if SHIM_ENV in os.environ else None
    if "error" not in found:
        say(f"CUDA works: {json.dumps(found)}")
        return {**found, "cublas_shim": shim}
    if shim is not None or arguments.no_shim:
        return {**found, "cublas_shim": shim, "error": f"CTranslate2 cannot use CUDA: {found['error']}"}
    say("CUDA probe failed; trying the cuBLAS shim")
    shim = make_shim(arguments.cublas_shim)
    if "error" in shim:
        return {**found, "cublas_shim": shim, "error": f"CTranslate2 cannot use CUDA, no shim: {shim['error']}"}
    library_path = ":".join([*shim["path"], os.environ.get("LD_LIBRARY_PATH", "")]).rstrip(":")
    say(f"re-executing with LD_LIBRARY_PATH={library_path}")
    environment = {**os.environ, "LD_LIBRARY_PATH": library_path, SHIM_ENV: json.dumps(shim)}
    # This very script again, with the same arguments: only the library path differs.
    os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]], environment)  # noqa: S606
    raise AssertionError("unreachable")  # execve does not return


# --- GPU memory, child processes --------------------------------------------------------------------------------


class GpuMemory:
    """Device-wide GPU memory in use, sampled every 50 ms in a thread: CTranslate2 allocates outside torch, so
    torch.cuda.max_memory_allocated cannot see it. NVML (nvidia-ml-py) where importable, else nvidia-smi."""

    def __init__(self) -> None:
        self.source, self.read = self._reader()
        self.baseline = self.peak = self.read() if self.read else None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def _reader() -> tuple[str, Callable[[], float] | None]:
        try:
            nvml = importlib.import_module("pynvml")
            nvml.nvmlInit()
            handle = nvml.nvmlDeviceGetHandleByIndex(0)
            return "nvml", lambda: nvml.nvmlDeviceGetMemoryInfo(handle).used / 2**20
        except ImportError:
            pass
        except Exception as error:  # pynvml.NVMLError: NVML present but unusable here; fall back to nvidia-smi
            say(f"NVML unusable ({error}); sampling nvidia-smi")
        if not shutil.which("nvidia-smi"):
            return "none", None
        query = ["nvidia-smi", "-i", "0", "--query-gpu=memory.used", "--format=csv,noheader,nounits"]
        return "nvidia-smi", lambda: float(subprocess.run(query, capture_output=True, text=True, check=True).stdout)

    def _sample(self) -> None:
        while self.read and not self._stop.wait(0.05):
            self.peak = max(self.peak or 0.0, self.read())

    def __enter__(self) -> GpuMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict[str, Any]:
        over = None if self.peak is None or self.baseline is None else self.peak - self.baseline
        return {"source": self.source, "baseline_mib": self.baseline, "peak_mib": self.peak, "peak_over_mib": over}


CHILDREN: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "whisper": measure_whisper,
    "synthetic": measure_synthetic,
    "probe": probe,
}


def run_child(kind: str, job: dict[str, Any], *, memory: bool) -> dict[str, Any]:
    """One measurement in its own process; its last stdout line is JSON. Errors come back as {"error": ...}."""
    command = [sys.executable, str(Path(__file__).resolve()), "_child", kind, json.dumps(job)]
    with GpuMemory() if memory else _nothing() as sampler:
        finished = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    lines = finished.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if lines else {"error": f"exit status {finished.returncode}, no result"}
    if sampler is not None:
        result["gpu_memory"] = sampler.summary()
    return dict(result)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def child_main(kind: str, job: str) -> None:
    try:
        result = CHILDREN[kind](json.loads(job))
    except Exception as error:  # reported plainly in the results: one failed measurement must not stop the rest
        say(f"{kind} failed: {type(error).__name__}: {error}")
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
        sys.exit(1)
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


# --- the parts, the report ---------------------------------------------------------------------------------------


def run_base(arguments: argparse.Namespace, report: dict[str, Any]) -> None:
    reference = arguments.reference.read_text(encoding="utf-8")
    with wave.open(str(arguments.audio), "rb") as reader:
        file_s = reader.getnframes() / SAMPLE_RATE
    common = {
        "model": str(arguments.model),
        "audio": str(arguments.audio),
        "minutes": arguments.minutes,
        "device": arguments.device,
        "compute_type": arguments.compute_type,
        "repeats": arguments.repeats,
    }
    jobs = {
        "batched": {"mode": "batched", "batch_size": arguments.batch_size, "beam_size": arguments.beam_size},
        "sequential": {"mode": "plain"},
    }
    for label, job in jobs.items():
        say(f"== base, {label}: {json.dumps({**common, **job})}")
        result = run_child("whisper", {**common, **job}, memory=arguments.device == "cuda")
        if "error" not in result:
            median = statistics.median(result["seconds"])
            wer, words = word_error_rate(reference, result["text"], whole=result["audio_s"] >= file_s - 0.01)
            result |= {"median_s": median, "audio_s_per_wall_s": result["audio_s"] / median, "wer": wer}
            result |= {"reference_words": words, "tokens_per_window": result["tokens"] / max(1, result["windows"])}
            result["tokens_per_30s_audio"] = result["tokens"] * WINDOW_SECONDS / result["audio_s"]
        report["base"][label] = result
        say(f"   {_brief(result)}")
        write_report(arguments.out, report)


def run_large(arguments: argparse.Namespace, report: dict[str, Any]) -> None:
    measured = report["base"].get("batched", {}).get("tokens_per_window")
    tokens = arguments.tokens or (round(measured) if measured else DEFAULT_TOKENS_PER_WINDOW)
    report["synthetic_note"] = (
        f"SYNTHETIC: random weights in the {', '.join(arguments.shapes)} shapes; {arguments.windows} x 30-s windows "
        f"of the real speech per batch, beam {arguments.beam_size}, exactly {tokens} tokens decoded per window "
        f"(end of text suppressed; {'measured with base' if measured and not arguments.tokens else 'given'}). "
        "Timing only: random weights produce no text, so no WER. No VAD, no word timestamps."
    )
    for name in arguments.shapes:
        job = {
            "name": name,
            "base": str(arguments.model),
            "root": str(arguments.synthetic_dir),
            "audio": str(arguments.audio),
            "minutes": arguments.minutes,
            "device": arguments.device,
            "compute_type": arguments.compute_type,
            "windows": arguments.windows,
            "beam_size": arguments.beam_size,
            "tokens": tokens,
            "repeats": arguments.repeats,
        }
        say(f"== SYNTHETIC {name}: {json.dumps(job)}")
        result = run_child("synthetic", job, memory=arguments.device == "cuda")
        if "error" not in result:
            median = statistics.median(result["seconds"])
            result |= {"median_s": median, "windows_per_s": arguments.windows / median, "tokens": tokens}
            result["audio_s_per_wall_s"] = WINDOW_SECONDS * arguments.windows / median
            result["encode_median_s"] = statistics.median(result["encode_s"])
        report["synthetic"][name] = result
        say(f"   {_brief(result)}")
        write_report(arguments.out, report)


def _brief(result: dict[str, Any]) -> str:
    return json.dumps({key: value for key, value in result.items() if key != "text"})


def environment() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, Any] = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    for package in ("ctranslate2", "faster-whisper", "numpy", "onnxruntime", "av"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    if shutil.which("nvidia-smi"):
        query = ["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"]
        found["gpu"] = subprocess.run(query, capture_output=True, text=True, check=False).stdout.strip()
    found["LD_LIBRARY_PATH"] = os.environ.get("LD_LIBRARY_PATH", "")
    return found


def write_report(path: Path | None, report: dict[str, Any]) -> None:
    if path is not None:  # after every measurement, so a run cut short keeps what it measured
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")


def _memory(result: dict[str, Any]) -> str:
    memory = result.get("gpu_memory") or {}
    if memory.get("peak_mib") is None:
        return f"RSS {result.get('peak_rss_mib', 0):.0f} MiB"
    return f"GPU {memory['peak_mib']:.0f} MiB (+{memory['peak_over_mib']:.0f})"


def print_table(report: dict[str, Any]) -> None:
    env, cuda = report["environment"], report.get("cuda") or {}
    shim = cuda.get("cublas_shim")
    print(
        f"\n== {env.get('gpu') or 'no GPU'} | ctranslate2 {env['ctranslate2']} faster-whisper {env['faster-whisper']}"
    )
    print(
        f"device {report['device']} {report['compute_type']}; libraries: {', '.join(cuda.get('libraries', [])) or '-'}"
    )
    print(f"cuBLAS shim: {json.dumps(shim['libraries']) if shim else 'not used'}")
    rows = {"batched": "base batched (engine GPU settings)", "sequential": "base plain transcribe() defaults"}
    for label, result in report["base"].items():
        if "error" in result:
            print(f"{rows[label]:<36} FAILED: {result['error']}")
            continue
        print(
            f"{rows[label]:<36} {result['audio_s_per_wall_s']:7.1f}x real time  WER {result['wer']:.3f}  "
            f"{_memory(result)}  {result['tokens_per_window']:.1f} tokens/window ({result['windows']} windows, "
            f"{result['tokens_per_30s_audio']:.1f} per 30 s of audio)  {result['audio_s'] / 60:.1f} min"
        )
    if report["synthetic"]:
        print(report["synthetic_note"])
    for name, result in report["synthetic"].items():
        if "error" in result:
            print(f"SYNTHETIC {name:<26} FAILED: {result['error']}")
            continue
        print(
            f"SYNTHETIC {name:<26} {result['audio_s_per_wall_s']:7.1f}x real time  {result['windows_per_s']:.2f} "
            f"windows/s  encode {result['encode_median_s']:.3f} s/batch  {_memory(result)}  "
            f"decoded {min(result['decoded_tokens'])}-{max(result['decoded_tokens'])} tokens/window  no WER"
        )


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("all", "base", "large", "build", "probe"), default="all")
    parser.add_argument("--model", type=Path, required=True, help="the bundled base model folder (CTranslate2)")
    parser.add_argument("--audio", type=Path, help="16 kHz mono 16-bit WAV")
    parser.add_argument("--reference", type=Path, help="the text spoken in --audio")
    parser.add_argument("--minutes", type=float, help="use only the first MINUTES of the audio")
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--compute-type", help="default: float16 on cuda, int8 on cpu")
    parser.add_argument("--batch-size", type=int, default=GPU_BATCH_SIZE)
    parser.add_argument("--beam-size", type=int, default=GPU_BEAM_SIZE)
    parser.add_argument("--repeats", type=int, default=3, help="timed repetitions after one warm-up")
    parser.add_argument("--shapes", default="large-v3,large-v3-turbo", help=f"synthetic shapes: {', '.join(SHAPES)}")
    parser.add_argument("--synthetic-dir", type=Path, default=Path(tempfile.gettempdir(), "gpu-bench-synthetic"))
    parser.add_argument("--windows", type=int, default=GPU_BATCH_SIZE, help="30-s windows per synthetic batch")
    parser.add_argument("--tokens", type=int, help="tokens per synthetic window (default: measured with base)")
    parser.add_argument("--cublas-shim", type=Path, default=Path(tempfile.gettempdir(), "gpu-bench-cublas"))
    parser.add_argument("--no-shim", action="store_true", help="fail instead of trying the cuBLAS shim")
    parser.add_argument("--no-probe", action="store_true", help="skip the CUDA probe (and so the shim)")
    parser.add_argument("--out", type=Path, help="results as JSON")
    arguments = parser.parse_args()
    arguments.shapes = [name.strip() for name in arguments.shapes.split(",") if name.strip()]
    if unknown := set(arguments.shapes) - set(SHAPES):
        parser.error(f"unknown shapes: {', '.join(sorted(unknown))}")
    if arguments.part in ("all", "base", "large") and not (arguments.audio and arguments.reference):
        parser.error("--audio and --reference are needed for the base and large parts")
    if arguments.tokens is not None and not 4 <= arguments.tokens <= MAX_TOKENS_PER_WINDOW:
        parser.error(f"--tokens: 4 to {MAX_TOKENS_PER_WINDOW} (Whisper's 448 positions, half of them sampled)")
    arguments.compute_type = arguments.compute_type or ("float16" if arguments.device == "cuda" else "int8")
    return arguments


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "_child":
        child_main(sys.argv[2], sys.argv[3])
        return
    arguments = parse_arguments()
    report: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "part": arguments.part,
        "device": arguments.device,
        "compute_type": arguments.compute_type,
        "environment": environment(),
        "base": {},
        "synthetic": {},
    }
    if arguments.part == "build":  # CPU work only: runs in the background while later calls transfer files
        report["build"] = [build_synthetic(name, arguments.model, arguments.synthetic_dir) for name in arguments.shapes]
        write_report(arguments.out, report)
        return
    if arguments.device == "cuda" and not arguments.no_probe:
        report["cuda"] = ensure_cuda(arguments)
        if "error" in report["cuda"]:
            write_report(arguments.out, report)
            raise SystemExit(report["cuda"]["error"])
    if arguments.part in ("all", "base"):
        run_base(arguments, report)
    if arguments.part in ("all", "large"):
        run_large(arguments, report)
    report["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    write_report(arguments.out, report)
    print_table(report)
    failed = [name for part in ("base", "synthetic") for name, result in report[part].items() if "error" in result]
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
