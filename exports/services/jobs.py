"""Building an export: claim its queued row, write the file outside any transaction, record the result.

A build reads a whole study for minutes. The row is claimed with a conditional update (queued -> running), so a
duplicated message builds nothing twice. Every progress write and the final one are conditional on the row still
running: an export deleted meanwhile (by a manager, or erased with a participant who withdrew) stops at its next
progress write, and a file finished after that is deleted instead of recorded.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.audit import record_event
from config.media import delete_media, save_encrypted
from exports.archive.build import Progress, write_archive
from exports.models import ExportJob
from exports.refi_project import study_project, write_qdpx

FOLDER = "exports"


class ExportFailed(Exception):
    """Permanent: the export could not be written; its row says so and the task does not retry."""


class ExportCancelled(Exception):
    """The row stopped running while its export was being built (deleted or erased): nothing may be kept."""


def storage_name(job: ExportJob) -> str:
    """Where the job's file goes; `exports.services.removal` recognises its own files by this shape."""
    extension = "zip" if job.kind == ExportJob.Kind.ARCHIVE else "qdpx"
    return f"{FOLDER}/{job.study_id}/job-{job.pk}.{extension}"


def _claim(export_id: int) -> ExportJob | None:
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=export_id, state=ExportJob.State.QUEUED).update(
        state=ExportJob.State.RUNNING, started_at=now, progress=1, updated_at=now
    )
    return ExportJob.objects.select_related("study").get(pk=export_id) if claimed else None


def _progress(export_id: int) -> Progress:
    def report(percent: int) -> None:
        running = ExportJob.objects.filter(pk=export_id, state=ExportJob.State.RUNNING)
        if not running.update(progress=percent, updated_at=timezone.now()):
            raise ExportCancelled

    return report


def _write(job: ExportJob, target: IO[bytes]) -> None:
    if job.kind == ExportJob.Kind.ARCHIVE:
        write_archive(study=job.study, target=target, progress=_progress(job.pk))
    else:
        write_qdpx(study_project(study=job.study, transcript_ids=job.transcript_ids), target)


def _stored(job: ExportJob) -> tuple[str, int]:
    """Write the export into a nameless temporary file, then encrypt it into storage as a stream (memory stays flat).

    Returns the stored name and the export's size as downloaded."""
    # TemporaryFile has no name on POSIX (unlinked at once), so nothing else can open it.
    with tempfile.TemporaryFile(dir=settings.VAR_DIR if settings.VAR_DIR.exists() else None) as spool:
        _write(job, spool)
        size = spool.seek(0, os.SEEK_END)
        spool.seek(0)
        return save_encrypted(name=storage_name(job), source=spool), size


def _finish(job: ExportJob, stored: str, size: int) -> bool:
    now = timezone.now()
    with transaction.atomic():
        done = ExportJob.objects.filter(pk=job.pk, state=ExportJob.State.RUNNING).update(
            state=ExportJob.State.SUCCEEDED,
            progress=100,
            storage_name=stored,
            size_bytes=size,
            finished_at=now,
            expires_at=now + timedelta(days=settings.EXPORT_RETENTION_DAYS),
            updated_at=now,
        )
        if done:
            record_event(
                action="export.built",
                actor_label="system",
                study_id=job.study_id,
                target=job,
                detail={"kind": job.kind},
            )
    return bool(done)


def _fail(export_id: int, error: str) -> None:
    now = timezone.now()
    ExportJob.objects.filter(pk=export_id, state=ExportJob.State.RUNNING).update(
        state=ExportJob.State.FAILED, error=error, finished_at=now, updated_at=now
    )


def run_export(export_id: int) -> None:
    """Build one queued export into storage and mark it succeeded; a second run of the same id does nothing."""
    job = _claim(export_id)
    if job is None:
        return
    try:
        stored, size = _stored(job)
    except ExportCancelled:
        return
    except OSError as error:  # disk full, storage unreachable: say so on the page instead of "running" forever
        _fail(export_id, ExportJob.Error.WRITE_FAILED)
        raise ExportFailed("The export could not be written.") from error
    if not _finish(job, stored, size):
        # Deleted or erased while the file was written: the file must not outlive its row.
        delete_media(stored)
