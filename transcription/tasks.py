"""Celery tasks of the transcription app: ids in, one service call each.

Both run with late acknowledgement (settings), so a message is only gone once its work ended; a job whose
worker died is re-queued by the sweep, which owns re-delivery (the broker's visibility timeout is hours).
"""

from __future__ import annotations

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from transcription import services

# Seconds before the n-th retry after a passing failure (the database or the GPU's memory).
BACKOFF = (10, 30, 90, 300)


def backoff(retries: int) -> int:
    return BACKOFF[min(retries, len(BACKOFF) - 1)]


@shared_task(bind=True, ignore_result=True, max_retries=len(BACKOFF))
def transcribe_recording(self: Task, job_id: int) -> None:
    """Claim and run one transcription job; a duplicate message for a claimed or finished job does nothing."""
    try:
        services.run_transcription_job(job_id=job_id, worker=self.request.hostname or "worker")
    except services.TransientJobError as error:
        raise self.retry(exc=error, countdown=backoff(self.request.retries)) from error
    except (OperationalError, InterfaceError) as error:
        # The database dropped out: the claim may or may not have happened. If it did, the sweep re-queues
        # the job once its heartbeat goes stale; if not, this retry finds it still queued.
        raise self.retry(exc=error, countdown=backoff(self.request.retries)) from error


@shared_task(ignore_result=True)
def sweep_transcription_jobs() -> None:
    """Periodic (beat): re-queue jobs whose worker went silent and jobs never sent; drop abandoned uploads."""
    services.sweep_transcription_jobs()
