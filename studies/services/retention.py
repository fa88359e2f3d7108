"""Per-study retention: raw audio some days after its transcript is approved, contact details some days after
the study closes. Run daily by beat; every deletion is audit-logged with counts, never with content. Recordings
belong to the transcription app, which deletes them through the purge it registers here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from accounts.audit import record_event
from studies.models import ContactDetails, Study


@dataclass(frozen=True)
class RetentionReport:
    recordings_purged: int = 0
    files_deleted: int = 0
    contacts_deleted: int = 0


class RawAudioPurge(Protocol):
    def __call__(self, *, study: Study, before: datetime) -> tuple[int, int]: ...


_raw_audio_purges: list[RawAudioPurge] = []


def register_raw_audio_purge(purge: RawAudioPurge) -> None:
    """Let the app that stores recordings (transcription, above this one, from its AppConfig.ready) delete a
    study's raw audio whose transcript was approved before `before`; it returns (recordings, files) and audits
    what it deleted. Studies may not import that app.
    """
    if purge not in _raw_audio_purges:
        _raw_audio_purges.append(purge)


# A closed study and an archived one (closed, then put away) have both ended: their contact details' clock runs.
ENDED = (Study.Status.CLOSED, Study.Status.ARCHIVED)


def apply_retention(*, now: datetime | None = None) -> RetentionReport:
    """Apply every study's retention settings once; running it again the same day deletes nothing more."""
    now = now or timezone.now()
    _stamp_closed_studies(now)
    recordings = files = contacts = 0
    for study in Study.objects.filter(raw_audio_retention_days__isnull=False):
        before = now - timedelta(days=study.raw_audio_retention_days or 0)
        for purge in _raw_audio_purges:
            purged, deleted = purge(study=study, before=before)
            recordings, files = recordings + purged, files + deleted
    closed = Study.objects.filter(status__in=ENDED, contact_retention_days__isnull=False, closed_at__isnull=False)
    for study in closed:
        if study.closed_at and study.closed_at + timedelta(days=study.contact_retention_days or 0) <= now:
            contacts += delete_contact_details(study=study)
    return RetentionReport(recordings, files, contacts)


def _stamp_closed_studies(now: datetime) -> None:
    # A study closed through the admin or the API has no close time yet: the first sweep that sees it sets one,
    # so the retention period never starts earlier than the study really closed.
    Study.objects.filter(status__in=ENDED, closed_at__isnull=True).update(closed_at=now)
    Study.objects.exclude(status__in=ENDED).filter(closed_at__isnull=False).update(closed_at=None)


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
