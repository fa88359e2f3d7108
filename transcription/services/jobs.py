"""Running a transcription job: claim it, transcribe outside any transaction, write the result briefly.

A job is claimed with a conditional update (queued → running, attempts + 1). The attempt number is the
claim's fencing token: the heartbeat and the final write both require status running *and* that attempt, so
a duplicated or redelivered message, a job cancelled by a withdrawal, or a job the sweep handed to another
worker never produces a second transcript.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from typing import BinaryIO, cast

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from config.crypto import DecryptionError
from config.media import open_decrypted
from studies.models import Participant
from transcription import results
from transcription.engine import EngineOutOfMemory, ModelUnavailable, resolve_config
from transcription.models import (
    INTERVIEWER_SPEAKER,
    Recording,
    Segment,
    Transcript,
    TranscriptionJob,
    TranscriptVersion,
)
from transcription.services.enqueue import enqueue_on_commit
from transcription.services.monitor import JobMonitor, participant_allows_transcription

log = logging.getLogger(__name__)
Status = TranscriptionJob.Status


class TransientJobError(Exception):
    """The job was put back in the queue after a passing failure; the task retries it with backoff."""


def claim_job(*, job_id: int, worker: str) -> TranscriptionJob | None:
    """Take a queued job for this worker, or None when it is not queued (already claimed, finished, gone)."""
    now = timezone.now()
    claimed = TranscriptionJob.objects.filter(id=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, attempts=F("attempts") + 1, claimed_at=now, heartbeat_at=now, worker=worker[:200]
    )
    if not claimed:
        return None
    return TranscriptionJob.objects.select_related("recording__interview__participant").get(id=job_id)


def build_request(recording: Recording) -> results.TranscriptionRequest:
    """The pipeline's request: decrypting readers (no plaintext on disk), speakers, the language hint."""
    participant = recording.interview.participant
    tracks = tuple(
        results.Track(
            open=cast(Callable[[], BinaryIO], partial(open_decrypted, track.media_file.storage_name)),
            speaker=track.speaker or None,
            channel=track.channel,
        )
        for track in recording.tracks.select_related("media_file").order_by("id")
    )
    # Clustered speakers are named in order of first appearance; interviews usually open with the
    # interviewer. The labels are only a starting point: the review editor renames speakers.
    labels = (INTERVIEWER_SPEAKER, participant.code) if recording.expected_speakers == 2 else ()
    hint = participant.language.split("-")[0].lower() or None
    return results.TranscriptionRequest(
        tracks=tracks,
        language_hint=hint,
        expected_speakers=recording.expected_speakers,
        speaker_labels=labels,
        translate_to_english=recording.translate_to_english,
    )


