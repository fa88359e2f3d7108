"""Transcript state changes made by review, each a conditional update so a state never moves backwards by a race."""

from __future__ import annotations

from transcription.models import Transcript

State = Transcript.State


def start_review(*, transcript: Transcript) -> None:
    """A machine transcript becomes "in review" once a person has worked on it."""
    changed = Transcript.objects.filter(pk=transcript.pk, state=State.TRANSCRIBED).update(state=State.IN_REVIEW)
    if changed:
        transcript.state = State.IN_REVIEW


def mark_approved(*, transcript: Transcript) -> None:
    """Approval (re-approval of a later version included) puts the transcript back at "approved" before the
    coding queue moves it on to "in coding"."""
    Transcript.objects.filter(pk=transcript.pk).update(state=State.APPROVED)
    transcript.state = State.APPROVED
