"""Asking for an export: a row in the request's transaction, the build task sent once it commits."""

from __future__ import annotations

from django.db import transaction

from accounts.audit import record_event
from accounts.models import User
from exports.models import ExportJob
from exports.tasks import build_export
from studies.models import Study


def request_export(*, study: Study, user: User, kind: str, transcript_ids: list[int] | None = None) -> ExportJob:
    """Record the request, audit it and send the build task after commit.

    `transcript_ids` limits a .qdpx project to those transcripts of the study. The caller has checked that `user`
    is an owner or researcher of `study`.
    """
    if kind not in ExportJob.Kind.values:
        raise ValueError(f"Unknown export kind {kind!r}.")
    with transaction.atomic():
        job = ExportJob.objects.create(study=study, requested_by=user, kind=kind, transcript_ids=transcript_ids)
        record_event(
            action="export.requested",
            actor=user,
            study_id=study.pk,
            target=job,
            detail={"kind": kind, "transcripts": transcript_ids},
        )
        # Robust: a broker that is down is logged and no error for the person asking; the hourly sweep sends the
        # export later (exports.selectors.waiting_export_ids).
        transaction.on_commit(lambda: build_export.delay(job.pk), robust=True)
    return job
