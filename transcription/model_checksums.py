"""Which Whisper weights a fetched model must be: the SHA-256 of `model.bin` as its publisher put it on the hub.

`manage.py fetch_whisper_model` checks a fetched model against this table and refuses one that differs (a
tampered mirror, a repository that changed its weights under the same name). A model not in the table is fetched
as faster-whisper names it and its hash printed, for the team to record in its data management plan.
The figures are the hub's published file hashes (Git LFS object ids) of the Systran conversions; the bundled
base is checked in bundled_model.py against the same hash as "base".
"""

from __future__ import annotations

import hashlib
from pathlib import Path

# name -> (repository, revision the hash was read at, SHA-256 of model.bin)
PUBLISHED_MODELS: dict[str, tuple[str, str, str]] = {
    "tiny": (
        "Systran/faster-whisper-tiny",
        "d90ca5fe260221311c53c58e660288d3deb8d356",
        "dcb76c6586fc06cbdac6dd21f14cfd129cc4cdd9dce19bf4ffa62e59cbe6e6d1",
    ),
    "base": (
        "Systran/faster-whisper-base",
        "ebe41f70d5b6dfa9166e2c581c45c9c0cfc57b66",
        "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    ),
    "small": (
        "Systran/faster-whisper-small",
        "536b0662742c02347bc0e980a01041f333bce120",
        "3e305921506d8872816023e4c273e75d2419fb89b24da97b4fe7bce14170d671",
    ),
    "medium": (
        "Systran/faster-whisper-medium",
        "08e178d48790749d25932bbc082711ddcfdfbc4f",
        "9b45e1009dcc4ab601eff815b61d80e60ce3fd8c74c1a14f4a282258286b51ae",
    ),
    "large-v3": (
        "Systran/faster-whisper-large-v3",
        "edaa852ec7e145841d8ffdb056a99866b5f0a478",
        "69f74147e3334731bc3a76048724833325d2ec74642fb52620eda87352e3d4f1",
    ),
}
_CHUNK = 4 * 1024 * 1024


class ModelChecksumMismatch(Exception):
    """Permanent: the fetched weights are not the file the publisher published under that name."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_fetched_model(name: str, folder: Path) -> tuple[str, bool]:
    """The SHA-256 of the fetched `model.bin`, and whether it was checked against a published hash.

    Raises ModelChecksumMismatch when `name` has a published hash and the file differs from it.
    """
    weights = folder / "model.bin"
    found = file_sha256(weights)
    published = PUBLISHED_MODELS.get(name)
    if published is None:
        return found, False
    repository, revision, expected = published
    if found != expected:
        # Removed so no worker loads it: the hub cache's snapshot entry is a link to the stored file.
        stored = weights.resolve()
        weights.unlink()
        stored.unlink(missing_ok=True)
        raise ModelChecksumMismatch(
            f"The fetched {name!r} weights (SHA-256 {found}) are not {repository}'s published model.bin "
            f"(SHA-256 {expected}, revision {revision[:7]}); they were deleted."
        )
    return found, True
