"""Write the speaker encoder's weights (transcription/data/voice_encoder.npz) from Resemblyzer's checkpoint.

    .venv/bin/python scripts/speaker_weights.py          # rewrite the .npz; then pin its SHA-256 (ENCODER_SHA256)
    .venv/bin/python scripts/speaker_weights.py --check  # exit 1 if the committed arrays differ from a fresh build

Resemblyzer 0.1.4 (Apache-2.0) ships its voice encoder as `pretrained.pt`, 17 MB, two thirds of it the optimizer's
state. The runtime needs only the network's eleven arrays (5.7 MB), so they are taken out once, here, with
transcription.checkpoint (no PyTorch), from the file whose SHA-256 diarization.SOURCE_SHA256 pins; resemblyzer is
a development requirement only (requirements-dev-models.txt, installed without its dependencies).
transcription/tests/test_diarization.py checks the committed file against a fresh build.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transcription.checkpoint import load_legacy_checkpoint  # noqa: E402
from transcription.diarization import SOURCE_SHA256, WEIGHTS, source_checkpoint  # noqa: E402
from transcription.weights import rebuild  # noqa: E402


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


if __name__ == "__main__":
    sys.exit(rebuild(build, WEIGHTS, __doc__.splitlines()[0]))
