"""Write the speaker encoder's weights (transcription/data/voice_encoder.npz) from Resemblyzer's checkpoint.

    .venv/bin/python scripts/speaker_weights.py          # rewrite the .npz, then pin its SHA-256 in diarization.py
    .venv/bin/python scripts/speaker_weights.py --check  # exit 1 if the committed arrays differ from a fresh build

Resemblyzer 0.1.4 (Apache-2.0) ships its voice encoder as `pretrained.pt`, 17 MB, two thirds of it the optimizer's
state. The runtime needs only the network's eleven arrays (5.7 MB), so they are taken out once, here, with
transcription.checkpoint (no PyTorch), from the file whose SHA-256 diarization.SOURCE_SHA256 pins; resemblyzer is
a development requirement only (requirements-dev-models.txt, installed without its dependencies).
transcription/tests/test_diarization.py checks the committed file against a fresh build.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transcription.checkpoint import load_legacy_checkpoint  # noqa: E402
from transcription.diarization import SOURCE_SHA256, WEIGHTS, source_checkpoint  # noqa: E402


def build() -> dict[str, np.ndarray]:
    """The LSTM's and the linear layer's arrays, named as in the PyTorch state dict, and the source's hash."""
    raw = source_checkpoint().read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        raise SystemExit(f"pretrained.pt is not the pinned file (SHA-256 {digest})")
    state = load_legacy_checkpoint(raw)["model_state"]
    arrays = {name: np.asarray(value) for name, value in state.items() if name.startswith(("lstm.", "linear."))}
    arrays["source_sha256"] = np.array(digest)
    return arrays


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare the committed file with a fresh build")
    fresh = build()
    if parser.parse_args().check:
        with np.load(WEIGHTS, allow_pickle=False) as committed:
            same = set(committed.files) == set(fresh) and all(np.array_equal(committed[k], v) for k, v in fresh.items())
        print("up to date" if same else f"{WEIGHTS.name} is stale: run python scripts/speaker_weights.py")
        return 0 if same else 1
    np.savez(WEIGHTS, **fresh)  # type: ignore[arg-type]
    digest = hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()
    print(f"wrote {WEIGHTS.relative_to(ROOT)} ({WEIGHTS.stat().st_size:,} bytes): set ENCODER_SHA256 = {digest!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
