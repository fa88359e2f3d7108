"""Verifying the audit chain (accounts.audit): recompute it with the keys and hold it against the checkpoints.

Each finding names its kind: an entry `edited`; entries `deleted` from the middle (a gap in the places); entries
`reordered` (what two entries say swapped, or an entry moved to another place); a `truncated` tail (the chain is
shorter than the last checkpoint); a chain `rewritten` since a checkpoint (the entry at a checkpointed place is not
the one it names, as after truncating and sealing again); an entry sealed with an `unknown key`; and a `checkpoint`
that is forged, unreadable or missing.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.conf import settings

from accounts.audit import GENESIS, Checkpoint, audit_keys, keyed_hash, payload, sign_checkpoint, unkeyed_hashes
from accounts.models import AuditEntry

# Telling a swap from an edit compares every suspect entry with every other: bounded, so that a chain rewritten
# from end to end (thousands of suspects) is still reported quickly, as edited.
MAX_PAIRED_SUSPECTS = 200


class Finding(StrEnum):
    EDITED = "edited"
    DELETED = "deleted"
    REORDERED = "reordered"
    TRUNCATED = "truncated"
    REWRITTEN = "rewritten"
    UNKNOWN_KEY = "unknown key"
    CHECKPOINT = "checkpoint"


@dataclass(frozen=True)
class ChainProblem:
    kind: Finding
    position: int | None  # the place in the chain (seal_seq), where there is one
    reason: str


@dataclass
class ChainReport:
    problems: list[ChainProblem] = field(default_factory=list)
    sealed: int = 0
    unsealed: int = 0
    oldest_unsealed: datetime | None = None  # long ago: the sealer (celery beat) is not running
    last_checkpoint: Checkpoint | None = None

    @property
    def intact(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Row:
    """What a sealed entry's hash covers, apart from the model (so that parts can be swapped to test a suspicion)."""

    id: int
    seq: int
    key_id: str
    previous_hash: str
    entry_hash: str
    fields: dict[str, Any]
    unkeyed_allowed: bool  # before the first keyed entry only

    @classmethod
    def of(cls, entry: AuditEntry, *, unkeyed_allowed: bool) -> _Row:
        return cls(
            entry.pk, int(entry.seal_seq or 0), entry.key_id, entry.previous_hash, entry.entry_hash, payload(entry),
            unkeyed_allowed,
        )  # fmt: skip


def _hash_holds(row: _Row, keys: dict[str, bytes]) -> bool:
    if not row.key_id:
        return row.unkeyed_allowed and row.entry_hash in unkeyed_hashes(row.previous_hash, row.fields)
    key = keys.get(row.key_id)
    if key is None:
        return False
    expected = keyed_hash(key, entry_id=row.id, seq=row.seq, previous_hash=row.previous_hash, fields=row.fields)
    return hmac.compare_digest(expected, row.entry_hash)


def verify_chain() -> ChainReport:
    """Walk the sealed entries in chain order and compare them with every checkpoint; nothing is changed.

    Entries that wait to be sealed are only counted: nothing vouches for them yet.
    """
    keys = dict(audit_keys())
    waiting = AuditEntry.objects.filter(seal_seq=None)
    report = ChainReport(
        unsealed=waiting.count(), oldest_unsealed=waiting.order_by("id").values_list("at", flat=True).first()
    )
    checkpoints = _Checkpoints(Path(settings.AUDIT_CHECKPOINT_FILE), keys)
    walk = _Walk(keys)
    for entry in AuditEntry.objects.exclude(seal_seq=None).order_by("seal_seq").iterator(chunk_size=2000):
        row = _Row.of(entry, unkeyed_allowed=not walk.keyed_seen)
        walk.step(row)
        report.problems += checkpoints.compare(row)
        report.sealed += 1
    report.problems += walk.problems + walk.suspect_findings()
    report.problems += checkpoints.compare_head(walk.previous)
    report.problems += checkpoints.problems
    report.last_checkpoint = checkpoints.last
    report.problems.sort(key=lambda problem: (problem.position or 0, problem.kind))
    return report


