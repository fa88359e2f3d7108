"""Read a PyTorch checkpoint of the legacy (pre-1.6, non-zip) format into NumPy arrays, without PyTorch.

Resemblyzer's `pretrained.pt` is such a file: a run of pickles (magic number, protocol version, system info, the
object tree whose tensors point at storages by key, the list of storage keys) followed by each storage's bytes,
each preceded by its element count. Only the few classes a plain state dict needs are let out of the pickle;
anything else is refused, so the file cannot run code even if it were swapped. The caller checks the file's
SHA-256 first.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class CheckpointError(ValueError):
    """The file is not a legacy PyTorch checkpoint this reader understands."""


@dataclass
class _Storage:
    key: str
    dtype: type[np.generic]
    data: np.ndarray | None = None


@dataclass
class _TensorRef:
    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]

    def array(self) -> np.ndarray:
        if self.storage.data is None:
            raise CheckpointError(f"storage {self.storage.key} has no data")
        base = self.storage.data
        itemsize = base.itemsize
        end = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride, strict=True)) + 1
        if self.size and (self.offset < 0 or end > len(base)):
            raise CheckpointError(f"a tensor reaches past storage {self.storage.key}")
        view = np.lib.stride_tricks.as_strided(
            base[self.offset :], shape=self.size, strides=tuple(s * itemsize for s in self.stride)
        )
        return np.array(view)  # a copy that owns its memory, in C order


def _rebuild_tensor_v2(storage: _Storage, offset: int, size: tuple[int, ...], stride: tuple[int, ...], *_: Any) -> Any:
    return _TensorRef(storage, offset, tuple(size), tuple(stride))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: IO[bytes], storages: dict[str, _Storage]) -> None:
        super().__init__(file)
        self.storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if module == "torch" and name in _STORAGE_DTYPES:
            return name
        raise CheckpointError(f"the checkpoint asks for {module}.{name}, which a state dict does not need")

    def persistent_load(self, pid: Any) -> _Storage:
        # ('storage', storage type, key, location, element count[, view metadata])
        if not isinstance(pid, tuple) or len(pid) < 5 or pid[0] != "storage" or pid[1] not in _STORAGE_DTYPES:
            raise CheckpointError("an unknown persistent reference")
        key = str(pid[2])
        return self.storages.setdefault(key, _Storage(key, _STORAGE_DTYPES[pid[1]]))


def load_legacy_checkpoint(raw: bytes) -> Any:
    """The checkpoint's object tree with every tensor as a NumPy array."""
    stream = io.BytesIO(raw)
    try:
        storages: dict[str, _Storage] = {}
        if (
            _Unpickler(stream, storages).load() != LEGACY_MAGIC
            or _Unpickler(stream, storages).load() != LEGACY_PROTOCOL
        ):
            raise CheckpointError("not a legacy PyTorch checkpoint")
        _Unpickler(stream, storages).load()  # system info (byte order, sizes): a plain dict
        tree = _Unpickler(stream, storages).load()
        for key in _Unpickler(stream, storages).load():
            _read_storage(stream, storages[str(key)])
    except (pickle.UnpicklingError, EOFError, KeyError, struct.error) as error:
        raise CheckpointError(f"damaged checkpoint: {error.__class__.__name__}") from error
    return _materialise(tree)


def _read_storage(stream: io.BytesIO, storage: _Storage) -> None:
    (count,) = struct.unpack("<q", stream.read(8))
    itemsize = np.dtype(storage.dtype).itemsize
    data = stream.read(count * itemsize)
    if len(data) != count * itemsize:
        raise CheckpointError(f"storage {storage.key} is cut short")
    storage.data = np.frombuffer(data, dtype=storage.dtype)


def _materialise(node: Any) -> Any:
    if isinstance(node, _TensorRef):
        return node.array()
    if isinstance(node, dict):
        return {key: _materialise(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return type(node)(_materialise(value) for value in node)
    return node
