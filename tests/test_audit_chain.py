"""The audit trail: one plain insert per entry, sealed into a keyed chain with checkpoints of its head outside the
database; tampering directly in PostgreSQL is found and named.

Real PostgreSQL throughout; the tampering is raw SQL, as someone with write access to the database would do it.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import GENESIS, audit_keys, keyed_hash, payload, record_event, seal_audit_entries, unkeyed_hashes
from accounts.audit_verify import Finding, verify_chain
from accounts.models import AuditEntry
from accounts.tasks import seal_audit_log

pytestmark = pytest.mark.django_db

OTHER_KEY = "other:b3RoZXItYXVkaXQta2V5LTAxMjM0NTY3ODlhYmNkZWY="
Capture = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def seal(django_capture_on_commit_callbacks: Capture) -> Callable[[], int]:
    """Seal as the beat task does; the checkpoint is written when the (test's) transaction would commit."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return seal_audit_entries()

    return run


def write(count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        record_event(action="transcript.raw.view", actor_label="system", study_id=7, detail={"n": number})


def chain() -> list[AuditEntry]:
    return list(AuditEntry.objects.exclude(seal_seq=None).order_by("seal_seq"))


def kinds() -> dict[int | None, set[Finding]]:
    found: dict[int | None, set[Finding]] = {}
    for problem in verify_chain().problems:
        found.setdefault(problem.position, set()).add(problem.kind)
    return found


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def checkpoints() -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(settings.AUDIT_CHECKPOINT_FILE).read_text().splitlines()]


def test_an_entry_is_one_insert_in_the_callers_transaction_and_goes_if_it_rolls_back() -> None:
    def failing_action() -> None:
        with transaction.atomic():
            record_event(action="contact.view", actor_label="system")
            raise RuntimeError("the action failed")

    with pytest.raises(RuntimeError, match="the action failed"):
        failing_action()
    entry = record_event(action="contact.view", actor_label="system")
    stored = AuditEntry.objects.get()
    assert stored.pk == entry.pk
    assert (stored.seal_seq, stored.key_id, stored.previous_hash, stored.entry_hash) == (None, "", "", "")


def test_sealing_chains_entries_in_id_order_under_the_current_key_and_checkpoints_the_head(
    seal: Callable[[], int], caplog: pytest.LogCaptureFixture
) -> None:
    write(3)
    with caplog.at_level(logging.INFO, logger="accounts.audit"):
        assert seal() == 3
    sealed = chain()
    assert [(entry.seal_seq, entry.detail["n"], entry.key_id) for entry in sealed] == [
        (1, 0, "test"),
        (2, 1, "test"),
        (3, 2, "test"),
    ]
    assert [entry.previous_hash for entry in sealed] == [GENESIS, sealed[0].entry_hash, sealed[1].entry_hash]
    [checkpoint] = checkpoints()
    assert (checkpoint["seq"], checkpoint["entry_hash"], checkpoint["sealed"]) == (3, sealed[2].entry_hash, 3)
    [logged] = caplog.records
    assert checkpoint["mac"] in logged.getMessage()
    assert "transcript.raw.view" not in logged.getMessage()  # hashes and places only
    assert seal() == 0
    assert len(checkpoints()) == 1  # nothing sealed, nothing checkpointed
    assert verify_chain().intact


def test_the_beat_task_seals_and_is_scheduled_every_few_seconds(django_capture_on_commit_callbacks: Capture) -> None:
    write(2)
    with django_capture_on_commit_callbacks(execute=True):
        assert seal_audit_log() == 2
    schedule = settings.CELERY_BEAT_SCHEDULE["audit-seal"]
    assert schedule["task"] == seal_audit_log.name
    assert float(str(schedule["schedule"])) <= 10
    assert AuditEntry.objects.filter(seal_seq=None).count() == 0


def test_an_intact_chain_verifies_and_the_command_says_so(seal: Callable[[], int]) -> None:
    write(4)
    seal()
    write(2, start=4)  # waiting: counted, not judged
    report = verify_chain()
    assert (report.intact, report.sealed, report.unsealed) == (True, 4, 2)
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_audit_log", stdout=out, stderr=err)
    assert "intact (4 sealed entries, held against the checkpoints up to" in out.getvalue()
    assert err.getvalue() == ""
    AuditEntry.objects.filter(seal_seq=None).update(at=timezone.now() - timedelta(hours=1))
    call_command("verify_audit_log", stdout=out, stderr=err)
    assert "is beat running?" in err.getvalue()  # told, not failed: waiting entries are not damage


def test_an_edited_detail_is_found(seal: Callable[[], int]) -> None:
    write(5)
    seal()
    sql("UPDATE accounts_auditentry SET detail = '{\"n\": 99}' WHERE seal_seq = 3")
    assert kinds() == {3: {Finding.EDITED}}
    with pytest.raises(CommandError, match="edited"):
        call_command("verify_audit_log")


def test_a_row_deleted_from_the_middle_is_found(seal: Callable[[], int]) -> None:
    write(5)
    seal()
    sql("DELETE FROM accounts_auditentry WHERE seal_seq = 3")
    assert kinds() == {4: {Finding.DELETED}}


def test_two_rows_whose_contents_were_swapped_are_reordered(seal: Callable[[], int]) -> None:
    write(5)
    seal()
    columns = "at, actor_label, action, study_id, target_type, target_id, ip_address, detail"
    sql(
        f"UPDATE accounts_auditentry a SET ({columns}) = (SELECT {columns} FROM accounts_auditentry b"  # noqa: S608
        " WHERE b.seal_seq = CASE a.seal_seq WHEN 2 THEN 4 ELSE 2 END) WHERE a.seal_seq IN (2, 4)"
    )
    assert [entry.detail["n"] for entry in chain()] == [0, 3, 2, 1, 4]
    assert kinds() == {2: {Finding.REORDERED}, 4: {Finding.REORDERED}}


def test_two_rows_that_swapped_places_are_reordered(seal: Callable[[], int]) -> None:
    write(5)
    seal()
    sql("UPDATE accounts_auditentry SET seal_seq = 1000 WHERE seal_seq = 2")
    sql("UPDATE accounts_auditentry SET seal_seq = 2 WHERE seal_seq = 3")
    sql("UPDATE accounts_auditentry SET seal_seq = 3 WHERE seal_seq = 1000")
    assert kinds() == {2: {Finding.REORDERED}, 3: {Finding.REORDERED}}


def test_a_cut_tail_is_found_against_the_last_checkpoint(seal: Callable[[], int]) -> None:
    write(3)
    seal()
    write(3, start=3)
    seal()
    sql("DELETE FROM accounts_auditentry WHERE seal_seq >= 5")
    problems = verify_chain().problems
    assert [(problem.kind, problem.position) for problem in problems] == [(Finding.TRUNCATED, 5)]
    assert "counts 6 entries; the chain has 4" in problems[0].reason
    with pytest.raises(CommandError, match="truncated"):
        call_command("verify_audit_log")


@pytest.mark.parametrize("passed_off_as_unkeyed", [False, True], ids=["keys-kept", "passed-off-as-unkeyed"])
def test_a_cut_tail_with_an_edit_rehashed_without_the_key_is_found(
    seal: Callable[[], int], passed_off_as_unkeyed: bool
) -> None:
    write(6)
    seal()
    sql("DELETE FROM accounts_auditentry WHERE seal_seq >= 5")
    sql("UPDATE accounts_auditentry SET detail = '{\"n\": 99}' WHERE seal_seq = 2")
    previous = GENESIS
    for entry in chain():  # SHA-256 as before keys: all one can compute without the key
        entry_hash = unkeyed_hashes(previous, payload(entry))[0]
        key_id = "" if passed_off_as_unkeyed else entry.key_id
        sql(
            "UPDATE accounts_auditentry SET key_id = %s, previous_hash = %s, entry_hash = %s WHERE id = %s",
            [key_id, previous, entry_hash, entry.pk],
        )
        previous = entry_hash
    expected = {5: {Finding.TRUNCATED}}
    if not passed_off_as_unkeyed:
        expected |= {place: {Finding.EDITED} for place in (1, 2, 3, 4)}
    # Passed off as entries from before keys, the four verify among themselves; the checkpoint still counts six.
    assert kinds() == expected


def test_a_chain_recomputed_with_a_wrong_key_is_found(seal: Callable[[], int]) -> None:
    write(4)
    seal()
    sql("UPDATE accounts_auditentry SET detail = '{\"n\": 99}' WHERE seal_seq = 2")
    wrong = b"w" * 32
    previous = chain()[0].entry_hash
    for entry in chain()[1:]:
        forged = keyed_hash(
            wrong, entry_id=entry.pk, seq=entry.seal_seq or 0, previous_hash=previous, fields=payload(entry)
        )
        sql(
            "UPDATE accounts_auditentry SET previous_hash = %s, entry_hash = %s WHERE id = %s",
            [previous, forged, entry.pk],
        )
        previous = forged
    found = kinds()
    assert found[2] == found[3] == {Finding.EDITED}
    assert found[4] == {Finding.EDITED, Finding.REWRITTEN}  # and the head is not the one the checkpoint signed


def test_a_tail_cut_and_sealed_again_is_found_by_the_earlier_checkpoint(seal: Callable[[], int]) -> None:
    write(4)
    seal()
    sql("DELETE FROM accounts_auditentry WHERE seal_seq >= 3")
    write(2, start=10)  # the sealer carries on from the cut head: the last checkpoint agrees with the chain
    seal()
    assert [checkpoint["seq"] for checkpoint in checkpoints()] == [4, 4]
    assert kinds() == {4: {Finding.REWRITTEN}}


def test_without_a_checkpoint_or_with_a_forged_one_the_chain_is_not_called_intact(seal: Callable[[], int]) -> None:
    write(2)
    seal()
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    line = json.loads(path.read_text())
    path.unlink()
    [missing] = verify_chain().problems
    assert (missing.kind, missing.position) == (Finding.CHECKPOINT, None)
    assert "no checkpoint" in missing.reason
    path.write_text(json.dumps({**line, "seq": 1}) + "\n")  # an edited checkpoint: its MAC no longer fits
    assert [problem.kind for problem in verify_chain().problems] == [Finding.CHECKPOINT, Finding.CHECKPOINT]
    assert any("not a checkpoint signed with a known key" in problem.reason for problem in verify_chain().problems)


def test_keys_rotate_and_an_entry_under_a_key_no_longer_held_is_named(seal: Callable[[], int], settings: Any) -> None:
    write(2)
    seal()
    settings.AUDIT_HMAC_KEYS = [OTHER_KEY, *settings.AUDIT_HMAC_KEYS]  # a new key in front: it seals, all verify
    write(2, start=2)
    seal()
    assert [entry.key_id for entry in chain()] == ["test", "test", "other", "other"]
    assert verify_chain().intact
    settings.AUDIT_HMAC_KEYS = [OTHER_KEY]
    found = kinds()
    assert found[1] == found[2] == {Finding.UNKNOWN_KEY}


def test_entries_hashed_before_keys_verify_up_to_the_boundary_and_the_first_keyed_seal_covers_them(
    seal: Callable[[], int],
) -> None:
    previous = GENESIS
    for seq in (1, 2):  # as migration 0006 leaves them: a place, no key, an unkeyed hash of either kind
        entry = record_event(action=f"legacy.{seq}", actor_label="system")
        entry.refresh_from_db()
        entry_hash = unkeyed_hashes(previous, payload(entry))[seq - 1]
        AuditEntry.objects.filter(pk=entry.pk).update(seal_seq=seq, previous_hash=previous, entry_hash=entry_hash)
        previous = entry_hash
    write(2)
    seal()
    assert [(entry.seal_seq, entry.key_id) for entry in chain()] == [(1, ""), (2, ""), (3, "test"), (4, "test")]
    assert verify_chain().intact
    # Someone edits an unkeyed entry and recomputes the unkeyed chain after it: the keyed entry still holds the old
    # hash in its seal, so the break shows.
    sql("UPDATE accounts_auditentry SET action = 'legacy.forged' WHERE seal_seq = 2")
    forged = AuditEntry.objects.get(seal_seq=2)
    sql(
        "UPDATE accounts_auditentry SET entry_hash = %s WHERE seal_seq = 2",
        [unkeyed_hashes(forged.previous_hash, payload(forged))[1]],
    )
    assert kinds() == {2: {Finding.EDITED}}


def test_an_unkeyed_entry_after_keyed_ones_is_not_accepted(seal: Callable[[], int]) -> None:
    write(3)
    seal()
    entry = AuditEntry.objects.get(seal_seq=3)
    sql(
        "UPDATE accounts_auditentry SET key_id = '', entry_hash = %s WHERE seal_seq = 3",
        [unkeyed_hashes(entry.previous_hash, payload(entry))[0]],
    )
    assert kinds() == {3: {Finding.EDITED, Finding.REWRITTEN}}


def test_malformed_keys_are_refused_and_either_base64_alphabet_is_read(settings: Any) -> None:
    for keys in (["no-colon"], ["k1:c2hvcnQ="], ["has space:" + OTHER_KEY.split(":")[1]], [OTHER_KEY, OTHER_KEY]):
        settings.AUDIT_HMAC_KEYS = keys
        with pytest.raises(ImproperlyConfigured, match="AUDIT_HMAC_KEYS"):
            audit_keys()
    settings.AUDIT_HMAC_KEYS = ["k1:" + base64.b64encode(bytes([0xFB] * 32)).decode().rstrip("=")]
    assert audit_keys() == [("k1", bytes([0xFB] * 32))]


@pytest.mark.django_db(transaction=True)
def test_an_entry_that_commits_after_a_later_one_was_sealed_takes_the_next_place() -> None:
    inserted, release = threading.Event(), threading.Event()
    late_id: list[int] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                late_id.append(record_event(action="late", actor_label="system").pk)
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert inserted.wait(10)
    early = record_event(action="early", actor_label="system")
    assert early.pk > late_id[0]  # a higher id, committed first
    assert seal_audit_entries() == 1
    release.set()
    writer.join()
    assert seal_audit_entries() == 1
    assert [(entry.action, entry.seal_seq) for entry in chain()] == [("early", 1), ("late", 2)]
    assert verify_chain().intact


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_seal_every_entry_once_into_one_chain() -> None:
    def writer(worker: int) -> None:
        try:
            for number in range(40):
                record_event(action="api.token.used", actor_label=f"worker:{worker}", detail={"n": number})
        finally:
            connection.close()

    def sealer(_: int) -> int:
        try:
            return sum(seal_audit_entries(batch_size=7) for _ in range(15))
        finally:
            connection.close()

    with ThreadPoolExecutor(6) as pool:
        writes = [pool.submit(writer, worker) for worker in range(4)]
        sealed = sum(pool.map(sealer, range(2)))
        for done in writes:
            done.result()
    sealed += seal_audit_entries()
    assert sealed == 160
    assert [entry.seal_seq for entry in chain()] == list(range(1, 161))
    report = verify_chain()
    assert (report.intact, report.unsealed) == (True, 0), report.problems


def test_checkpoints_appended_out_of_order_by_two_sealers_still_verify(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    write(3)
    with django_capture_on_commit_callbacks(execute=True):
        seal_audit_entries(batch_size=2)  # two sealings: checkpoints at places 2 and 3
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    lines = path.read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines][-2:] == [2, 3]
    path.write_text("\n".join([*lines[:-2], lines[-1], lines[-2]]) + "\n")  # the second sealer's line came first
    report = verify_chain()
    assert (report.intact, report.sealed) == (True, 3), report.problems
