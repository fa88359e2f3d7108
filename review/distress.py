"""Distress around a transcript, for the editor: the moments an interviewer marked distress in the interview and
the segments near them, and, for a voice answer, whether the participant asked for support at or before it.

Computed each time the editor is shown and never stored: a mark's time may still be corrected
(studies.services.distress.set_recording_offset), and a flag must never travel into a redacted version, the
coders' pages, the API or an export. Owners and researchers only (the editor's roles): the caller checked the role.
No note is read here, only ids and times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studies.models import SafetyEvent
from transcription.models import Transcript, VoiceAnswer

FLAG_DISTRESS = "distress"
# The segments a reviewer reads around a mark: a minute before (what led up to it) and two after (what followed).
SECONDS_BEFORE = 60.0
SECONDS_AFTER = 120.0


@dataclass(frozen=True)
class DistressMark:
    """One marked moment; `offset` is seconds into the recording, None until the team sets it."""

    event_id: int
    offset: float | None

    @property
    def window(self) -> tuple[float, float] | None:
        if self.offset is None:
            return None
        return self.offset - SECONDS_BEFORE, self.offset + SECONDS_AFTER

    @property
    def clock(self) -> str:
        """The time as minutes and seconds ("12:05", "75:00"), as the interviewer and the safety page say it."""
        seconds = int(self.offset or 0)
        return f"{seconds // 60}:{seconds % 60:02d}"

    def covers(self, start: float, end: float) -> bool:
        """Whether a segment from `start` to `end` overlaps the window (its edges included)."""
        window = self.window
        return window is not None and start <= window[1] and end >= window[0]


@dataclass(frozen=True)
class SupportRequest:
    """A participant opened "I need support" in a voice interview at question `position` (None: before any)."""

    event_id: int
    position: int | None
    here: bool


def distress_marks(transcript: Transcript) -> list[DistressMark]:
    """The distress marked in the transcript's interview, in recording order (marks without a time last). A voice
    answer has none: a time in the interview means nothing in one answer's recording."""
    recording = transcript.recording
    if VoiceAnswer.objects.filter(recording=recording).exists():
        return []
    events = SafetyEvent.objects.filter(
        interview_id=recording.interview_id, kind=SafetyEvent.Kind.INTERVIEW_DISTRESS
    ).order_by("recording_offset", "marked_at", "id")
    return [DistressMark(event_id, offset) for event_id, offset in events.values_list("id", "recording_offset")]


def near_a_mark(start: float, end: float, marks: Sequence[DistressMark]) -> bool:
    return any(mark.covers(start, end) for mark in marks)


def support_requests(transcript: Transcript) -> list[SupportRequest]:
    """For a voice answer, the participant's requests for support made at its question or before it."""
    answer = VoiceAnswer.objects.filter(recording=transcript.recording).select_related("question").first()
    if answer is None:
        return []
    events = SafetyEvent.objects.filter(
        interview_id=answer.interview_id, kind=SafetyEvent.Kind.PARTICIPANT_SUPPORT
    ).select_related("guide_question")
    requests = []
    for event in events.order_by("marked_at", "id"):
        position = event.guide_question.position if event.guide_question is not None else None
        if position is None or position <= answer.question.position:
            requests.append(SupportRequest(event.id, position, event.guide_question_id == answer.question_id))
    return requests
