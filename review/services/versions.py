"""Saving edits as new versions, restoring an earlier one, and comparing two.

Every save names the version it was made on; if someone saved in between, the save is refused
(VersionConflict) instead of silently replacing their work. The transcript row is locked for the check.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import User
from review.services import state
from review.services.edits import ROW_FIELDS, Row, apply_operations
from review.services.errors import ReviewError, VersionConflict
from transcription.models import Segment, Transcript, TranscriptVersion


def latest_version(transcript: Transcript) -> TranscriptVersion | None:
    return transcript.versions.select_related("created_by").order_by("-number").first()


def rows_of(version: TranscriptVersion) -> list[Row]:
    return list(version.segments.order_by("index").values(*ROW_FIELDS))


def _author_label(version: TranscriptVersion) -> str:
    if version.created_by is None:
        return _("the transcription engine") if version.is_machine else _("someone")
    return version.created_by.display_name or version.created_by.email


def lock_latest(transcript: Transcript, base_number: object) -> TranscriptVersion:
    """Lock the transcript and return its latest version, refusing when it is not the one the edit was made on."""
    Transcript.objects.select_for_update().filter(pk=transcript.pk).first()
    latest = latest_version(transcript)
    if latest is None:
        raise ReviewError(_("This transcript has no text yet."))
    if base_number != latest.number:
        when = formats.date_format(latest.created_at, "SHORT_DATETIME_FORMAT")
        message = _(
            "Not saved: %(who)s saved version %(number)s at %(when)s while you were working on version %(base)s. "
            "Reload the page to see their version, then make your change again."
        ) % {"who": _author_label(latest), "number": latest.number, "when": when, "base": base_number}
        raise VersionConflict(message, latest=latest.number)
    return latest


def write_version(
    *, transcript: Transcript, rows: list[Row], author: User | None, translation: Any = None
) -> TranscriptVersion:
    """A new version numbered after the latest, with its segments in one bulk insert. Caller holds the lock."""
    latest = latest_version(transcript)
    number = (latest.number if latest else 0) + 1
    version = TranscriptVersion.objects.create(
        transcript=transcript, number=number, created_by=author, translation=translation
    )
    Segment.objects.bulk_create(
        [Segment(version=version, index=index, **row) for index, row in enumerate(rows)], batch_size=2000
    )
    return version


@transaction.atomic
def save_edits(*, transcript: Transcript, base_number: object, ops: object, author: User) -> TranscriptVersion:
    """Apply the page's operations to version `base_number` and store the result as a new version.

    Refused with VersionConflict when a newer version exists, and with ReviewError for a bad operation;
    either way nothing is saved. The caller has checked that `author` may edit this transcript.
    """
    base = lock_latest(transcript, base_number)
    rows = apply_operations(rows_of(base), ops)
    version = write_version(transcript=transcript, rows=rows, author=author, translation=base.translation)
    state.start_review(transcript=transcript)
    return version


@transaction.atomic
def restore_version(*, transcript: Transcript, number: int, base_number: object, author: User) -> TranscriptVersion:
    """Make a new version with the segments of version `number` (history is never rewritten)."""
    lock_latest(transcript, base_number)
    earlier = transcript.versions.filter(number=number).first()
    if earlier is None:
        raise ReviewError(_("There is no version %(number)s.") % {"number": number})
    version = write_version(
        transcript=transcript, rows=rows_of(earlier), author=author, translation=earlier.translation
    )
    state.start_review(transcript=transcript)
    return version
