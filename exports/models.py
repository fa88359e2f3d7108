"""One row per export (a study archive or a REFI-QDA project): who asked, its state, and the file it left in storage.

The row outlives the file: once the file is gone (expired, deleted by a manager, or erased with a participant who
withdrew) the row stays as the record of what existed, with the file's name cleared.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from studies.models import Study


class ExportJob(TimeStampedModel):
    class Kind(models.TextChoices):
        ARCHIVE = "archive", _("Study archive (ZIP)")
        QDPX = "qdpx", _("REFI-QDA project (.qdpx)")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")
        DELETED = "deleted", _("Deleted")

    class Error(models.TextChoices):
        # Kinds only: an error message could carry a file name or a participant's data.
        WRITE_FAILED = "write_failed", _("The export could not be written (disk or storage error).")
        INTERRUPTED = "interrupted", _("The export was interrupted (its worker stopped).")

    # States whose file may still be in storage or about to be written.
    LIVE = (State.QUEUED, State.RUNNING, State.SUCCEEDED)

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED, db_index=True)
    # A REFI-QDA project may be limited to these transcript ids; null means all.
    transcript_ids = models.JSONField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    storage_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)  # the archive as downloaded (before encryption)
    error = models.CharField(max_length=32, choices=Error.choices, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    removed_at = models.DateTimeField(null=True, blank=True)  # when the file was deleted or expired

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_at_most_100"),
            models.CheckConstraint(
                condition=~Q(state="succeeded")
                | (~Q(storage_name="") & Q(size_bytes__isnull=False) & Q(expires_at__isnull=False)),
                name="export_succeeded_has_file_size_and_expiry",
            ),
            models.CheckConstraint(condition=~Q(state="failed") | ~Q(error=""), name="export_failed_has_error"),
            models.CheckConstraint(
                condition=~Q(state__in=["expired", "deleted"]) | (Q(storage_name="") & Q(removed_at__isnull=False)),
                name="export_removed_has_no_file",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.kind}, {self.state})"
