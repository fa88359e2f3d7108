"""Migration 0006 keeps the entries chained before keys verifiable: it places them in id order, drops the old append
function, and marks the boundary with an entry that the first keyed seal covers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.audit import payload, seal_audit_entries, unkeyed_hashes
from accounts.audit_verify import Finding, verify_chain
from accounts.models import AuditEntry

BEFORE = [("accounts", "0005_recovery_codes")]
AFTER = [("accounts", "0006_audit_keyed_chain")]
APPEND_WITH_FUNCTION = (
    "SELECT out_id FROM accounts_audit_append(%s, NULL, 'system', %s, NULL, '', '', NULL, %s, %s, 7431221)"
)


def migrate(targets: list[tuple[str, str]] | None = None) -> None:
    """Migrate to `targets`, or to every app's latest migration when None."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.fixture
def before_keys() -> Iterator[None]:
    migrate(BEFORE)
    try:
        yield
    finally:
        migrate()  # whatever happened, later tests find the latest schema, as they expect


def write_the_old_ways() -> None:
    """Three entries as the code before keys wrote them: by the database function, and from Python (both hashes)."""
    moment = timezone.now()
    fields = {"at": moment.isoformat(), "actor": "system", "action": "old.function", "study": None,
              "target": ["", ""], "ip": None, "detail": {"n": 0}}  # fmt: skip
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(APPEND_WITH_FUNCTION, [moment, "old.function", json.dumps({"n": 0}), digest])
        cursor.execute("SELECT entry_hash FROM accounts_auditentry")
        previous = cursor.fetchone()[0]
        for number, action in ((0, "old.python"), (1, "old.legacy")):
            row = {**fields, "action": action, "detail": {"n": number + 1}}
            entry_hash = unkeyed_hashes(previous, row)[number]
            cursor.execute(
                "INSERT INTO accounts_auditentry (at, actor_label, action, target_type, target_id, detail,"
                " previous_hash, entry_hash) VALUES (%s, 'system', %s, '', '', %s, %s, %s)",
                [moment, action, json.dumps(row["detail"]), previous, entry_hash],
            )
            previous = entry_hash


@pytest.mark.django_db(transaction=True)
def test_entries_from_before_keys_are_placed_kept_and_covered_by_the_first_keyed_seal(
    before_keys: None, django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]]
) -> None:
    write_the_old_ways()
    migrate(AFTER)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'accounts_audit_append'")
        assert cursor.fetchone()[0] == 0
    entries = list(AuditEntry.objects.order_by("id"))
    assert [(entry.action, entry.seal_seq, entry.key_id) for entry in entries] == [
        ("old.function", 1, ""),
        ("old.python", 2, ""),
        ("old.legacy", 3, ""),
        ("audit.chain.keyed", None, ""),
    ]
    assert entries[3].detail == {"unkeyed_entries": 3}
    assert [problem.kind for problem in verify_chain().problems] == [Finding.CHECKPOINT]  # nothing sealed yet
    with django_capture_on_commit_callbacks(execute=True):
        assert seal_audit_entries() == 1
    boundary = AuditEntry.objects.get(action="audit.chain.keyed")
    assert (boundary.seal_seq, boundary.key_id, boundary.previous_hash) == (4, "test", entries[2].entry_hash)
    assert verify_chain().intact
    forged = AuditEntry.objects.get(seal_seq=2)
    AuditEntry.objects.filter(pk=forged.pk).update(action="old.forged")
    forged.refresh_from_db()
    rehashed = unkeyed_hashes(forged.previous_hash, payload(forged))[0]
    AuditEntry.objects.filter(pk=forged.pk).update(entry_hash=rehashed)
    # Rewritten and rehashed the unkeyed way: it verifies alone, but the entry after it was chained to the old hash.
    assert [(problem.kind, problem.position) for problem in verify_chain().problems] == [(Finding.EDITED, 2)]
