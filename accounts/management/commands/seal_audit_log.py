"""Seal the audit entries that wait now, as the beat task does every few seconds."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.audit import seal_audit_entries


class Command(BaseCommand):
    help = "Seal the audit entries that wait into the keyed hash chain and write a checkpoint of its head."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Audit entries sealed: {seal_audit_entries()}")
