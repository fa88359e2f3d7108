"""Export files leave storage three ways: a manager deletes one, it expires (EXPORT_RETENTION_DAYS), or a participant
withdraws with "delete everything" and every export that may hold them goes. The row stays, marked, as the record.

Files are deleted only after the transaction that marked their rows has committed: a rolled-back deletion must not
have removed a file its row still names.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import record_event
from accounts.models import User
from config.media import delete_media, walk_media
from exports.models import ExportJob
from exports.services.jobs import FOLDER
from studies.models import Participant, SafetyEvent

# A queued or running export older than this lost its message or its worker: the largest studies build in minutes.
STALE_AFTER = timedelta(hours=24)
# exports/<study>/job-<id>.<ext>, with the suffix storage adds when a name is taken (exports.services.jobs).
OWN_FILE = re.compile(r"^job-(\d+)(?:_[A-Za-z0-9]+)?\.(?:zip|qdpx)$")


@dataclass(frozen=True)
class Retired:
    rows: list[tuple[int, int]]  # (export id, study id)
    names: list[str]  # stored files to delete once the transaction commits


def _retire(rows: QuerySet[ExportJob], *, state: str) -> Retired:
    """Mark the rows `state` (expired or deleted), their file name cleared. The caller holds a transaction."""
    locked = list(rows.select_for_update().values_list("pk", "study_id", "storage_name"))
    now = timezone.now()
    ExportJob.objects.filter(pk__in=[pk for pk, _study, _name in locked]).update(
        state=state, storage_name="", removed_at=now, updated_at=now
    )
    return Retired(rows=[(pk, study) for pk, study, _name in locked], names=[name for *_, name in locked if name])


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        delete_media(name)


def delete_export(*, job: ExportJob, actor: User, request: HttpRequest | None = None) -> bool:
    """Delete one export of a study: its row marked deleted, its file gone once this commits. A queued or running
    export is stopped (its build finds the row no longer running). False when it was gone already.

    The caller checked that `actor` is an owner or researcher of the job's study.
    """
    with transaction.atomic():
        removable = (*ExportJob.LIVE, ExportJob.State.FAILED)
        retired = _retire(ExportJob.objects.filter(pk=job.pk, state__in=removable), state=ExportJob.State.DELETED)
        if not retired.rows:
            return False
        record_event(
            action="export.deleted",
            actor=actor,
            request=request,
            study_id=job.study_id,
            target=job,
            detail={"kind": job.kind},
        )
        transaction.on_commit(lambda: _delete_files(retired.names))
    return True


def erase_exports_holding(*, participant: Participant) -> None:
    """Erasure hook (`studies.services.withdrawal.register_erasure_hook`) for a delete-everything withdrawal.

    Any export of the study built before now may hold the person, so every one goes: succeeded exports (files
    deleted once the withdrawal commits) and running ones (the build stops, or deletes the file it finishes).
    Queued exports stay: their build reads the study after the erasure. Files no row accounts for (a failed write,
    the cache-held jobs of earlier versions) are swept from the study's folder too. Runs inside the withdrawal's
    transaction, with the participant row locked.
    """
    rows = ExportJob.objects.filter(
        study_id=participant.study_id, state__in=(ExportJob.State.RUNNING, ExportJob.State.SUCCEEDED)
    )
    retired = _retire(rows, state=ExportJob.State.DELETED)
    record_event(
        action="exports.erased",
        actor_label="system",
        study_id=participant.study_id,
        target=participant,
        detail={"exports": [pk for pk, _study in retired.rows]},
    )
    folder = f"{FOLDER}/{participant.study_id}"

    def delete_files() -> None:
        _delete_files(retired.names)
        delete_stray_files(folder=folder)

    transaction.on_commit(delete_files)


def erase_exports_after_cut(*, event: SafetyEvent) -> None:
    """Cut hook (`studies.services.partial_withdrawal.register_cut_hook`): any archive of the study may hold words
    said after the mark, so every one goes, as for an erasure (`erase_exports_holding`). Runs inside the partial
    withdrawal's transaction, with the participant row locked."""
    erase_exports_holding(participant=event.participant)


def delete_expired_exports(*, now: datetime | None = None) -> dict[str, int]:
    """Delete the files of exports past `expires_at` (rows marked expired), fail exports whose message or worker
    was lost (STALE_AFTER), and remove stray files; audited per study with export ids. Returns the counts."""
    now = now or timezone.now()
    with transaction.atomic():
        expired = _retire(
            ExportJob.objects.filter(state=ExportJob.State.SUCCEEDED, expires_at__lte=now),
            state=ExportJob.State.EXPIRED,
        )
        per_study: dict[int, list[int]] = defaultdict(list)
        for pk, study_id in expired.rows:
            per_study[study_id].append(pk)
        for study_id, ids in per_study.items():
            record_event(action="exports.expired", actor_label="system", study_id=study_id, detail={"exports": ids})
        interrupted = ExportJob.objects.filter(
            state__in=(ExportJob.State.QUEUED, ExportJob.State.RUNNING), created_at__lt=now - STALE_AFTER
        ).update(state=ExportJob.State.FAILED, error=ExportJob.Error.INTERRUPTED, finished_at=now, updated_at=now)
        transaction.on_commit(lambda: _delete_files(expired.names))
    return {"expired": len(expired.rows), "interrupted": interrupted, "stray_files": delete_stray_files()}


def delete_stray_files(*, folder: str = FOLDER) -> int:
    """Delete stored files under `folder` that no live export accounts for; returns how many.

    A file is kept when it is a succeeded export's file, or belongs to a queued or running export (being written).
    The folder is listed before the rows are read: a file listed belongs to an export already claimed, so a row
    read afterwards cannot miss it.
    """
    try:
        names = list(walk_media(folder))
    except FileNotFoundError:  # a local folder never created; object storage lists an empty prefix instead
        return 0
    owners = {name: OWN_FILE.match(name.rsplit("/", 1)[-1]) for name in names}
    ids = {int(match.group(1)) for match in owners.values() if match}
    live = list(
        ExportJob.objects.filter(pk__in=ids, state__in=ExportJob.LIVE).values_list("pk", "state", "storage_name")
    )
    building = {pk for pk, state, _name in live if state != ExportJob.State.SUCCEEDED}
    kept = {name for _pk, state, name in live if state == ExportJob.State.SUCCEEDED}
    strays = [
        name for name, match in owners.items() if name not in kept and not (match and int(match.group(1)) in building)
    ]
    _delete_files(strays)
    return len(strays)
