"""Raw audio retention: a study's stored recordings go a set number of days after their transcript's approval
(the text stays). Called by the studies app's daily retention sweep (`studies.services.retention`), which
this app fills from TranscriptionConfig.ready through `register_raw_audio_purge`.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from accounts.audit import record_event
from config.media import delete_media
from studies.models import Study
from transcription.models import MediaFile


def purge_raw_audio(*, study: Study, before: datetime) -> tuple[int, int]:
    """Delete the stored recordings of transcripts approved before `before`; returns (recordings, files).

    Audited with counts, never with content; the files go once the deletion has committed.
    """
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
