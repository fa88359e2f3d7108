"""Verify the audit trail's hash chain; exits non-zero when an entry was edited, inserted or removed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.audit import verify_chain
from accounts.models import AuditEntry
from accounts.tasks import drain_audit_queue


class Command(BaseCommand):
    help = "Check that no audit entry was edited, inserted or deleted."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.REDIS_URL:
            drain_audit_queue()  # token uses still waiting in Redis join the chain first
        problems = verify_chain()
        if problems:
            for problem in problems:
                self.stderr.write(f"entry {problem.entry_id}: {problem.reason}")
            raise CommandError(f"The audit trail is broken in {len(problems)} place(s).")
        self.stdout.write(f"The audit trail is intact ({AuditEntry.objects.count()} entries).")