def run_transcription_job(*, job_id: int, worker: str) -> str:
    """Claim and run one job; returns what happened ("skipped", "succeeded", "failed", "cancelled", "discarded").

    Raises TransientJobError after re-queueing the job when a passing failure (GPU out of memory) stopped it.
    """
    job = claim_job(job_id=job_id, worker=worker)
    if job is None:
        return "skipped"
    participant = job.recording.interview.participant
    if not participant_allows_transcription(participant.id):
        return _finish(job, Status.CANCELLED, _("Cancelled: the participant's consent does not cover transcription."))
    config = resolve_config()
    batch_size = job.batch_size or config.batch_size
    TranscriptionJob.objects.filter(id=job.id).update(
        device=config.device, model_name=config.model, batch_size=batch_size
    )
    try:
        with JobMonitor(job_id=job.id, attempt=job.attempts, participant_id=participant.id) as monitor:
            result = _transcribe(build_request(job.recording), monitor, batch_size)
    except results.TranscriptionCancelled:
        return _finish(job, Status.CANCELLED, _("Cancelled: the job was stopped or the participant withdrew."))
    except results.UnreadableMedia as error:
        return _finish(job, Status.FAILED, str(error))
    except ModelUnavailable:
        return _finish(job, Status.FAILED, _("The transcription model is not installed on the worker."))
    except (DecryptionError, FileNotFoundError):
        # Erased while running (withdrawal) ends here quietly; anything else is a damaged or foreign file.
        return _finish(job, Status.FAILED, _("The stored recording could not be read back."))
    except EngineOutOfMemory as error:
        reason, smaller = _("The GPU ran out of memory."), max(1, batch_size // 2)
        if requeue_job(job=job, reason=reason, batch_size=smaller, enqueue=False):
            raise TransientJobError("GPU out of memory") from error
        return "failed"  # out of attempts: requeue_job failed it with the reason
    return "succeeded" if save_result_with_retries(job=job, result=result) else "discarded"


def _transcribe(
    request: results.TranscriptionRequest, monitor: JobMonitor, batch_size: int
) -> results.TranscriptionResult:
    from transcription.pipeline import transcribe

    return transcribe(
        request, on_progress=monitor.on_progress, should_continue=monitor.should_continue, batch_size=batch_size
    )


def _claimed(job: TranscriptionJob) -> TranscriptionJob | None:
    """The job row locked, if it is still this claim's (running, same attempt)."""
    return (
        TranscriptionJob.objects.select_for_update()
        .filter(id=job.id, status=Status.RUNNING, attempts=job.attempts)
        .first()
    )


def _finish(job: TranscriptionJob, status: str, reason: str) -> str:
    """End this claim with `status` and a readable reason; does nothing if the claim was lost meanwhile."""
    with transaction.atomic():
        current = _claimed(job)
        if current is None:
            return "discarded"
        current.status, current.error_message, current.finished_at = status, reason[:500], timezone.now()
        current.eta = None
        current.save(update_fields=["status", "error_message", "finished_at", "eta", "updated_at"])
    log.info("transcription job %s ended %s", job.id, status)
    return str(status)


def requeue_job(*, job: TranscriptionJob, reason: str, batch_size: int | None = None, enqueue: bool = True) -> bool:
    """Put a running claim back in the queue (or fail it after TRANSCRIPTION_MAX_ATTEMPTS); True if re-queued.

    With enqueue=False the caller sends the message itself (a Celery retry with backoff); should that be lost,
    the sweep sends the job once its grace period passes, since enqueued_at stays empty.
    """
    with transaction.atomic():
        current = _claimed(job)
        if current is None:
            return False
        if current.attempts >= settings.TRANSCRIPTION_MAX_ATTEMPTS:
            current.status, current.finished_at = Status.FAILED, timezone.now()
            current.error_message = _("Gave up after %(n)d attempts. Last problem: %(reason)s") % {
                "n": current.attempts,
                "reason": reason,
            }
        else:
            current.status, current.enqueued_at, current.error_message = Status.QUEUED, None, reason
            current.batch_size = batch_size or current.batch_size
            if enqueue:
                enqueue_on_commit(current.id)
        current.progress, current.eta = 0, None
        current.save()
    return current.status == Status.QUEUED


def save_result_with_retries(*, job: TranscriptionJob, result: results.TranscriptionResult) -> bool:
    """`save_result`, tried again with back-off when the database drops out (a restart, a failover, a network blip):
    the result may have taken an hour of GPU time, and redoing it from scratch after the sweep is the worst outcome.

    TRANSCRIPTION_SAVE_ATTEMPTS tries, waiting TRANSCRIPTION_SAVE_BACKOFF_SECONDS, then twice as long each time; the
    last failure is raised (the sweep then re-queues the job). The waits together stay well under
    TRANSCRIPTION_STALE_SECONDS, so the claim is still this worker's when the database is back.
    """
    pause = settings.TRANSCRIPTION_SAVE_BACKOFF_SECONDS
    for attempt in range(1, settings.TRANSCRIPTION_SAVE_ATTEMPTS + 1):
        try:
            return save_result(job=job, result=result)
        except (OperationalError, InterfaceError) as error:
            if attempt == settings.TRANSCRIPTION_SAVE_ATTEMPTS:
                raise
            log.warning(
                "saving job %s failed (%s); try %d again in %.1f s", job.id, type(error).__name__, attempt, pause
            )
            connection.close()  # the next try opens a fresh connection instead of reusing a broken one
            time.sleep(pause)
            pause *= 2
    return False  # never reached: the loop returns or raises


def save_result(*, job: TranscriptionJob, result: results.TranscriptionResult) -> bool:
    """Write version 1 and its segments, only if the claim still holds and consent still allows; else discard.

    The participant row is locked so that a withdrawal either commits before this check or waits for it.
    """
    with transaction.atomic():
        current = _claimed(job)
        participant_id = job.recording.interview.participant_id
        participant = Participant.objects.select_for_update().filter(id=participant_id).first()
        if current is None or participant is None:
            return False
        if not participant_allows_transcription(participant.id):
            _cancel_locked(current, _("Cancelled: the participant withdrew; the result was discarded."))
            return False
        if not Transcript.objects.filter(recording_id=job.recording_id).exists():
            write_transcript(job.recording, result)
        current.status, current.progress, current.eta = Status.SUCCEEDED, 100, None
        current.finished_at, current.error_message = timezone.now(), ""
        current.save()
    return True


def _cancel_locked(job: TranscriptionJob, reason: str) -> None:
    job.status, job.error_message, job.finished_at, job.eta = Status.CANCELLED, reason, timezone.now(), None
    job.save()


def write_transcript(recording: Recording, result: results.TranscriptionResult) -> TranscriptVersion:
    """The recording's transcript with `result` as its version 1 (the caller holds the transaction)."""
    transcript = Transcript.objects.create(
        recording=recording,
        language=result.language,
        language_probability=result.language_probability,
        duration=result.duration,
        has_speech=result.has_speech,
    )
    version = TranscriptVersion.objects.create(
        transcript=transcript,
        number=1,
        is_machine=True,
        engine=result.engine[:100],
        model_name=result.model[:200],
        engine_settings=result.settings,
        translation=[_segment_dict(s) for s in result.translation] if result.translation is not None else None,
    )
    Segment.objects.bulk_create(
        Segment(version=version, index=index, **_segment_dict(segment))
        for index, segment in enumerate(sorted(result.segments, key=lambda s: (s.start, s.end)))
    )
    return version


def _segment_dict(segment: results.Segment) -> dict[str, object]:
    data = asdict(segment)
    data["words"] = [asdict(word) for word in segment.words]
    data["flags"] = list(segment.flags)
    return data
