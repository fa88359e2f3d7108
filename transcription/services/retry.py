"""The team's retry of a failed job, or of a queued one that no worker has claimed for a long time, and the
transcription of a recording again from scratch."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import User
from transcription.models import Recording, Transcript, TranscriptionJob
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


def retranscribe_recording(*, recording: Recording, user: User) -> TranscriptionJob:
    """Transcribe a recording again from scratch: its active job is cancelled and a new one queued.

    A job in progress is fenced, not killed: its claim (status running, attempt n) no longer holds, so its worker
    stops at the next progress write and its result is discarded. A machine transcript nobody has opened for
    review yet is deleted with it; once review has begun, people's edits, redactions and codings hang on it, so
    the request is refused. The caller has checked the role.
    """
    with transaction.atomic():
        jobs = TranscriptionJob.objects.select_for_update().filter(recording_id=recording.id)
        transcript = Transcript.objects.select_for_update().filter(recording_id=recording.id).first()
        if transcript is not None and transcript.state != Transcript.State.TRANSCRIBED:
            raise RetryRefused(
                _("This transcript is already in review or later; transcribing it again would throw that work away.")
            )
        try:
            check_consent(recording.interview)
        except RecordingRefused as error:
            raise RetryRefused(str(error)) from error
        cancelled = jobs.filter(status__in=TranscriptionJob.ACTIVE).update(
            status=TranscriptionJob.Status.CANCELLED,
            error_message=_("Cancelled: the recording is being transcribed again."),
            finished_at=timezone.now(),
            eta=None,
        )
        if transcript is not None:
            transcript.delete()
        job = TranscriptionJob.objects.create(recording=recording)
        record_event(
            action="transcription.recording.retranscribed",
            actor=user,
            study_id=recording.interview.study_id,
            target=recording,
            detail={"job": job.id, "cancelled_jobs": cancelled, "transcript_deleted": transcript is not None},
        )
        enqueue_on_commit(job.id)
    return job
