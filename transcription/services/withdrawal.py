"""What a participant's withdrawal means for recordings, jobs and transcripts (called by the journey)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from config.media import delete_media
from studies.models import Participant
from transcription.models import MediaFile, Recording, TranscriptionJob, Upload
from transcription.uploads import temp_path


def withdraw_participant_work(*, participant: Participant, erase: bool) -> None:
    """Cancel the participant's queued and running jobs; with `erase`, delete their recordings (stored files
    too, once committed), uploads in progress, transcripts, versions and segments. Works at any stage.

    A running job is not interrupted here: its heartbeat sees the cancellation (or the withdrawn consent)
    within seconds and stops the pipeline, and its final write re-checks both, so nothing is saved.
    """
    with transaction.atomic():
        recordings = Recording.objects.filter(interview__participant=participant)
        TranscriptionJob.objects.filter(recording__in=recordings, status__in=TranscriptionJob.ACTIVE).update(
            status=TranscriptionJob.Status.CANCELLED,
            finished_at=timezone.now(),
            eta=None,
            error_message=_("Cancelled: the participant withdrew."),
        )
        if not erase:
            return
        names = list(MediaFile.objects.filter(recording__in=recordings).values_list("storage_name", flat=True))
        uploads = list(Upload.objects.filter(interview__participant=participant))
        temp_files = [temp_path(upload) for upload in uploads]
        count = recordings.count()
        removed = delete_with_dependents(recordings)  # cascades to files, tracks, jobs, transcripts, versions
        Upload.objects.filter(pk__in=[upload.pk for upload in uploads]).delete()
        record_event(
            action="transcription.erased",
            actor_label="system",
            study_id=participant.study_id,
            target=participant,
            detail={"recordings": count, "stored_files": len(names), "uploads": len(uploads), "rows": removed},
        )

        def remove_files() -> None:
            for name in names:
                delete_media(name)
            for path in temp_files:
                path.unlink(missing_ok=True)

        transaction.on_commit(remove_files)


def delete_with_dependents(queryset: models.QuerySet[Any], *, depth: int = 0) -> dict[str, int]:
    """Delete the rows and everything that hangs on them, including rows of other apps that PROTECT them
    (codings on a transcript version, for example): an erasure request outranks that safeguard, which is
    there to stop accidental deletions. Returns the number of rows deleted per model label."""
    removed: dict[str, int] = defaultdict(int)
    for _attempt in range(10):
        try:
            with transaction.atomic():
                _total, per_model = queryset.delete()
        except ProtectedError as error:
            if depth > 5:
                raise
            blocking: dict[type[models.Model], list[object]] = defaultdict(list)
            for obj in error.protected_objects:
                blocking[type(obj)].append(obj.pk)
            for model, pks in blocking.items():
                nested = delete_with_dependents(model._base_manager.filter(pk__in=pks), depth=depth + 1)
                for label, count in nested.items():
                    removed[label] += count
            continue
        for label, count in per_model.items():
            removed[label] += count
        return dict(removed)
    raise RuntimeError("Could not delete the recordings: their dependents keep changing.")


def delete_recording(recording: Recording) -> None:
    """Delete one recording with everything on it (files, tracks, jobs, transcript, versions, codings), its stored
    files once the caller's transaction commits (a rollback keeps them)."""
    names = list(recording.files.values_list("storage_name", flat=True))
    delete_with_dependents(Recording.objects.filter(pk=recording.pk))

    def remove_files() -> None:
        for name in names:
            delete_media(name)

    transaction.on_commit(remove_files)
