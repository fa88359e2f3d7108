"""Verify the audit trail's keyed hash chain against its checkpoints; exits non-zero, naming each kind of damage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.audit_verify import verify_chain

SHOWN = 100  # a chain rewritten from end to end would otherwise print one line per entry
STALE = timedelta(minutes=5)  # the beat task seals every few seconds


class Command(BaseCommand):
    help = "Check that no audit entry was edited, deleted, reordered or cut from the tail."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        for problem in report.problems[:SHOWN]:
            place = f"place {problem.position}" if problem.position is not None else "checkpoints"
            self.stderr.write(f"{problem.kind} at {place}: {problem.reason}")
        if len(report.problems) > SHOWN:
            self.stderr.write(f"... and {len(report.problems) - SHOWN} more")
        if not report.intact:
            kinds = ", ".join(sorted({str(problem.kind) for problem in report.problems}))
            raise CommandError(f"The audit trail is broken in {len(report.problems)} place(s): {kinds}.")
        if report.oldest_unsealed and timezone.now() - report.oldest_unsealed > STALE:
            self.stderr.write(
                f"Entries wait to be sealed since {report.oldest_unsealed:%Y-%m-%d %H:%M}: is beat running?"
            )
        checkpoint = report.last_checkpoint
        head = f", held against the checkpoints up to {checkpoint.at}" if checkpoint else ""
        self.stdout.write(
            f"The audit trail is intact ({report.sealed} sealed entries{head}; {report.unsealed} wait to be sealed)."
        )
