"""Application-level encryption: short fields (contact details, raw transcript text) and media streams (recordings).

Keys come from the environment (or, in DEBUG only, are derived from SECRET_KEY), never from the database.
Each key list is ordered: the first key encrypts, every key decrypts, so adding a new key in front rotates
without making old data unreadable (`python manage.py rotate_keys` re-encrypts).

Media format (AES-256-GCM in fixed-size chunks, so multi-gigabyte files stream and range reads touch only
the chunks they need):

    header  = MAGIC(6) | key_id(8) | wrap_nonce(12) | wrapped_data_key(48) | chunk_size(4) | base_nonce(8)
    chunk i = AESGCM(data_key).encrypt(base_nonce | i, plaintext_i,
                                       aad=MAGIC | chunk_size | base_nonce | i | last [| SHA-256(name)])

A chunk's ciphertext is its plaintext plus a 16-byte tag. The last chunk is authenticated as last, so
truncating a file at a chunk boundary is detected. Files written since format 2 (MAGIC "IPENC2") are bound to
the storage name they were written under (the SHA-256 of the name joins every chunk's associated data): a file
put in another's place, say two recordings' files swapped in storage, no longer authenticates. Format 1 files
("IPENC1") stay readable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

MAGIC = b"IPENC1"
BOUND_MAGIC = b"IPENC2"  # format 2: chunks also authenticate the storage name the file was written for
CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
HEADER = struct.Struct(">6s8s12s48sI8s")


class DecryptionError(Exception):
    """Ciphertext that does not authenticate: wrong key, tampering or truncation (permanent)."""


# --- Keys ----------------------------------------------------------------------------------------------


def _decode_keys(raw: list[str]) -> list[bytes]:
    keys = [base64.urlsafe_b64decode(item.encode() + b"=" * (-len(item) % 4)) for item in raw]
    if any(len(key) != 32 for key in keys):
        raise ValueError("Encryption keys must be 32 random bytes, URL-safe base64 encoded.")
    return keys


def _derived(label: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), label.encode(), hashlib.sha256).digest()


@cache
def field_keys() -> tuple[bytes, ...]:
    return tuple(_decode_keys(settings.FIELD_ENCRYPTION_KEYS)) or (_derived("field-encryption"),)


@cache
def media_keys() -> tuple[bytes, ...]:
    return tuple(_decode_keys(settings.MEDIA_ENCRYPTION_KEYS)) or (_derived("media-encryption"),)


@cache
def hash_key() -> bytes:
    return _decode_keys([settings.IDENTIFIER_HASH_KEY])[0] if settings.IDENTIFIER_HASH_KEY else _derived("hash")


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:8]


def reset_key_caches() -> None:
    """Forget cached keys (after settings change in tests or a rotation command)."""
    for cached in (field_keys, media_keys, hash_key):
        cached.cache_clear()


# --- Short fields -------------------------------------------------------------------------------------


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(base64.urlsafe_b64encode(key)) for key in field_keys()])


def encrypt_text(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError("A field could not be decrypted with any configured key.") from error


def rotate_text(token: str) -> str:
    """Re-encrypt a field token under the current (first) key."""
    return _fernet().rotate(token.encode()).decode()


# Sealed values share a column with plaintext (raw transcript text beside redacted text), so each one says
# what it is: this mark, then a field token. U+FDD0 is a Unicode noncharacter, reserved for a program's
# internal use and never part of text people or Whisper write; plaintext that starts with it is refused.
SEAL_MARK = "\ufdd0"


def seal(value: str) -> str:
    """A field token marked as sealed, for columns that also hold plaintext (config.fields.SealedTextField)."""
    return SEAL_MARK + encrypt_text(value)


def is_sealed(value: str) -> bool:
    return value.startswith(SEAL_MARK)


def unseal(value: str) -> str:
    if not is_sealed(value):
        raise DecryptionError("The value is not sealed.")
    return decrypt_text(value[len(SEAL_MARK) :])


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of a normalised identifier, for duplicate checks without storing plaintext."""
    normalised = " ".join(value.strip().lower().split())
    return hmac.new(hash_key(), normalised.encode(), hashlib.sha256).hexdigest()


# --- Media streams --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaHeader:
    raw: bytes
    magic: bytes
    key_id: bytes
    data_key: bytes
    chunk_size: int
    base_nonce: bytes


def _wrap_header(data_key: bytes, chunk_size: int, base_nonce: bytes, master: bytes, magic: bytes) -> bytes:
    wrap_nonce = os.urandom(12)
    wrapped = AESGCM(master).encrypt(wrap_nonce, data_key, magic + key_id(master))
    return HEADER.pack(magic, key_id(master), wrap_nonce, wrapped, chunk_size, base_nonce)


