"""The audit trail: append-only, hash-chained entries of every sensitive read and every consequential write.

`record_event` is the one writer. Entries are chained: each stores the previous entry's hash, and its own hash is
SHA-256(previous hash + SHA-256 of its own fields), so `verify_chain` detects an edited, inserted or deleted entry.

On PostgreSQL one call of the database function `accounts_audit_append` (migration 0004) takes the chain's lock,
reads the last hash, chains and inserts: a single round trip, because every API request with a token writes an
entry. Elsewhere (the embedded SQLite default) the same steps run from Python inside a transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuditEntry

GENESIS = "0" * 64
# One advisory lock id for the whole chain, so concurrent writers append one at a time.
CHAIN_LOCK_ID = 7_431_221
APPEND_SQL = (
    "SELECT out_id, out_previous, out_hash FROM accounts_audit_append(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor_label,
        "action": entry.action,
        "study": entry.study_id,
        "target": [entry.target_type, entry.target_id],
        "ip": entry.ip_address,
        "detail": entry.detail,
    }


def _sha256_of(fields: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _fields_digest(entry: AuditEntry) -> str:
    """SHA-256 over the entry's own fields (everything but the two hashes)."""
    return _sha256_of(_fields(entry))


def _chained(previous_hash: str, digest: str) -> str:
    # accounts_audit_append computes the same in SQL: encode(sha256(convert_to(previous || digest, 'UTF8')), 'hex').
    return hashlib.sha256((previous_hash + digest).encode()).hexdigest()


def _legacy_hash(entry: AuditEntry) -> str:
    """How entries written before migration 0004 were hashed (the previous hash inside the JSON)."""
    return _sha256_of({**_fields(entry), "previous": entry.previous_hash})


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
    """Append one entry. `detail` must hold ids and codes only, never personal data or transcript text."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    label = actor_label or (f"user:{actor.pk}" if actor is not None else "system")
    entry = AuditEntry(
        at=timezone.now(),
        actor=actor,
        actor_label=label,
        action=action,
        study_id=study_id,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        ip_address=client_ip(request),
        detail=detail or {},
    )
    digest = _fields_digest(entry)
    if connection.vendor == "postgresql":
        _append_with_sql(entry, digest)
    else:
        _append_in_python(entry, digest)
    return entry


def _append_with_sql(entry: AuditEntry, digest: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(APPEND_SQL, [*_append_arguments(entry), digest, CHAIN_LOCK_ID])
        entry.pk, entry.previous_hash, entry.entry_hash = cursor.fetchone()
    entry._state.adding, entry._state.db = False, connection.alias


def _append_in_python(entry: AuditEntry, digest: str) -> None:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
        last = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        entry.previous_hash = last or GENESIS
        entry.entry_hash = _chained(entry.previous_hash, digest)
        entry.save()


def _append_arguments(entry: AuditEntry) -> list[Any]:
    return [
        entry.at,
        entry.actor_id,
        entry.actor_label,
        entry.action,
        entry.study_id,
        entry.target_type,
        entry.target_id,
        entry.ip_address,
        json.dumps(entry.detail),
    ]


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int
    reason: str


def verify_chain(entries: Iterable[AuditEntry] | None = None) -> list[ChainProblem]:
    """Walk the chain in order; an empty list means it is intact."""
    problems: list[ChainProblem] = []
    previous = GENESIS
    for entry in entries if entries is not None else AuditEntry.objects.order_by("id").iterator():
        if entry.previous_hash != previous:
            problems.append(ChainProblem(entry.id, "the entry before it was removed or changed"))
        if entry.entry_hash not in (_chained(entry.previous_hash, _fields_digest(entry)), _legacy_hash(entry)):
            problems.append(ChainProblem(entry.id, "the entry was edited"))
        previous = entry.entry_hash
    return problems
