"""Write the voice activity detector's weights (transcription/data/silero_vad_v6.npz) from faster-whisper's model.

    .venv/bin/python scripts/vad_weights.py          # rewrite the .npz
    .venv/bin/python scripts/vad_weights.py --check  # exit 1 if the committed arrays differ from a fresh build

faster-whisper ships Silero VAD v6 (MIT licence) as `faster_whisper/assets/silero_vad_v6.onnx` and runs it with
onnxruntime, 75 MB installed with its dependencies. The runtime here runs the same small network in NumPy
(transcription/vad.py) from the arrays this script takes out of that file with the `onnx` package, which, like
onnxruntime, is in requirements-dev.txt only. The .npz records the ONNX file's SHA-256; transcription/vad.py
checks it against the installed faster-whisper, so an upgrade that changes the model is noticed
(transcription/tests/test_vad.py).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transcription.vad import WEIGHT_NAMES, WEIGHTS, onnx_path  # noqa: E402
from transcription.weights import rebuild  # noqa: E402


def build() -> dict[str, np.ndarray]:
    """The arrays the NumPy detector reads, named as the PyTorch module named them, and the ONNX file's hash."""
    import onnx
    from onnx import numpy_helper

    path = onnx_path()
    graph = onnx.load(str(path)).graph
    initializers = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
    # The exporter left the LSTM's three inputs unnamed; they are the LSTM node's 2nd to 4th inputs.
    (lstm,) = [node for node in graph.node if node.op_type == "LSTM"]
    renamed = dict(zip(("lstm.W", "lstm.R", "lstm.B"), lstm.input[1:4], strict=True))
    arrays = {name: np.asarray(initializers[renamed.get(name, name)], dtype=np.float32) for name in WEIGHT_NAMES}
    arrays["source_sha256"] = np.array(hashlib.sha256(path.read_bytes()).hexdigest())
    return arrays


if __name__ == "__main__":
    sys.exit(rebuild(build, WEIGHTS, __doc__.splitlines()[0]))
