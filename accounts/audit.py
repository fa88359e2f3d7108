"""The audit trail: append-only, hash-chained entries of every sensitive read and every consequential write.

`record_event` is the one writer. Entries are chained: each stores the previous entry's hash, and its own hash is
SHA-256(previous hash + SHA-256 of its own fields), so `verify_chain` detects an edited, inserted or deleted entry.

On PostgreSQL one call of the database function `accounts_audit_append` (migration 0004) takes the chain's lock,
reads the last hash, chains and inserts: a single round trip. Elsewhere (the embedded SQLite default) the same
steps run from Python inside a transaction. The entry every API token request writes is `queued`: it waits in
Redis and is chained in batches, a few seconds later at most.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from redis.exceptions import RedisError

from accounts.models import AuditEntry, User
from config.redis_client import redis_client

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
# One advisory lock id for the whole chain, so concurrent writers append one at a time.
CHAIN_LOCK_ID = 7_431_221
# Token uses waiting to be chained (record_event's `queued`), and the lock one drainer holds at a time.
QUEUE_KEY = "audit:queue"
DRAIN_LOCK_KEY = "audit:queue:drain"
DRAIN_LOCK_MS = 60_000
RELEASE_IF_MINE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
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
    queued: bool = False,
) -> AuditEntry:
    """Append one entry. `detail` must hold ids and codes only, never personal data or transcript text.

    `queued=True` is for the entry every API token request writes: a chained append is a write, a commit and a
    turn of the chain's lock per request, which under load cost more than the rest of a list request together
    (bench/api_list_bench.py). The entry is built and timed now and pushed to a Redis list; once
    AUDIT_QUEUE_BATCH entries wait, the request that pushed the last one chains them all in one transaction
    (`drain_queued_events`), and a Celery beat task drains what waits every few seconds. The entry returned is
    then not saved yet. Without Redis (the embedded run) `queued` changes nothing.
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    entry = AuditEntry(
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
    if queued and settings.REDIS_URL:
        _queue(entry)
    elif connection.vendor == "postgresql":
        _append_with_sql(entry, _fields_digest(entry))
    else:
        _append_many([entry])
    return entry


def _storable(value: Any) -> Any:
    """`value` with NUL characters replaced: PostgreSQL's jsonb refuses them (a request path can hold one)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {key: _storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    return value


def _queue(entry: AuditEntry) -> None:
    waiting = redis_client().rpush(QUEUE_KEY, json.dumps({**_fields(entry), "actor_id": entry.actor_id}))
    # Not inside someone's transaction: the batch must leave the queue only once its own append has committed.
    if waiting >= settings.AUDIT_QUEUE_BATCH and not connection.in_atomic_block:
        try:
            drain_queued_events()
        except (DatabaseError, RedisError) as error:
            # The entries stay queued for the next drain; the request that happened to drain is not failed for it.
            # Only the error's kind is logged: a database message can quote a value (an IP address, a path).
            logger.warning("Draining the audit queue failed (%s); its entries stay queued.", type(error).__name__)


def drain_queued_events(limit: int = 5000) -> int:
    """Append up to `limit` queued entries to the chain in one transaction, in the order queued; how many.

    One drainer at a time (a Redis lock). The entries leave the queue only after the transaction committed, so a
    failure keeps them queued; a crash between the commit and the removal would append them twice, never lose
    them. An actor deleted meanwhile is kept by label only. Call it outside any transaction (a request, the beat
    task, verify_audit_log), or an outer rollback would undo a batch already removed from the queue.
    """
    client = redis_client()
    mine = secrets.token_hex(8)
    if not client.set(DRAIN_LOCK_KEY, mine, nx=True, px=DRAIN_LOCK_MS):
        return 0
    try:
        queued = [json.loads(raw) for raw in client.lrange(QUEUE_KEY, 0, limit - 1)]
        if queued:
            if connection.vendor == "postgresql":
                _append_queued_with_sql(queued)
            else:
                _append_many([_queued_entry(fields) for fields in queued])
            client.ltrim(QUEUE_KEY, len(queued), -1)
        return len(queued)
    finally:
        client.eval(RELEASE_IF_MINE, 1, DRAIN_LOCK_KEY, mine)


def _queued_entry(fields: dict[str, Any]) -> AuditEntry:
    target_type, target_id = fields["target"]
    return AuditEntry(
        at=datetime.fromisoformat(fields["at"]),
        actor_id=fields["actor_id"],
        actor_label=fields["actor"],
        action=fields["action"],
        study_id=fields["study"],
        target_type=target_type,
        target_id=target_id,
        ip_address=fields["ip"],
        detail=fields["detail"],
    )


# The queued entries, chained, as one JSON array: one statement however many there are, in the order given. An
# actor deleted since is kept by label only.
APPEND_QUEUED_SQL = """
INSERT INTO accounts_auditentry
    (at, actor_id, actor_label, action, study_id, target_type, target_id, ip_address, detail, previous_hash,
     entry_hash)
SELECT (e->>'at')::timestamptz, u.id, e->>'actor', e->>'action', (e->>'study')::bigint, e->'target'->>0,
    e->'target'->>1, (e->>'ip')::inet, e->'detail', e->>'previous_hash', e->>'entry_hash'
FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS queued(e, position)
LEFT JOIN accounts_user u ON u.id = (e->>'actor_id')::bigint
ORDER BY position
"""


def _append_queued_with_sql(queued: list[dict[str, Any]]) -> None:
    """Chain queued entries (as `_queue` pushed them: `_fields` plus the actor's id) and insert them in one
    statement: model instances and the ORM's bulk insert had cost a request that drained a batch of 100 more than
    ten list requests together."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
        cursor.execute("SELECT entry_hash FROM accounts_auditentry ORDER BY id DESC LIMIT 1")
        last = cursor.fetchone()
        previous = last[0] if last else GENESIS
        chained = []
        for fields in queued:
            own = {name: value for name, value in fields.items() if name != "actor_id"}  # what `_fields` gave
            entry_hash = _chained(previous, _sha256_of(own))
            chained.append({**fields, "previous_hash": previous, "entry_hash": entry_hash})
            previous = entry_hash
        cursor.execute(APPEND_QUEUED_SQL, [json.dumps(chained)])


def _append_many(entries: list[AuditEntry]) -> None:
    """Chain and insert entries in one transaction under the chain's lock."""
    actors = {entry.actor_id for entry in entries if entry.actor_id is not None}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
        present = set(User.objects.filter(pk__in=actors).values_list("pk", flat=True)) if actors else set()
        previous = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first() or GENESIS
        for entry in entries:
            if entry.actor_id not in present:
                entry.actor_id = None  # deleted since; the label still names them
            entry.previous_hash = previous
            entry.entry_hash = previous = _chained(previous, _fields_digest(entry))
        AuditEntry.objects.bulk_create(entries)


def _append_with_sql(entry: AuditEntry, digest: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(APPEND_SQL, [*_append_arguments(entry), digest, CHAIN_LOCK_ID])
        entry.pk, entry.previous_hash, entry.entry_hash = cursor.fetchone()
    entry._state.adding, entry._state.db = False, connection.alias


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
