"""The audit trail: append-only entries of every sensitive read and every consequential write, sealed into a keyed
hash chain.

Writing is one plain insert: `record_event` adds an unsealed `AuditEntry` in the caller's own transaction, so an
entry exists exactly when the action it records committed, and no lock, queue or other service stands in the way.

Sealing is a beat task (`accounts.tasks.seal_audit_log`, every AUDIT_SEAL_SECONDS): `seal_audit_entries` takes the
entries that wait, in id order, and gives each the next place in the chain (`seal_seq` 1, 2, 3, ...), the hash of
the entry before it and its own hash, HMAC-SHA256(key, previous hash + canonical JSON of its fields, its id and its
place), with the id of the key (AUDIT_HMAC_KEYS, from the environment, never in the database). Without the key
nobody can recompute the chain after an edit, an insertion or a deletion. After each sealing a checkpoint of the
head (place, hash, how many were sealed, time, HMAC over them) goes to an append-only file outside the database
(AUDIT_CHECKPOINT_FILE) and to the log, so that a truncated tail, which leaves a chain valid in itself, is seen.
`accounts.audit_verify.verify_chain` checks both.

The chain's order is the order of sealing, not of ids: transactions commit out of id order, so an entry with a lower
id can become visible after one with a higher id was sealed; it simply gets a later place. So no entry is ever
skipped, no settle delay is needed, and the order the verifier checks is the one stored in `seal_seq`.

Entries written before keys existed keep their unkeyed SHA-256 hashes (`key_id` empty, their places given by
migration 0006 in id order): they are verified the old way, only before the first keyed entry, and the first keyed
entry's HMAC covers the last of their hashes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuditEntry, AuditSealLock
from config.client_ip import client_ip as request_client_ip

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
SEAL_BATCH = 1000
KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
MIN_KEY_BYTES = 32


# --- Keys ------------------------------------------------------------------------------------------------------


def audit_keys() -> list[tuple[str, bytes]]:
    """AUDIT_HMAC_KEYS as (key id, key) pairs; the first seals, every one verifies.

    Unset, one key is derived from SECRET_KEY (as config.crypto derives the encryption keys): the settings refuse
    to start without AUDIT_HMAC_KEYS unless DEBUG is on.
    """
    if not settings.AUDIT_HMAC_KEYS:
        return [("derived", hmac.new(settings.SECRET_KEY.encode(), b"audit-hmac", hashlib.sha256).digest())]
    keys: list[tuple[str, bytes]] = []
    for item in settings.AUDIT_HMAC_KEYS:
        key_id, _, encoded = item.partition(":")
        try:
            # Either base64 alphabet; padding optional.
            key = base64.urlsafe_b64decode(encoded.replace("+", "-").replace("/", "_") + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            key = b""
        if not KEY_ID.fullmatch(key_id) or len(key) < MIN_KEY_BYTES or key_id in dict(keys):
            raise ImproperlyConfigured(
                "AUDIT_HMAC_KEYS is a comma-separated list of id:key, each id unique (letters, digits, - or _, at "
                "most 16) and each key at least 32 random bytes in base64: "
                'python -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
            )
        keys.append((key_id, key))
    return keys


# --- Writing ---------------------------------------------------------------------------------------------------


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address behind TRUSTED_PROXY_COUNT proxies (config/client_ip.py), as lockouts read it."""
    return None if request is None else request_client_ip(request)


def record_event(
    *,
    action: str,
    actor: Any = None,
    actor_label: str = "",
    request: HttpRequest | None = None,
    study_id: int | None = None,
    target: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Insert one unsealed entry, in the caller's transaction. `detail` must hold ids and codes only, never personal
    data or transcript text. The beat task seals it into the chain within seconds."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=actor,
        actor_label=actor_label or (f"user:{actor.pk}" if actor is not None else "system"),
        action=action,
        study_id=study_id,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        ip_address=client_ip(request),
        detail=_storable(detail or {}),
    )


