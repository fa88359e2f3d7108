"""Per-study retention: raw audio some days after its transcript is approved, contact details some days after
the study closes. Run daily by beat; every deletion is audit-logged with counts, never with content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.audit import record_event
from config.media import delete_media
from studies.models import ContactDetails, Study


@dataclass(frozen=True)
class RetentionReport:
    recordings_purged: int = 0
    files_deleted: int = 0
    contacts_deleted: int = 0


def apply_retention(*, now: datetime | None = None) -> RetentionReport:
    """Apply every study's retention settings once; running it again the same day deletes nothing more."""
    now = now or timezone.now()
    _stamp_closed_studies(now)
    recordings = files = contacts = 0
    for study in Study.objects.filter(raw_audio_retention_days__isnull=False):
        purged, deleted = purge_raw_audio(study=study, before=now - timedelta(days=study.raw_audio_retention_days or 0))
        recordings, files = recordings + purged, files + deleted
    closed = Study.objects.filter(
        status=Study.Status.CLOSED, contact_retention_days__isnull=False, closed_at__isnull=False
    )
    for study in closed:
        if study.closed_at and study.closed_at + timedelta(days=study.contact_retention_days or 0) <= now:
            contacts += delete_contact_details(study=study)
    return RetentionReport(recordings, files, contacts)


def _stamp_closed_studies(now: datetime) -> None:
    # A study closed through the admin or the API has no close time yet: the first sweep that sees it sets one,
    # so the retention period never starts earlier than the study really closed.
    Study.objects.filter(status=Study.Status.CLOSED, closed_at__isnull=True).update(closed_at=now)
    Study.objects.exclude(status=Study.Status.CLOSED).filter(closed_at__isnull=False).update(closed_at=None)


def purge_raw_audio(*, study: Study, before: datetime) -> tuple[int, int]:
    """Delete the stored recordings of transcripts approved before `before`; returns (recordings, files)."""
    from transcription.models import MediaFile

    with transaction.atomic():
        rows = list(
            MediaFile.objects.select_for_update()
            .filter(recording__interview__study=study, recording__transcript__approvals__created_at__lt=before)
            .values_list("pk", "storage_name", "recording_id")
        )
        if not rows:
            return 0, 0
        names = sorted({name for _, name, _ in rows})
        recordings = len({recording for _, _, recording in rows})
        MediaFile.objects.filter(pk__in=[pk for pk, _, _ in rows]).delete()
        record_event(
            action="retention.raw_audio_deleted",
            actor_label="system",
            study_id=study.pk,
            target=study,
            detail={"recordings": recordings, "files": len(names)},
        )
        transaction.on_commit(lambda: _delete_files(names))
    return recordings, len(names)


def _delete_files(names: list[str]) -> None:
    for name in names:
        delete_media(name)


def delete_contact_details(*, study: Study) -> int:
    """Delete every participant's contact details in the study; returns how many."""
    with transaction.atomic():
        deleted, _ = ContactDetails.objects.filter(participant__study=study).delete()
        if deleted:
            record_event(
                action="retention.contacts_deleted",
                actor_label="system",
                study_id=study.pk,
                target=study,
                detail={"contacts": deleted},
            )
    return deleted
