"""The speaker encoder's weights are read from Resemblyzer's checkpoint without PyTorch, and nothing else is let in."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from transcription import diarization
from transcription.checkpoint import LEGACY_MAGIC, LEGACY_PROTOCOL, CheckpointError, load_legacy_checkpoint


def _legacy_stream(tree: object) -> bytes:
    header = b"".join(
        pickle.dumps(part, protocol=2) for part in (LEGACY_MAGIC, LEGACY_PROTOCOL, {"little_endian": True})
    )
    return header + pickle.dumps(tree, protocol=2) + pickle.dumps([], protocol=2)


class _RunsACommand:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("this must never run",))


def test_it_reads_every_tensor_of_the_packaged_voice_encoder() -> None:
    state = load_legacy_checkpoint(diarization.source_checkpoint().read_bytes())["model_state"]

    assert state["lstm.weight_ih_l0"].shape == (1024, 40)
    assert state["lstm.weight_hh_l2"].shape == (1024, 256)
    assert state["linear.weight"].shape == (256, 256)
    assert str(state["linear.bias"].dtype) == "float32"
    assert state["linear.weight"].flags.c_contiguous


def test_it_refuses_a_pickle_that_asks_for_anything_but_a_state_dict(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(CheckpointError, match=r"\.print, which"):
        load_legacy_checkpoint(_legacy_stream({"model_state": _RunsACommand()}))

    assert "must never run" not in capsys.readouterr().out


@pytest.mark.parametrize("keep", [0, 10, 1_000])
def test_a_cut_or_foreign_file_is_refused_with_a_checkpoint_error(keep: int) -> None:
    raw = diarization.source_checkpoint().read_bytes()
    with pytest.raises(CheckpointError):
        load_legacy_checkpoint(raw[:keep] if keep else b"PK\x03\x04 a zip file")


def test_workers_embed_voices_without_importing_torch() -> None:
    script = (
        "import sys, numpy\n"
        "from transcription import diarization\n"
        "clip = numpy.random.default_rng(0).standard_normal(24_000).astype(numpy.float32)\n"
        "voices = diarization.embed_windows(clip, [(0.0, 1.5)])\n"
        "print(voices.embeddings.shape[1], 'torch' in sys.modules, 'resemblyzer' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)

    assert done.stdout.split() == ["256", "False", "False"]
