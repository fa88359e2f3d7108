"""The periodic sweep (beat): no job stays running forever, and no committed job waits for a lost message."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from transcription.models import TranscriptionJob
from transcription.services.enqueue import enqueue_on_commit
from transcription.services.jobs import requeue_job
from transcription.uploads import discard_expired_uploads

log = logging.getLogger(__name__)
Status = TranscriptionJob.Status


@dataclass(frozen=True)
class SweepReport:
    requeued: int
    failed: int
    sent: int
    resent: int
    uploads_removed: int


def sweep_transcription_jobs() -> SweepReport:
    """Re-queue running jobs whose heartbeat is older than TRANSCRIPTION_STALE_SECONDS (their worker died),
    failing those out of attempts; send queued jobs that were never sent after the grace period; send again
    jobs sent longer than TRANSCRIPTION_RESEND_AFTER_SECONDS ago that no worker claimed; remove uploads abandoned
    for longer than UPLOAD_EXPIRY_HOURS. Safe to run on several machines at once."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.TRANSCRIPTION_STALE_SECONDS)
    requeued = failed = 0
    with transaction.atomic():
        silent = TranscriptionJob.objects.select_for_update(skip_locked=True).filter(
            Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True), status=Status.RUNNING
        )
        for job in silent:
            if requeue_job(job=job, reason=_("The worker stopped responding; the job was queued again.")):
                requeued += 1
            else:
                failed += 1
    grace = now - timedelta(seconds=settings.TRANSCRIPTION_ENQUEUE_GRACE_SECONDS)
    with transaction.atomic():
        unsent = TranscriptionJob.objects.select_for_update(skip_locked=True).filter(
            status=Status.QUEUED, enqueued_at__isnull=True, updated_at__lt=grace
        )
        sent = 0
        for job in unsent:
            enqueue_on_commit(job.id)
            sent += 1
    report = SweepReport(
        requeued=requeued,
        failed=failed,
        sent=sent,
        resent=_resend_unclaimed(now),
        uploads_removed=discard_expired_uploads(),
    )
    if requeued or failed or sent or report.resent:
        log.info("transcription sweep: %s", report)
    return report


def _resend_unclaimed(now: datetime) -> int:
    """Send again the jobs that were sent but never claimed for TRANSCRIPTION_RESEND_AFTER_SECONDS.

    Their message may be gone with the broker (a Redis restarted without persistence keeps no queue), and nothing
    else would ever run them. If the message is only waiting behind long jobs, the second copy is harmless: the
    claim is a conditional update, so one worker runs the job and the other copy is skipped. Clearing enqueued_at
    first makes a send that fails now (broker still down) look unsent, so the next sweep tries again.
    """
    waited = now - timedelta(seconds=settings.TRANSCRIPTION_RESEND_AFTER_SECONDS)
    with transaction.atomic():
        unclaimed = TranscriptionJob.objects.select_for_update(skip_locked=True).filter(
            status=Status.QUEUED, enqueued_at__lt=waited
        )
        job_ids = list(unclaimed.values_list("id", flat=True))
        TranscriptionJob.objects.filter(id__in=job_ids).update(enqueued_at=None)
        for job_id in job_ids:
            enqueue_on_commit(job_id)
    return len(job_ids)
