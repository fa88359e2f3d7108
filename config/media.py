"""Private media storage: every byte of a recording is encrypted by the application before storage sees it."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from typing import IO

from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage

from config.crypto import (
    BOUND_MAGIC,
    CHUNK_SIZE,
    HEADER,
    MAGIC,
    DecryptingReader,
    encrypt_stream,
    key_id,
    media_keys,
    rewrap_header,
)


class _IteratorReader(io.RawIOBase):
    """A read-only file object over an iterator of byte strings, so storage can pull ciphertext lazily."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        super().__init__()
        self._pieces, self._buffer = pieces, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        while not self._buffer:
            try:
                self._buffer = next(self._pieces)
            except StopIteration:
                return 0
        count = min(len(buffer), len(self._buffer))
        buffer[:count], self._buffer = self._buffer[:count], self._buffer[count:]
        return count


def save_encrypted(*, name: str, source: IO[bytes]) -> str:
    """Encrypt `source` as a stream into storage under (a free variant of) `name`; returns the stored name.

    The file is bound to that stored name (format 2, config/crypto.py): the name is settled before encrypting,
    and should storage still pick another one (a race for the same name) the file is removed and OSError raised.
    """
    final = default_storage.get_available_name(name)
    reader = io.BufferedReader(_IteratorReader(encrypt_stream(source, bound_to=final)), buffer_size=256 * 1024)
    stored = default_storage.save(final, File(reader, name=final))
    if stored != final:
        default_storage.delete(stored)
        raise OSError("Storage chose another name while the file was being written; try again.")
    return stored


def open_decrypted(name: str) -> DecryptingReader:
    """A seekable plaintext reader of a stored encrypted file (range reads decrypt only what they touch)."""
    return DecryptingReader(default_storage.open(name, "rb"), bound_to=name)


def delete_media(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def walk_media(folder: str = "") -> Iterator[str]:
    """Every stored file name under `folder`, recursively (local folder or object storage alike)."""
    folders, files = default_storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from walk_media(f"{folder}/{sub}" if folder else sub)


def rewrap_media(name: str) -> bool:
    """Re-wrap one file's data key under the current media key; False when it is not ours or already current.

    Only the fixed-size header changes, so a local file is rewritten in place; object storage gets the
    whole object again under the same name.
    """
    with default_storage.open(name, "rb") as stored:
        header = stored.read(HEADER.size)
        if not header.startswith((MAGIC, BOUND_MAGIC)) or header[len(MAGIC) : len(MAGIC) + 8] == key_id(
            media_keys()[0]
        ):
            return False
        new_header = rewrap_header(header)
        if isinstance(default_storage, FileSystemStorage):
            with open(default_storage.path(name), "r+b") as local:
                local.write(new_header)
            return True
        rest = iter(lambda: stored.read(CHUNK_SIZE * 16), b"")
        body = _IteratorReader(itertools.chain([new_header], rest))
        default_storage._save(name, File(io.BufferedReader(body), name=name))  # type: ignore[attr-defined]
    return True