def _storable(value: Any) -> Any:
    """`value` with NUL characters replaced: PostgreSQL's jsonb refuses them (a request path can hold one)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {key: _storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    return value


# --- Hashes ----------------------------------------------------------------------------------------------------


def payload(entry: AuditEntry) -> dict[str, Any]:
    """What an entry says, as stored (read back from the database, so that sealing and verifying see the same)."""
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor_label,
        "action": entry.action,
        "study": entry.study_id,
        "target": [entry.target_type, entry.target_id],
        "ip": entry.ip_address,
        "detail": entry.detail,
    }


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def keyed_hash(key: bytes, *, entry_id: int, seq: int, previous_hash: str, fields: dict[str, Any]) -> str:
    """HMAC-SHA256 over the previous hash and the entry's fields with its id and place: moving an entry, or
    swapping what two entries say, changes it as surely as editing one."""
    message = previous_hash.encode() + _canonical({**fields, "id": entry_id, "seq": seq})
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def unkeyed_hashes(previous_hash: str, fields: dict[str, Any]) -> tuple[str, str]:
    """The two ways entries were hashed before keys: SHA-256(previous + SHA-256(fields)), and before that
    SHA-256 of the fields with the previous hash inside."""
    digest = hashlib.sha256(_canonical(fields)).hexdigest()
    return (
        hashlib.sha256((previous_hash + digest).encode()).hexdigest(),
        hashlib.sha256(_canonical({**fields, "previous": previous_hash})).hexdigest(),
    )


# --- Sealing ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head after one sealing, signed: `seq` is its place (the chain's length), `sealed` how many
    entries that sealing added. Kept outside the database, so that rows deleted from the tail are noticed."""

    seq: int
    entry_hash: str
    sealed: int
    at: str
    key_id: str
    mac: str = ""

    def signed_part(self) -> bytes:
        return _canonical({name: value for name, value in asdict(self).items() if name != "mac"})

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


def sign_checkpoint(checkpoint: Checkpoint, key: bytes) -> Checkpoint:
    mac = hmac.new(key, checkpoint.signed_part(), hashlib.sha256).hexdigest()
    return Checkpoint(**{**asdict(checkpoint), "mac": mac})


def seal_audit_entries(*, batch_size: int = SEAL_BATCH) -> int:
    """Seal every entry that waits, a batch per transaction, each followed by a checkpoint; how many were sealed.

    Call it outside any transaction (the beat task, `manage.py seal_audit_log`): a batch's checkpoint is written
    when its transaction commits, and an outer transaction would hold the sealer's lock until it ends.
    """
    total = 0
    while sealed := _seal_batch(batch_size):
        total += sealed
        if sealed < batch_size:
            break
    return total


def _seal_batch(batch_size: int) -> int:
    key_id, key = audit_keys()[0]
    with transaction.atomic():
        # One sealer at a time: a second one waits here until the first commits, then reads the head the first
        # left. Writers never take this lock; they only insert.
        AuditSealLock.objects.select_for_update().get_or_create(pk=1)
        waiting = list(AuditEntry.objects.filter(seal_seq=None).order_by("id")[:batch_size])
        if not waiting:
            return 0
        head = AuditEntry.objects.exclude(seal_seq=None).order_by("-seal_seq").values_list("seal_seq", "entry_hash")
        head_seq, previous = head.first() or (0, GENESIS)
        seq = head_seq or 0
        for entry in waiting:
            seq += 1
            entry.seal_seq, entry.key_id, entry.previous_hash = seq, key_id, previous
            entry.entry_hash = previous = keyed_hash(
                key, entry_id=entry.pk, seq=seq, previous_hash=entry.previous_hash, fields=payload(entry)
            )
        AuditEntry.objects.bulk_update(waiting, ["seal_seq", "key_id", "previous_hash", "entry_hash"], batch_size=500)
        checkpoint = sign_checkpoint(Checkpoint(seq, previous, len(waiting), timezone.now().isoformat(), key_id), key)
        # Only a committed head is checkpointed: a rolled-back sealing must not look like a truncated chain.
        transaction.on_commit(lambda: write_checkpoint(checkpoint))
    return len(waiting)


def write_checkpoint(checkpoint: Checkpoint) -> None:
    """Log the checkpoint (ids and hashes only), then append it to AUDIT_CHECKPOINT_FILE and flush it to disk."""
    line = checkpoint.line()
    logger.info("Audit checkpoint %s", line)
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (line + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
