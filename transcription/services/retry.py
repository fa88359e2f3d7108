"""The team's retry of a failed job, or of a queued one that no worker has claimed for a long time."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from transcription.models import Transcript, TranscriptionJob
from transcription.services.enqueue import enqueue_on_commit
from transcription.services.recordings import RecordingRefused, check_consent


class RetryRefused(Exception):
    """The job cannot be retried; the message is safe to show."""


def retry_job(*, job: TranscriptionJob) -> TranscriptionJob:
    """Queue a failed job again with a fresh count of attempts, or send a stuck queued job again (its message may
    be lost); the caller has checked the role."""
    with transaction.atomic():
        locked = TranscriptionJob.objects.select_for_update().select_related("recording__interview__participant")
        current = locked.get(id=job.id)
        if current.is_stuck():
            # Sent again as it is: a worker may still claim the first message, and the claim keeps it to one run.
            TranscriptionJob.objects.filter(id=current.id).update(enqueued_at=None)
            enqueue_on_commit(current.id)
            return current
        if current.status != TranscriptionJob.Status.FAILED:
            raise RetryRefused(
                _("Only a failed job, or one that has waited unclaimed for a long time, can be retried.")
            )
        if Transcript.objects.filter(recording_id=current.recording_id).exists():
            raise RetryRefused(_("This recording already has a transcript."))
        try:
            check_consent(current.recording.interview)
        except RecordingRefused as error:
            raise RetryRefused(str(error)) from error
        current.status, current.attempts, current.progress = TranscriptionJob.Status.QUEUED, 0, 0
        current.error_message, current.enqueued_at, current.finished_at, current.eta = "", None, None, None
        current.save()
        enqueue_on_commit(current.id)
    return current
