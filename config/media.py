"""Private media storage: every byte of a recording is encrypted by the application before storage sees it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO

from django.core.files import File
from django.core.files.storage import default_storage

from config.crypto import DecryptingReader, encrypt_stream


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
    """Encrypt `source` as a stream into storage under (a free variant of) `name`; returns the stored name."""
    reader = io.BufferedReader(_IteratorReader(encrypt_stream(source)), buffer_size=256 * 1024)
    return default_storage.save(name, File(reader, name=name))


def open_decrypted(name: str) -> DecryptingReader:
    """A seekable plaintext reader of a stored encrypted file (range reads decrypt only what they touch)."""
    return DecryptingReader(default_storage.open(name, "rb"))


def delete_media(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)
