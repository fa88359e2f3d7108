"""Export jobs (a study archive or a REFI-QDA project): requested by a manager, built by a Celery task, stored
encrypted, downloaded through a short-lived signed link. Every step is audit-logged (who, what, when).

A job's state lives in the cache (Redis), not in a table: exports are short-lived artefacts, and this keeps the
feature free of migrations in the transcription app. The state expires after STATE_SECONDS; the file it points at
is deleted by `delete_export` (the page offers it) or stays encrypted in storage.
"""

from __future__ import annotations

import tempfile
import uuid
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.audit import record_event
from accounts.models import User
from config.media import delete_media, save_encrypted
from studies.models import Study
from transcription.archive.build import write_archive
from transcription.refi_project import study_project, write_qdpx

KINDS = ("archive", "qdpx")
STATE_SECONDS = 24 * 3600
LINK_SECONDS = 10 * 60
SALT = "transcription.archive.download"


class ExportFailed(Exception):
    """Permanent: the export cannot be built (the study is gone, the state expired); the task does not retry."""


def _key(export_id: str) -> str:
    return f"exports:{export_id}"


def export_state(export_id: str) -> dict[str, Any] | None:
    return cache.get(_key(export_id)) if len(export_id) == 32 and export_id.isalnum() else None


def _update(export_id: str, **changes: Any) -> dict[str, Any]:
    state = export_state(export_id)
    if state is None:
        raise ExportFailed("The export's state has expired.")
    state.update(changes)
    cache.set(_key(export_id), state, STATE_SECONDS)
    return state


def request_export(*, study: Study, user: User, kind: str, transcript_ids: list[int] | None = None) -> str:
    """Record the request, audit it and send the build task after commit; returns the export id.

    `transcript_ids` limits a .qdpx project to those transcripts of the study. The caller has checked that
    `user` is an owner or researcher of `study`.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown export kind {kind!r}.")
    export_id = uuid.uuid4().hex
    state = {
        "id": export_id,
        "study_id": study.pk,
        "user_id": user.pk,
        "kind": kind,
        "status": "queued",
        "progress": 0,
        "storage_name": "",
        "error": "",
        "requested_at": timezone.now().isoformat(),
        "transcript_ids": transcript_ids,
    }
    cache.set(_key(export_id), state, STATE_SECONDS)
    record_event(
        action="export.requested",
        actor=user,
        study_id=study.pk,
        target=study,
        detail={"kind": kind, "export": export_id, "transcripts": transcript_ids},
    )
    from transcription.tasks_exports import build_export

    transaction.on_commit(lambda: build_export.delay(export_id))
    return export_id


def _write(state: dict[str, Any], study: Study, target: Any) -> None:
    def progress(percent: int) -> None:
        _update(state["id"], progress=percent)

    if state["kind"] == "archive":
        write_archive(study=study, target=target, progress=progress)
    else:
        write_qdpx(study_project(study=study, transcript_ids=state.get("transcript_ids")), target)


def run_export(export_id: str) -> None:
    """Build the export into a private temporary file, then encrypt it into storage as a stream.

    Claimed with an atomic cache add, so a duplicated message builds nothing twice.
    """
    state = export_state(export_id)
    if state is None or not cache.add(f"{_key(export_id)}:claim", 1, STATE_SECONDS):
        return
    study = Study.objects.filter(pk=state["study_id"]).first()
    if study is None:
        _update(export_id, status="failed", error="The study no longer exists.")
        raise ExportFailed("study gone")
    _update(export_id, status="running", progress=1)
    # TemporaryFile has no name on POSIX (unlinked at once), so nothing else can open it.
    try:
        with tempfile.TemporaryFile(dir=settings.VAR_DIR if settings.VAR_DIR.exists() else None) as spool:
            _write(state, study, spool)
            spool.seek(0)
            extension = "zip" if state["kind"] == "archive" else "qdpx"
            stored = save_encrypted(name=f"exports/{study.pk}/{export_id}.{extension}", source=spool)
    except OSError as error:  # disk full, storage unreachable: say so on the page instead of "running" forever
        _update(export_id, status="failed", error="The export could not be written (disk or storage error).")
        raise ExportFailed("write failed") from error
    _update(export_id, status="done", progress=100, storage_name=stored, finished_at=timezone.now().isoformat())
    record_event(
        action="export.built",
        actor_label="system",
        study_id=study.pk,
        target=study,
        detail={"kind": state["kind"], "export": export_id},
    )


def download_token(export_id: str, user: User) -> str:
    return signing.TimestampSigner(salt=SALT).sign(f"{export_id}:{user.pk}")


def export_for_token(token: str, user: User) -> dict[str, Any] | None:
    """The finished export a fresh link names, for the user it was made for; None otherwise (expired, forged)."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=LINK_SECONDS)
    except signing.BadSignature:
        return None
    export_id, _, user_id = value.partition(":")
    state = export_state(export_id)
    if state is None or state["status"] != "done" or str(user.pk) != user_id or state["user_id"] != user.pk:
        return None
    return state


def delete_export(export_id: str) -> None:
    state = export_state(export_id)
    if state and state.get("storage_name"):
        delete_media(state["storage_name"])
    cache.delete(_key(export_id))
