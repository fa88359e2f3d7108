"""Reads for the pages and their JSON: recordings, job state, queue position. No writes here."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse

from studies.models import Interview, Study
from transcription.models import Recording, TranscriptionJob

Status = TranscriptionJob.Status


def latest_job(recording: Recording) -> TranscriptionJob | None:
    jobs = list(recording.jobs.all())  # prefetched, ordered by creation
    return jobs[-1] if jobs else None


def queue_position(job: TranscriptionJob) -> int | None:
    """1 for the next job a worker will take, counting every study's queued jobs (the queue is shared)."""
    if job.status != Status.QUEUED:
        return None
    queued = TranscriptionJob.objects.filter(status=Status.QUEUED).annotate(since=Coalesce("enqueued_at", "updated_at"))
    mine = job.enqueued_at or job.updated_at
    return queued.filter(Q(since__lt=mine) | Q(since=mine, id__lt=job.id)).count() + 1


def recordings_of(interview: Interview) -> QuerySet[Recording]:
    return (
        Recording.objects.filter(interview=interview)
        .select_related("transcript")
        .prefetch_related("files", "tracks", Prefetch("jobs", TranscriptionJob.objects.order_by("created_at", "id")))
        .order_by("-created_at")
    )


def jobs_of(study: Study) -> QuerySet[TranscriptionJob]:
    return (
        TranscriptionJob.objects.filter(recording__interview__study=study)
        .select_related("recording__interview__participant")
        .order_by("-created_at")
    )


def job_state(job: TranscriptionJob, *, slug: str) -> dict[str, Any]:
    """What the page shows about a job; ids, states and a readable reason only (no personal data)."""
    return {
        "id": job.id,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "progress": job.progress,
        "eta": job.eta.isoformat() if job.eta and job.status == Status.RUNNING else None,
        "queue_position": queue_position(job),
        "attempts": job.attempts,
        "error": job.error_message,
        "retry_url": (
            reverse("transcription:retry", args=[slug, job.id])
            if job.status == Status.FAILED or job.is_stuck()
            else None
        ),
    }


def recording_state(recording: Recording, *, slug: str) -> dict[str, Any]:
    job = latest_job(recording)
    transcript = getattr(recording, "transcript", None)
    return {
        "id": recording.id,
        "job": job_state(job, slug=slug) if job else None,
        "transcript": (
            {"state": transcript.state, "language": transcript.language, "has_speech": transcript.has_speech}
            if transcript
            else None
        ),
    }
