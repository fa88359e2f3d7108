"""Celery tasks of the accounts app."""

from __future__ import annotations

from celery import shared_task

from accounts.audit import seal_audit_entries


@shared_task(ignore_result=True)
def seal_audit_log() -> int:
    """Beat, every AUDIT_SEAL_SECONDS: seal the audit entries that wait into the keyed chain, with a checkpoint."""
    return seal_audit_entries()