def read_header(raw: bytes) -> MediaHeader:
    if len(raw) != HEADER.size:
        raise DecryptionError("The encrypted file is too short to hold a header.")
    magic, kid, wrap_nonce, wrapped, chunk_size, base_nonce = HEADER.unpack(raw)
    if magic not in (MAGIC, BOUND_MAGIC):
        raise DecryptionError("This file is not in the platform's encrypted format.")
    master = next((key for key in media_keys() if key_id(key) == kid), None)
    if master is None:
        raise DecryptionError("No configured media key matches this file.")
    try:
        data_key = AESGCM(master).decrypt(wrap_nonce, wrapped, magic + kid)
    except InvalidTag as error:
        raise DecryptionError("The file's data key does not authenticate.") from error
    return MediaHeader(raw, magic, kid, data_key, chunk_size, base_nonce)


def rewrap_header(raw: bytes) -> bytes:
    """The same file header with its data key wrapped by the current media key (cheap key rotation)."""
    header = read_header(raw)
    return _wrap_header(header.data_key, header.chunk_size, header.base_nonce, media_keys()[0], header.magic)


def _chunk_aad(chunk_size: int, base_nonce: bytes, index: int, last: bool, magic: bytes, binding: bytes) -> bytes:
    # Only the parts of the header that never change: re-wrapping the data key under a new master key
    # rewrites the header but must leave every chunk valid.
    return magic + struct.pack(">I", chunk_size) + base_nonce + struct.pack(">I?", index, last) + binding


def _binding(bound_to: str | None) -> bytes:
    return b"" if bound_to is None else hashlib.sha256(bound_to.encode()).digest()


def encrypt_stream(source: IO[bytes], chunk_size: int = CHUNK_SIZE, *, bound_to: str | None = None) -> Iterator[bytes]:
    """Yield the encrypted form of `source`, a header then one piece per chunk, holding one chunk at a time.

    With `bound_to` (the storage name) the file is written in format 2 and only decrypts under that name."""
    data_key, base_nonce = AESGCM.generate_key(bit_length=256), os.urandom(8)
    magic, binding = (MAGIC, b"") if bound_to is None else (BOUND_MAGIC, _binding(bound_to))
    raw = _wrap_header(data_key, chunk_size, base_nonce, media_keys()[0], magic)
    yield raw
    aead, index = AESGCM(data_key), 0
    current = source.read(chunk_size)
    while True:
        following = source.read(chunk_size) if current else b""
        last = not following
        aad = _chunk_aad(chunk_size, base_nonce, index, last, magic, binding)
        yield aead.encrypt(base_nonce + struct.pack(">I", index), current, aad)
        if last:
            return
        current, index = following, index + 1


def encrypted_size(plain_size: int, chunk_size: int = CHUNK_SIZE) -> int:
    chunks = max(1, -(-plain_size // chunk_size))
    return HEADER.size + plain_size + chunks * TAG_SIZE


class DecryptingReader(io.RawIOBase):
    """A seekable, read-only plaintext view of an encrypted file object; decrypts only the chunks it reads."""

    def __init__(self, encrypted: IO[bytes], *, bound_to: str | None = None) -> None:
        super().__init__()
        self._file = encrypted
        self._header = read_header(encrypted.read(HEADER.size))
        if self._header.magic == BOUND_MAGIC and bound_to is None:
            raise DecryptionError("This file is bound to its storage name; open it by that name.")
        self._binding = _binding(bound_to) if self._header.magic == BOUND_MAGIC else b""
        self._aead = AESGCM(self._header.data_key)
        encrypted.seek(0, io.SEEK_END)
        body = encrypted.tell() - HEADER.size
        stride = self._header.chunk_size + TAG_SIZE
        self._chunks = max(1, -(-body // stride))
        self.size = body - self._chunks * TAG_SIZE
        if self.size < 0:
            raise DecryptionError("The encrypted file is truncated.")
        self._position = 0
        self._cache: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def _chunk(self, index: int) -> bytes:
        if self._cache and self._cache[0] == index:
            return self._cache[1]
        stride = self._header.chunk_size + TAG_SIZE
        self._file.seek(HEADER.size + index * stride)
        sealed = self._file.read(stride)
        last = index == self._chunks - 1
        nonce = self._header.base_nonce + struct.pack(">I", index)
        try:
            aad = _chunk_aad(
                self._header.chunk_size, self._header.base_nonce, index, last, self._header.magic, self._binding
            )
            plain = self._aead.decrypt(nonce, sealed, aad)
        except InvalidTag as error:
            raise DecryptionError(f"Chunk {index} does not authenticate (tampered or truncated).") from error
        self._cache = (index, plain)
        return plain

    def read(self, size: int = -1) -> bytes:
        end = self.size if size is None or size < 0 else min(self.size, self._position + size)
        pieces: list[bytes] = []
        while self._position < end:
            index, within = divmod(self._position, self._header.chunk_size)
            piece = self._chunk(index)[within : within + end - self._position]
            pieces.append(piece)
            self._position += len(piece)
        return b"".join(pieces)

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._file.close()
        super().close()
