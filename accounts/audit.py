"""The audit trail: append-only, hash-chained entries of every sensitive read and every consequential write.

`record_event` is the one writer. Entries are chained: each stores the previous entry's hash and a hash
over its own fields plus that one, so `verify_chain` detects an edited, inserted or deleted entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest

from accounts.models import AuditEntry

GENESIS = "0" * 64
# One advisory lock id for the whole chain, so concurrent writers append one at a time.
CHAIN_LOCK_ID = 7_431_221


def _entry_hash(entry: AuditEntry) -> str:
    fields = {
        "at": entry.at.isoformat(),
        "actor": entry.actor_label,
        "action": entry.action,
        "study": entry.study_id,
        "target": [entry.target_type, entry.target_id],
        "ip": entry.ip_address,
        "detail": entry.detail,
        "previous": entry.previous_hash,
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


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
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
        last = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        entry = AuditEntry(
            actor=actor,
            actor_label=label,
            action=action,
            study_id=study_id,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            ip_address=client_ip(request),
            detail=detail or {},
            previous_hash=last or GENESIS,
        )
        entry.entry_hash = _entry_hash(entry)
        entry.save()
    return entry


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
        if _entry_hash(entry) != entry.entry_hash:
            problems.append(ChainProblem(entry.id, "the entry was edited"))
        previous = entry.entry_hash
    return problems