class _Walk:
    """The chain, one entry after another: gaps, unknown keys and broken links at once; entries whose own hash
    fails are kept as suspects, to be told apart (edited or reordered) once all are known."""

    def __init__(self, keys: dict[str, bytes]) -> None:
        self.keys = keys
        self.problems: list[ChainProblem] = []
        self.suspects: list[_Row] = []
        self.previous: _Row | None = None
        self.previous_failed = False
        self.keyed_seen = False

    def step(self, row: _Row) -> None:
        expected = self.previous.seq + 1 if self.previous else 1
        gap = row.seq > expected
        if gap:
            missing = f"{expected}" if row.seq == expected + 1 else f"{expected} to {row.seq - 1}"
            self.problems.append(ChainProblem(Finding.DELETED, row.seq, f"the entries at place {missing} were deleted"))
        failed = True
        if row.key_id and row.key_id not in self.keys:
            reason = f"sealed with key {row.key_id!r}, which AUDIT_HMAC_KEYS does not hold"
            self.problems.append(ChainProblem(Finding.UNKNOWN_KEY, row.seq, reason))
        elif not _hash_holds(row, self.keys):
            self._suspect(row)
        else:
            failed = False
            previous_hash = self.previous.entry_hash if self.previous else GENESIS
            if not gap and not self.previous_failed and row.previous_hash != previous_hash:
                # This entry is intact, so its link is what was sealed: the entry before it changed since, hash
                # and all (an unkeyed one recomputed, say).
                reason = "it is not the entry that the entry after it was sealed after"
                self.problems.append(ChainProblem(Finding.EDITED, self.previous.seq if self.previous else None, reason))
        self.previous, self.previous_failed = row, failed
        self.keyed_seen = self.keyed_seen or bool(row.key_id)

    def _suspect(self, row: _Row) -> None:
        if len(self.suspects) < MAX_PAIRED_SUSPECTS:
            self.suspects.append(row)
        else:
            self.problems.append(ChainProblem(Finding.EDITED, row.seq, "its hash does not match what it says"))

    def suspect_findings(self) -> list[ChainProblem]:
        """Each suspect is `reordered` when what it says, its id or its place fits another suspect's seal, else
        `edited`."""
        problems = []
        for row in self.suspects:
            origin = next((other for other in self.suspects if other is not row and self._belongs(row, other)), None)
            if origin is None:
                problems.append(ChainProblem(Finding.EDITED, row.seq, "its hash does not match what it says"))
            else:
                reason = f"it holds what was sealed at place {origin.seq}, or swapped places with it"
                problems.append(ChainProblem(Finding.REORDERED, row.seq, reason))
        return problems

    def _belongs(self, row: _Row, other: _Row) -> bool:
        candidates = (
            replace(other, fields=row.fields),  # what two entries say was swapped
            replace(row, seq=other.seq),  # whole entries swapped places
            replace(row, id=other.id),  # ids swapped
        )
        return any(_hash_holds(candidate, self.keys) for candidate in candidates)


class _Checkpoints:
    """The checkpoint file, read once, in step with the chain (checkpoints come in the order of their places)."""

    def __init__(self, path: Path, keys: dict[str, bytes]) -> None:
        self.path, self.keys = path, keys
        self.problems: list[ChainProblem] = []
        self.last: Checkpoint | None = None
        self._lines = self._valid()
        self._next = next(self._lines, None)

    def _valid(self) -> Iterator[Checkpoint]:
        """The signed checkpoints in the order of their places. Two sealers that commit close together (beat and
        `manage.py seal_audit_log`) can append their lines in either order, and each line is signed on its own, so
        the order of the lines in the file proves nothing and is not held against it."""
        if not self.path.exists():
            return
        valid = []
        with self.path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                checkpoint = self._parsed(line)
                if checkpoint is None or not self._signed(checkpoint):
                    self._complain(f"line {number} of {self.path} is not a checkpoint signed with a known key")
                else:
                    valid.append(checkpoint)
        yield from sorted(valid, key=lambda checkpoint: checkpoint.seq)

    @staticmethod
    def _parsed(line: str) -> Checkpoint | None:
        try:
            checkpoint = Checkpoint(**json.loads(line))
        except (ValueError, TypeError):
            return None
        numbers = (checkpoint.seq, checkpoint.sealed)
        texts = (checkpoint.entry_hash, checkpoint.at, checkpoint.key_id, checkpoint.mac)
        if all(type(value) is int for value in numbers) and all(isinstance(value, str) for value in texts):
            return checkpoint
        return None

    def _signed(self, checkpoint: Checkpoint) -> bool:
        key = self.keys.get(checkpoint.key_id)
        return key is not None and hmac.compare_digest(sign_checkpoint(checkpoint, key).mac, checkpoint.mac)

    def _complain(self, reason: str) -> None:
        self.problems.append(ChainProblem(Finding.CHECKPOINT, None, reason))

    def _advance(self) -> None:
        self.last, self._next = self._next, next(self._lines, None)

    def compare(self, row: _Row) -> list[ChainProblem]:
        """The checkpoints at this entry's place must name its hash (those at places now missing were reported
        as a gap)."""
        problems = []
        while self._next is not None and self._next.seq <= row.seq:
            if self._next.seq == row.seq and not hmac.compare_digest(self._next.entry_hash, row.entry_hash):
                at = self._next.at
                problems.append(ChainProblem(Finding.REWRITTEN, row.seq, f"the checkpoint of {at} names another entry"))
            self._advance()
        return problems

    def compare_head(self, head: _Row | None) -> list[ChainProblem]:
        """After the walk: a checkpoint beyond the head means entries were cut from the tail."""
        while self._next is not None:
            self._advance()
        length = head.seq if head else 0
        if self.last is not None and self.last.seq > length:
            reason = f"the checkpoint of {self.last.at} counts {self.last.seq} entries; the chain has {length}"
            return [ChainProblem(Finding.TRUNCATED, length + 1, reason)]
        if self.last is None and length:
            # Seal first (`manage.py seal_audit_log`) after an upgrade: until then unkeyed entries have none.
            reason = f"no checkpoint in {self.path}: a cut tail, or a chain passed off as unkeyed, could not be seen"
            return [ChainProblem(Finding.CHECKPOINT, None, reason)]
        return []
