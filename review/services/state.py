"""Transcript state changes made by review, each a conditional update so a state never moves backwards by a race.

Every new version and every state change moves the transcript's `updated_at`, so an API sync asking for
`?updated_since=` sees edits, redactions and approvals. A queryset `update()` skips `auto_now`, so each update
here sets it itself.
"""

from __future__ import annotations

from django.utils import timezone

from transcription.models import Transcript

State = Transcript.State


def mark_changed(*, transcript: Transcript) -> None:
    """The transcript has a new version: its `updated_at` moves to now."""
    transcript.updated_at = timezone.now()
    Transcript.objects.filter(pk=transcript.pk).update(updated_at=transcript.updated_at)


def start_review(*, transcript: Transcript) -> None:
    """A machine transcript becomes "in review" once a person has worked on it."""
    now = timezone.now()
    changed = Transcript.objects.filter(pk=transcript.pk, state=State.TRANSCRIBED).update(
        state=State.IN_REVIEW, updated_at=now
    )
    if changed:
        transcript.state, transcript.updated_at = State.IN_REVIEW, now


def mark_approved(*, transcript: Transcript) -> None:
    """Approval (re-approval of a later version included) puts the transcript back at "approved" before the
    coding queue moves it on to "in coding"."""
    transcript.state, transcript.updated_at = State.APPROVED, timezone.now()
    Transcript.objects.filter(pk=transcript.pk).update(state=State.APPROVED, updated_at=transcript.updated_at)
