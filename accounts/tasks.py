"""Celery tasks of the accounts app."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from accounts.audit import drain_queued_events


@shared_task(ignore_result=True)
def drain_audit_queue() -> int:
    """Beat, every few seconds: chain the API token uses still waiting in Redis (accounts.audit.record_event, `queued`).
    Runs until the queue is empty, in batches of one transaction each. Without Redis nothing is ever queued."""
    if not settings.REDIS_URL:
        return 0
    drained = total = drain_queued_events()
    while drained:
        drained = drain_queued_events()
        total += drained
    return total
