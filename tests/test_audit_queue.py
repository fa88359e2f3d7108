"""Token uses wait in Redis and join the hash chain in batches, in order, intact, each exactly once.

Real Redis and PostgreSQL throughout; the database failure is a real one (a statement timeout while another
connection holds the chain's lock).
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.test import Client, RequestFactory, override_settings

from accounts.audit import CHAIN_LOCK_ID, QUEUE_KEY, drain_queued_events, record_event, verify_chain
from accounts.models import AuditEntry, User
from accounts.tasks import drain_audit_queue
from accounts.tokens import create_api_token
from config.redis_client import redis_client
from studies.models import Study

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttle() -> None:
    cache.clear()  # token ids restart with each test database while Redis keeps throttle history


def _token_client(user: User, study: Study) -> Client:
    plaintext = create_api_token(user=user, name="sync", study_ids=[study.pk], read_only=True, expires_at=None)
    return Client(HTTP_AUTHORIZATION=f"Bearer {plaintext.plaintext}")


def _waiting() -> int:
    return int(redis_client().llen(QUEUE_KEY))


def test_token_uses_wait_in_redis_then_join_the_chain_in_order_between_direct_entries(
    study: Study, owner: User
) -> None:
    client = _token_client(owner, study)
    record_event(action="before", actor_label="system")
    paths = [f"/api/v1/studies/{study.slug}/{resource}/" for resource in ("transcripts", "interviews", "participants")]
    for path in paths:
        assert client.get(path).status_code == 200
    assert _waiting() == 3
    assert not AuditEntry.objects.filter(action="api.token.used").exists()
    assert drain_queued_events() == 3
    record_event(action="after", actor_label="system")
    entries = list(AuditEntry.objects.order_by("id"))
    assert [entry.action for entry in entries][-5:] == ["before", *["api.token.used"] * 3, "after"]
    used = [entry for entry in entries if entry.action == "api.token.used"]
    assert [entry.detail for entry in used] == [{"method": "GET", "path": path} for path in paths]
    assert {(entry.actor_id, entry.actor_label, entry.target_type, entry.ip_address) for entry in used} == {
        (owner.pk, f"user:{owner.pk}", "accounts.apitoken", "127.0.0.1")
    }
    assert _waiting() == 0
    assert verify_chain() == []


@pytest.mark.django_db(transaction=True)  # a request runs outside any transaction; the test's own would hold it
@override_settings(AUDIT_QUEUE_BATCH=3)
def test_the_request_that_completes_a_batch_chains_it(study: Study, owner: User) -> None:
    client = _token_client(owner, study)
    for _ in range(2):
        client.get(f"/api/v1/studies/{study.slug}/transcripts/")
    assert not AuditEntry.objects.filter(action="api.token.used").exists()
    client.get(f"/api/v1/studies/{study.slug}/transcripts/")
    assert AuditEntry.objects.filter(action="api.token.used").count() == 3
    assert _waiting() == 0


def test_the_beat_task_drains_everything_and_a_deleted_actor_stays_by_label(study: Study, owner: User) -> None:
    gone = User.objects.create_user("left-the-team@example.org")
    for number in range(7):
        record_event(action="api.token.used", actor=gone if number == 0 else owner, detail={"n": number}, queued=True)
    gone_id = gone.pk
    gone.delete()
    with override_settings(AUDIT_QUEUE_BATCH=1000):
        assert drain_audit_queue() == 7
    first = AuditEntry.objects.filter(action="api.token.used").order_by("id").first()
    assert first is not None
    assert (first.actor_id, first.actor_label) == (None, f"user:{gone_id}")
    assert verify_chain() == []


def test_a_drained_batch_is_stored_as_the_python_path_stores_it_in_queue_order(study: Study, owner: User) -> None:
    from accounts import audit

    target = User.objects.create_user("target@example.org")
    request = RequestFactory(REMOTE_ADDR="2001:db8::7").get("/")
    request.user = owner
    for number in range(300):
        record_event(
            action="api.token.used",
            actor=owner if number % 3 else None,
            actor_label="" if number % 3 else "system",
            request=request if number % 2 else None,
            study_id=study.pk if number % 5 else None,
            target=target if number % 7 else None,
            detail={"n": number, "path": "/api/v1/ñ/日本/", "nested": {"list": [1, None, "x"]}},
            queued=True,
        )
    queued = [json.loads(raw) for raw in redis_client().lrange(QUEUE_KEY, 0, -1)]
    assert drain_queued_events() == 300  # PostgreSQL: the one-statement path
    audit._append_many([audit._queued_entry(fields) for fields in queued])  # the embedded run's path

    def stored(entry: AuditEntry) -> tuple[Any, ...]:
        return (entry.at, entry.actor_id, entry.actor_label, entry.action, entry.study_id, entry.target_type,
                entry.target_id, entry.ip_address, entry.detail)  # fmt: skip

    rows = list(AuditEntry.objects.filter(action="api.token.used").order_by("id"))
    by_statement, by_python = rows[:300], rows[300:]
    assert [entry.detail["n"] for entry in by_statement] == list(range(300))
    assert [stored(entry) for entry in by_statement] == [stored(entry) for entry in by_python]
    assert {entry.ip_address for entry in by_statement} == {None, "2001:db8::7"}
    assert verify_chain() == []


def test_a_path_with_a_nul_character_is_stored_not_stuck_in_the_queue(study: Study, owner: User) -> None:
    # PostgreSQL's jsonb refuses \\u0000; one such entry must not block every later one.
    record_event(action="api.token.used", actor=owner, detail={"method": "GET", "path": "/api/v1/x\x00y/"}, queued=True)
    assert drain_queued_events() == 1
    assert AuditEntry.objects.get(action="api.token.used").detail["path"] == "/api/v1/x\ufffdy/"


@pytest.mark.django_db(transaction=True)
@override_settings(AUDIT_QUEUE_BATCH=1)
def test_when_the_database_fails_the_entries_stay_queued_and_the_request_is_not_failed(
    owner: User, caplog: pytest.LogCaptureFixture
) -> None:
    settings = connection.settings_dict
    holder = psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"], dbname=settings["NAME"]
    )
    holder.execute("SELECT pg_advisory_lock(%s)", [CHAIN_LOCK_ID])
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 300")
        with caplog.at_level(logging.WARNING, logger="accounts.audit"):  # drains inline, times out, goes on
            record_event(action="api.token.used", actor=owner, detail={"n": 1}, queued=True)
        [warning] = caplog.records
        assert warning.getMessage() == "Draining the audit queue failed (OperationalError); its entries stay queued."
        assert warning.exc_info is None  # the database's message is not logged: it can quote values
        with pytest.raises(DatabaseError):
            drain_queued_events()
        assert _waiting() == 1
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
        holder.close()  # releases the lock
    assert drain_queued_events() == 1
    assert _waiting() == 0
    assert AuditEntry.objects.filter(action="api.token.used").count() == 1


@override_settings(REDIS_URL="")
def test_without_redis_a_queued_entry_is_chained_at_once_and_the_beat_task_has_nothing_to_do(
    owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("config.redis_client._client", None)  # as in a process started without REDIS_URL
    record_event(action="api.token.used", actor=owner, detail={"n": 1}, queued=True)
    assert AuditEntry.objects.filter(action="api.token.used").count() == 1
    assert drain_audit_queue() == 0
    assert verify_chain() == []


def test_inside_a_transaction_a_full_batch_waits_for_a_drain_outside_it(owner: User) -> None:
    with override_settings(AUDIT_QUEUE_BATCH=1):
        record_event(action="api.token.used", actor=owner, detail={"n": 1}, queued=True)  # the test's transaction
    assert _waiting() == 1
    assert not AuditEntry.objects.filter(action="api.token.used").exists()


@pytest.mark.django_db(transaction=True)
@override_settings(AUDIT_QUEUE_BATCH=1000)
def test_concurrent_drainers_append_every_entry_exactly_once(study: Study) -> None:
    for number in range(300):
        record_event(action="api.token.used", actor_label="system", detail={"n": number}, queued=True)

    def drain(_: Any) -> int:
        try:
            total = 0
            for _ in range(20):
                total += drain_queued_events(limit=25)
            return total
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        drained = sum(pool.map(drain, range(4)))
    drained += drain_audit_queue()
    numbers = [entry.detail["n"] for entry in AuditEntry.objects.filter(action="api.token.used").order_by("id")]
    assert drained == 300
    assert numbers == list(range(300))
    assert verify_chain() == []
