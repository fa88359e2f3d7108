"""The engine adapter: the bundled model's join and checksum, device choice, lazy loading, failure types."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ctranslate2
import pytest
from django.conf import settings
from pytest_django.fixtures import Settings as SettingsWrapper

from transcription import bundled_model, engine
from transcription.bundled_model import MODEL_SHA256, BundledModelCorrupt, ensure_bundled_model


def test_the_bundled_model_is_joined_once_and_verified(tmp_path: Path) -> None:
    folder = ensure_bundled_model(tmp_path)
    model = folder / "model.bin"
    first_write = model.stat().st_mtime_ns

    assert bundled_model.file_sha256(model) == MODEL_SHA256
    assert {path.name for path in folder.iterdir()} >= {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    assert ensure_bundled_model(tmp_path) == folder
    assert model.stat().st_mtime_ns == first_write  # the second call reused it
    assert not list(folder.glob(".model.bin.*"))  # no temporary file left behind


def test_a_damaged_joined_model_is_rebuilt_not_loaded(tmp_path: Path) -> None:
    model = ensure_bundled_model(tmp_path) / "model.bin"
    with model.open("r+b") as handle:
        handle.truncate(1024)

    ensure_bundled_model(tmp_path)

    assert bundled_model.file_sha256(model) == MODEL_SHA256


def test_halves_that_do_not_match_the_checksum_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundled_model, "MODEL_SHA256", "0" * 64)

    with pytest.raises(BundledModelCorrupt):
        ensure_bundled_model(tmp_path)
    assert not (tmp_path / bundled_model.FOLDER_NAME / "model.bin").exists()


def test_auto_picks_cpu_and_int8_without_a_gpu(settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.WHISPER_DEVICE, settings.WHISPER_COMPUTE_TYPE = "auto", "auto"
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 0)

    settings.WHISPER_BATCH_SIZE = 0
    config = engine.resolve_config()

    streams = min(engine.available_cores(), engine.MAX_AUTO_STREAMS)
    batch = streams * engine.CPU_CHUNKS_PER_STREAM
    assert (config.device, config.compute_type, config.streams, config.batch_size) == ("cpu", "int8", streams, batch)
    assert config.cpu_threads == max(1, engine.available_cores() // streams)
    assert config.beam_size == engine.CPU_BEAM_SIZE


def test_auto_picks_cuda_and_float16_when_a_gpu_is_seen(
    settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No GPU is lent to this machine: CTranslate2's device count is the one thing mocked.
    settings.WHISPER_DEVICE, settings.WHISPER_COMPUTE_TYPE = "auto", "auto"
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)

    settings.WHISPER_BATCH_SIZE = 0
    config = engine.resolve_config()

    assert (config.device, config.compute_type, config.batch_size) == ("cuda", "float16", engine.GPU_BATCH_SIZE)
    assert (config.streams, config.beam_size) == (1, engine.GPU_BEAM_SIZE)


def test_explicit_settings_win_over_auto(settings: SettingsWrapper) -> None:
    settings.WHISPER_DEVICE, settings.WHISPER_COMPUTE_TYPE = "cpu", "float32"
    settings.WHISPER_BATCH_SIZE, settings.WHISPER_BEAM_SIZE = 4, 1

    config = engine.resolve_config()

    assert (config.device, config.compute_type, config.batch_size, config.beam_size) == ("cpu", "float32", 4, 1)


def test_a_model_that_was_never_fetched_is_unavailable_without_a_download(tmp_path: Path) -> None:
    with pytest.raises(engine.ModelUnavailable, match="fetch_whisper_model large-v3"):
        engine.model_location("large-v3", tmp_path)


def test_a_local_model_folder_is_used_as_it_is(tmp_path: Path) -> None:
    assert engine.model_location(str(tmp_path), tmp_path / "elsewhere") == str(tmp_path)


def test_gpu_out_of_memory_becomes_a_transient_error() -> None:
    with pytest.raises(engine.EngineOutOfMemory), engine._out_of_memory_is_transient():
        raise RuntimeError("CUDA failed with error out of memory")


def test_other_runtime_errors_pass_through_unchanged() -> None:
    with pytest.raises(RuntimeError, match="something else"), engine._out_of_memory_is_transient():
        raise RuntimeError("something else")


def test_the_engine_is_loaded_once_and_reused(engine: engine.Engine) -> None:
    from transcription.engine import get_engine

    assert get_engine() is engine
    assert engine.config.model == settings.WHISPER_MODEL == "bundled-base"
    assert Path(engine.location).name == bundled_model.FOLDER_NAME


def test_importing_the_pipeline_loads_no_model() -> None:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings_test'); django.setup();"
        "import transcription.pipeline, transcription.engine as e, sys;"
        "print(e._engine is None, 'torch' in sys.modules)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=settings.BASE_DIR
    )
    assert shown.stdout.split() == ["True", "False"]
