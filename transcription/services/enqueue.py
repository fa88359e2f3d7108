"""Sending jobs to the broker, always after the transaction that made them has committed."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from transcription.models import TranscriptionJob


def _send(job_id: int) -> None:
    from transcription.tasks import transcribe_recording

    transcribe_recording.delay(job_id)
    # Only a sent job gets its time: a job the broker never saw is found by the sweep (enqueued_at is null).
    TranscriptionJob.objects.filter(id=job_id, enqueued_at__isnull=True).update(enqueued_at=timezone.now())


def enqueue_on_commit(job_id: int) -> None:
    """Send the job's task once the current transaction commits. A broker that is down then is not an error
    for the person who uploaded: the commit stands and the sweep sends the job later (robust callback)."""
    transaction.on_commit(lambda: _send(job_id), robust=True)
