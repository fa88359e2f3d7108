"""Encryption at rest: stored bytes are not the plaintext, decrypt back exactly (range reads too), rotate."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pytest
from django.core.files.storage import default_storage
from pytest_django.fixtures import Settings as SettingsWrapper

from config import crypto
from config.media import delete_media, open_decrypted, save_encrypted

OLD_KEY = "b2xkLW1lZGlhLWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2g="
NEW_KEY = "bmV3LW1lZGlhLWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2g="


@pytest.fixture(autouse=True)
def fresh_keys() -> Iterator[None]:
    crypto.reset_key_caches()
    yield
    crypto.reset_key_caches()


@pytest.fixture
def stored() -> Iterator[tuple[str, bytes]]:
    plain = os.urandom(3 * crypto.CHUNK_SIZE + 1234)
    name = save_encrypted(name="tests/recording.wav.enc", source=io.BytesIO(plain))
    yield name, plain
    delete_media(name)


def test_the_stored_bytes_are_not_the_plaintext(stored: tuple[str, bytes]) -> None:
    name, plain = stored
    with default_storage.open(name, "rb") as raw:
        ciphertext = raw.read()
    assert ciphertext.startswith(crypto.BOUND_MAGIC)  # format 2: bound to its storage name
    assert plain[:4096] not in ciphertext
    assert len(ciphertext) == crypto.encrypted_size(len(plain))


def test_it_decrypts_back_exactly_and_through_range_reads(stored: tuple[str, bytes]) -> None:
    name, plain = stored
    with open_decrypted(name) as reader:
        assert reader.size == len(plain)
        assert reader.read() == plain
        for start, length in [
            (0, 10),
            (crypto.CHUNK_SIZE - 5, 10),
            (2 * crypto.CHUNK_SIZE + 7, 70000),
            (len(plain) - 3, 10),
        ]:
            reader.seek(start)
            assert reader.read(length) == plain[start : start + length]


@pytest.mark.parametrize("size", [0, 1, crypto.CHUNK_SIZE - 1, crypto.CHUNK_SIZE, crypto.CHUNK_SIZE + 1])
def test_it_round_trips_edge_sizes(size: int) -> None:
    plain = os.urandom(size)
    sealed = b"".join(crypto.encrypt_stream(io.BytesIO(plain)))
    assert crypto.DecryptingReader(io.BytesIO(sealed)).read() == plain


def test_a_flipped_byte_or_a_truncated_file_is_detected() -> None:
    plain = os.urandom(2 * crypto.CHUNK_SIZE + 10)
    sealed = bytearray(b"".join(crypto.encrypt_stream(io.BytesIO(plain))))
    sealed[crypto.HEADER.size + 100] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.DecryptingReader(io.BytesIO(bytes(sealed))).read()
    sealed[crypto.HEADER.size + 100] ^= 1
    cut_at_chunk_boundary = bytes(sealed[: crypto.HEADER.size + 2 * (crypto.CHUNK_SIZE + crypto.TAG_SIZE)])
    with pytest.raises(crypto.DecryptionError):
        crypto.DecryptingReader(io.BytesIO(cut_at_chunk_boundary)).read()


def test_a_new_media_key_keeps_old_files_readable_and_rewrapping_moves_them(settings: SettingsWrapper) -> None:
    settings.MEDIA_ENCRYPTION_KEYS = [OLD_KEY]
    plain = os.urandom(100_000)
    sealed = b"".join(crypto.encrypt_stream(io.BytesIO(plain)))

    settings.MEDIA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    crypto.reset_key_caches()
    assert crypto.DecryptingReader(io.BytesIO(sealed)).read() == plain
    rewrapped = crypto.rewrap_header(sealed[: crypto.HEADER.size]) + sealed[crypto.HEADER.size :]

    settings.MEDIA_ENCRYPTION_KEYS = [NEW_KEY]
    crypto.reset_key_caches()
    assert crypto.DecryptingReader(io.BytesIO(rewrapped)).read() == plain
    with pytest.raises(crypto.DecryptionError):
        crypto.DecryptingReader(io.BytesIO(sealed)).read()


def test_field_encryption_rotates_and_keyed_hashes_ignore_case_and_spacing(settings: SettingsWrapper) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    token = crypto.encrypt_text("María José")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    crypto.reset_key_caches()
    rotated = crypto.rotate_text(token)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    crypto.reset_key_caches()
    assert crypto.decrypt_text(rotated) == "María José"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_text(token)
    assert crypto.keyed_hash(" Maria@Example.org ") == crypto.keyed_hash("maria@example.org")
    assert crypto.keyed_hash("maria@example.org") != crypto.keyed_hash("mario@example.org")


def test_a_stored_file_put_in_another_ones_place_no_longer_decrypts() -> None:
    first = save_encrypted(name="tests/first.enc", source=io.BytesIO(b"first voice " * 9000))
    second = save_encrypted(name="tests/second.enc", source=io.BytesIO(b"second voice " * 9000))
    try:
        with default_storage.open(first, "rb") as a, default_storage.open(second, "rb") as b:
            first_bytes, second_bytes = a.read(), b.read()
        for name, data in ((first, second_bytes), (second, first_bytes)):  # swapped in storage
            with default_storage.open(name, "wb") as target:
                target.write(data)
        for name in (first, second):
            with pytest.raises(crypto.DecryptionError, match="does not authenticate"):
                open_decrypted(name).read()
    finally:
        delete_media(first)
        delete_media(second)


def test_files_of_the_first_format_stay_readable_and_a_bound_one_needs_its_name() -> None:
    plain = b"an older recording " * 5000
    name = default_storage.save("tests/format-one.enc", io.BytesIO(b"".join(crypto.encrypt_stream(io.BytesIO(plain)))))
    try:
        assert open_decrypted(name).read() == plain
    finally:
        delete_media(name)
    bound = b"".join(crypto.encrypt_stream(io.BytesIO(plain), bound_to="tests/x.enc"))
    with pytest.raises(crypto.DecryptionError, match="bound to its storage name"):
        crypto.DecryptingReader(io.BytesIO(bound))
    assert crypto.DecryptingReader(io.BytesIO(bound), bound_to="tests/x.enc").read() == plain
