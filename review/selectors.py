"""Reads other apps use: which version of a transcript a role may see, and the study's transcripts with state."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from review.models import Approval, RedactedVersion
from studies.models import Role, Study
from studies.permissions import MANAGERS
from transcription.models import Recording, Segment, Transcript, TranscriptionJob, TranscriptVersion

RAW_ROLES = MANAGERS  # owner and researcher: the only roles that see raw text and the tag table


def can_see_raw(role: str) -> bool:
    return role in RAW_ROLES


def latest_version(transcript: Transcript) -> TranscriptVersion | None:
    return transcript.versions.order_by("-number").first()


def approved_version(transcript: Transcript) -> TranscriptVersion | None:
    approval = (
        Approval.objects.filter(transcript=transcript).select_related("version").order_by("-version__number").first()
    )
    return approval.version if approval else None


def visible_version(transcript: Transcript, user_role: str) -> TranscriptVersion | None:
    """The version a role reads by default: the latest (raw) for owner and researcher; for everyone else the
    latest approved version, else the latest redacted one, else nothing (never a raw version)."""
    if can_see_raw(user_role):
        return latest_version(transcript)
    approved = approved_version(transcript)
    if approved is not None:
        return approved
    redacted = RedactedVersion.objects.filter(version__transcript=transcript).select_related("version")
    latest = redacted.order_by("-version__number").first()
    return latest.version if latest else None


def redacted_segments_containing(study: Study, phrase: str) -> QuerySet[Segment]:
    """Segments of the study's redacted versions whose text contains `phrase`, ignoring case, searched inside
    PostgreSQL. Only redacted text is plaintext in the database; raw text is sealed and cannot be searched there."""
    return Segment.objects.filter(
        version__transcript__recording__interview__study=study,
        version__redaction__isnull=False,
        text__icontains=phrase,
    ).order_by("version_id", "index")


@dataclass(frozen=True)
class TranscriptRow:
    recording: Recording
    transcript: Transcript | None
    job: TranscriptionJob | None

    @property
    def state(self) -> str:
        """One word for the whole pipeline: the job's state until a transcript exists, then the transcript's."""
        if self.transcript is not None:
            return str(self.transcript.state)
        return (
            "transcribing" if self.job and self.job.status == "running" else (self.job.status if self.job else "none")
        )

    @property
    def state_label(self) -> str:
        if self.transcript is not None:
            return str(self.transcript.get_state_display())
        if self.job is not None:
            return str(self.job.get_status_display())
        return _("No transcription yet")


def transcript_rows(study: Study) -> list[TranscriptRow]:
    recordings: QuerySet[Recording] = (
        Recording.objects.filter(interview__study=study)
        .select_related("transcript", "interview__participant")
        .prefetch_related(Prefetch("jobs", TranscriptionJob.objects.order_by("created_at", "id")))
        .order_by("-created_at")
    )
    rows = []
    for recording in recordings:
        jobs = list(recording.jobs.all())
        rows.append(TranscriptRow(recording, getattr(recording, "transcript", None), jobs[-1] if jobs else None))
    return rows


__all__ = [
    "RAW_ROLES",
    "Role",
    "TranscriptRow",
    "approved_version",
    "can_see_raw",
    "redacted_segments_containing",
    "transcript_rows",
    "visible_version",
]
