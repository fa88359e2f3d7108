"""Reads of export rows for the page, its poller and its download links."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from exports.models import ExportJob
from studies.models import Study

LINK_SECONDS = 10 * 60
SALT = "exports.download"
LISTED = 100  # the page lists a study's latest exports; older rows stay in the database as the record


def study_exports(study: Study) -> QuerySet[ExportJob]:
    """The study's latest exports, newest first, with who asked."""
    return ExportJob.objects.filter(study=study).select_related("requested_by")[:LISTED]


def own_export(*, study: Study, user: User, export_id: int) -> ExportJob | None:
    """An export of the study that `user` asked for: only its requester follows its progress and downloads it."""
    return ExportJob.objects.filter(pk=export_id, study=study, requested_by=user).first()


def download_token(job: ExportJob, user: User) -> str:
    return signing.TimestampSigner(salt=SALT).sign(f"{job.pk}:{user.pk}")


def export_for_token(token: str, *, study: Study, user: User) -> ExportJob | None:
    """The ready export a fresh link names, for the user it was made for; None otherwise (expired, forged, gone)."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=LINK_SECONDS)
    except signing.BadSignature:
        return None
    export_id, _, user_id = value.partition(":")
    if not export_id.isdigit() or user_id != str(user.pk):
        return None
    # The file of an export past its expiry is refused even before the hourly cleanup has deleted it.
    return ExportJob.objects.filter(
        pk=int(export_id),
        study=study,
        requested_by=user,
        state=ExportJob.State.SUCCEEDED,
        expires_at__gt=timezone.now(),
    ).first()


# An export still queued this long after it was asked for has most likely lost its message (the broker was down
# when the request committed): the hourly sweep sends it again; the build's claim makes a duplicate harmless.
RESEND_AFTER = timedelta(minutes=10)


def waiting_export_ids() -> list[int]:
    """Exports queued for longer than RESEND_AFTER, oldest first."""
    waited = timezone.now() - RESEND_AFTER
    rows = ExportJob.objects.filter(state=ExportJob.State.QUEUED, created_at__lt=waited).order_by("pk")
    return list(rows.values_list("pk", flat=True))
