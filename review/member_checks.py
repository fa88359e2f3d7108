"""Reads for member checking (review.services.member_check writes): the check a team page shows, the participant's
comments placed beside the editor's segments, and the portal home's section.

Comments name a segment by its index in the version sent; the editor may show a later version (edited, split,
merged), so a comment is placed on the editor's segments that overlap the commented segment's time, and by index
when the editor shows the version sent. Comments and messages are the participant's words: owners and researchers
read them (the editor's roles); the caller checked the role. The portal reads the person's own checks only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from review.forms import SendForm
from review.models import MemberCheck
from review.services.member_check import status_of, version_to_send
from studies.models import Participant
from studies.services.portal_panels import PortalPanel
from transcription.models import Transcript, TranscriptVersion

FLAG_COMMENT = "participant_comment"
Status = MemberCheck.Status


def clock(seconds: float) -> str:
    """Minutes and seconds ("12:05", "75:00"), as the editor and the interview page say a time."""
    whole = int(max(seconds, 0))
    return f"{whole // 60}:{whole % 60:02d}"


@dataclass(frozen=True)
class CheckSummary:
    """A check as the team's transcript page shows it (no comment or message text)."""

    check: MemberCheck
    status: str
    label: str
    comments: int

    @property
    def is_open(self) -> bool:
        return self.status == Status.SENT


def latest_check(transcript: Transcript) -> CheckSummary | None:
    """The transcript's most recent check, whatever its status, with its status as the clock sees it."""
    check = (
        MemberCheck.objects.filter(transcript=transcript)
        .select_related("version")
        .annotate(comment_count=Count("comments"))
        .order_by("-created_at", "-pk")
        .first()
    )
    if check is None:
        return None
    status = status_of(check)
    return CheckSummary(check, status, str(Status(status).label), check.comment_count)


@dataclass(frozen=True)
class CommentRow:
    """One comment as the editor lists it: the segment's number and time in the version sent, where it lies in
    the editor's version (1-based numbers), and the text."""

    number: int
    start: float
    text: str
    editor_numbers: tuple[int, ...]

    @property
    def time(self) -> str:
        return clock(self.start)

    @property
    def moved(self) -> bool:
        """Whether the editor numbers it differently (the editor shows a later version)."""
        return self.editor_numbers != (self.number,)

    @property
    def editor_label(self) -> str:
        return ", ".join(str(number) for number in self.editor_numbers)


@dataclass(frozen=True)
class EditorComments:
    check: MemberCheck
    status: str
    label: str
    rows: list[CommentRow]


def checked_with_word(transcript: Transcript) -> MemberCheck | None:
    """The latest check the participant said something in (comments, an answer or a message)."""
    said = Q(comments__isnull=False) | Q(responded_at__isnull=False)
    return (
        MemberCheck.objects.filter(transcript=transcript)
        .filter(said)
        .select_related("version")
        .distinct()
        .order_by("-created_at", "-pk")
        .first()
    )


def _editor_indexes(span: tuple[int, float, float], editor: Sequence[dict[str, Any]], same: bool) -> tuple[int, ...]:
    index, start, end = span
    if same:
        return (index,) if index < len(editor) else ()
    return tuple(i for i, seg in enumerate(editor) if max(seg["s"], start) < min(seg["e"], end))


def editor_comments(transcript: Transcript, version: TranscriptVersion, data: dict[str, Any]) -> EditorComments | None:
    """The participant's comments for the editor, and the flag "participant_comment" added to the editor's
    segments they fall on (`data` is the editor's payload; computed here, never stored)."""
    check = checked_with_word(transcript)
    if check is None:
        return None
    segments = data["segments"]
    data["flagLabels"][FLAG_COMMENT] = _("Participant commented")
    spans = {row[0]: row for row in check.version.segments.values_list("index", "start", "end")}
    same = check.version_id == version.pk
    rows = []
    for comment in check.comments.order_by("segment", "id"):
        span = spans.get(comment.segment, (comment.segment, 0.0, 0.0))
        found = _editor_indexes(span, segments, same)
        for i in found:
            if FLAG_COMMENT not in segments[i]["f"]:
                segments[i]["f"].append(FLAG_COMMENT)
        rows.append(CommentRow(comment.segment + 1, span[1], comment.text, tuple(i + 1 for i in found)))
    status = status_of(check)
    return EditorComments(check, status, str(Status(status).label), rows)


def segments_sent(check: MemberCheck) -> list[dict[str, Any]]:
    """The version sent, segment by segment, with the participant's comment on each (for the portal page)."""
    comments = {comment.segment: comment.text for comment in check.comments.order_by("id")}
    rows = check.version.segments.order_by("index").values("index", "start", "speaker", "text")
    return [
        {**row, "number": row["index"] + 1, "time": clock(row["start"]), "comment": comments.get(row["index"], "")}
        for row in rows
    ]


def participant_check(participant: Participant, transcript_id: int) -> MemberCheck | None:
    """The person's latest check of one of their transcripts that the team has not cancelled."""
    return (
        MemberCheck.objects.filter(
            transcript_id=transcript_id, transcript__recording__interview__participant=participant
        )
        .exclude(status=Status.CANCELLED)
        .select_related("version", "transcript__recording__interview")
        .order_by("-created_at", "-pk")
        .first()
    )


def portal_panels(participant: Participant) -> list[PortalPanel]:
    """The portal home's "Your interview transcript" section (studies.services.portal_panels): for each of the
    person's transcripts, its latest check the team has not cancelled, open or answered; none without any."""
    checks = (
        MemberCheck.objects.filter(transcript__recording__interview__participant=participant)
        .exclude(status=Status.CANCELLED)
        .select_related("transcript__recording__interview")
        .order_by("transcript_id", "-created_at", "-pk")
        .distinct("transcript_id")
    )
    rows = [(check, status_of(check)) for check in checks]
    if not rows:
        return []
    context = {"rows": rows, "zone": participant.time_zone or "UTC", "several": len(rows) > 1}
    return [PortalPanel("review/portal/_member_check_panel.html", context)]


def member_check_context(transcript: Transcript, send_form: SendForm | None = None) -> dict[str, Any]:
    """What the transcript page shows owners and researchers about member checking: the latest check, and (when
    none is open) the form to send one, which version it would send and why it cannot be sent."""
    interview = transcript.recording.interview
    summary = latest_check(transcript)
    return {
        "latest": summary,
        "form": send_form or SendForm(),
        "to_send": version_to_send(transcript),
        "raw": interview.study.member_check_raw,
        "withdrawn": interview.participant.status == Participant.Status.WITHDRAWN,
    }
