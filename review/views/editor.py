"""The editor page and its autosave endpoint (JSON in, JSON out)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import record_event
from review.distress import FLAG_DISTRESS, DistressMark, distress_marks, near_a_mark, support_requests
from review.member_checks import editor_comments
from review.models import Approval, RedactedVersion
from review.services import versions
from review.services.errors import ReviewError, VersionConflict
from review.views.common import EDITORS, audit_raw_view, kind_labels, transcript_of
from studies.models import StudyMembership
from studies.permissions import study_role
from studies.services.interview_notes import notes_of
from transcription.models import Transcript, TranscriptVersion
from transcription.results import (
    FLAG_LANGUAGE_SWITCH,
    FLAG_LOW_CONFIDENCE,
    FLAG_POSSIBLE_HALLUCINATION,
    FLAG_REPETITION_LOOP,
)


def _flag_labels() -> dict[str, str]:
    return {
        FLAG_LOW_CONFIDENCE: _("low confidence"),
        FLAG_POSSIBLE_HALLUCINATION: _("possible hallucination"),
        FLAG_REPETITION_LOOP: _("repeated loop"),
        FLAG_LANGUAGE_SWITCH: _("language switch"),
        FLAG_DISTRESS: _("Distress marked near here"),
    }


def _flags(row: dict[str, Any], marks: Sequence[DistressMark]) -> list[str]:
    """The stored flags, and "distress" near a mark (computed here, never stored: see review.distress)."""
    near = near_a_mark(row["start"], row["end"], marks)
    return [*row["flags"], FLAG_DISTRESS] if near else list(row["flags"])


def editor_payload(
    transcript: Transcript, version: TranscriptVersion, slug: str, marks: Sequence[DistressMark] = ()
) -> dict[str, Any]:
    """Compact segment data for the page: words as [start, end, text] triples (they are most of the bytes)."""
    segments = [
        {
            "s": row["start"],
            "e": row["end"],
            "sp": row["speaker"],
            "t": row["text"],
            "f": _flags(row, marks),
            "w": [[w.get("start"), w.get("end"), w.get("text", "")] for w in row["words"]],
        }
        for row in versions.rows_of(version)
    ]
    media = transcript.recording.files.order_by("id").first()
    return {
        "version": version.number,
        "segments": segments,
        "flagLabels": _flag_labels(),
        "media": reverse("transcription:media", args=[slug, media.id]) if media else None,
        "saveUrl": reverse("review:save", args=[slug, transcript.id]),
    }


def _distress(
    transcript: Transcript, slug: str, marks: Sequence[DistressMark], data: dict[str, Any] | None
) -> dict[str, Any]:
    """What the page says about distress: each mark and whether a segment lies near it, how many segments are
    flagged (said beside the approve button), and a voice answer's requests for support."""
    segments = data["segments"] if data else []
    return {
        "marks": [(mark, any(mark.covers(seg["s"], seg["e"]) for seg in segments)) for mark in marks],
        "flagged": sum(FLAG_DISTRESS in seg["f"] for seg in segments),
        "support": support_requests(transcript),
        "safety_url": reverse("studies:safety", args=[slug]) + (f"#event-{marks[0].event_id}" if marks else ""),
    }


@require_GET
@study_role(*EDITORS)
def editor(request: HttpRequest, membership: StudyMembership, transcript_id: int) -> HttpResponse:
    transcript = transcript_of(membership, transcript_id)
    version = versions.latest_version(transcript)
    if version is not None:
        audit_raw_view(request, membership, version, page="editor")
    marks = distress_marks(transcript)
    data = editor_payload(transcript, version, membership.study.slug, marks) if version else None
    # The participant's comments from member checking, with a flag on the segments they fall on.
    member_comments = editor_comments(transcript, version, data) if version and data else None
    context = {
        "study": membership.study,
        "transcript": transcript,
        "version": version,
        "data": data,
        "distress": _distress(transcript, membership.study.slug, marks, data),
        "member_comments": member_comments,
        # The interviewer's time-stamped notes (encrypted; owners and researchers, the editor's roles, read them).
        "interview_notes": list(notes_of(transcript.recording.interview)),
        "is_redacted": version is not None and RedactedVersion.objects.filter(version=version).exists(),
        "is_approved": version is not None and Approval.objects.filter(version=version).exists(),
        "marks": ["[inaudible]", "[crosstalk]", "[pause]", "[laughs]"],
        # Words selected in the text are marked for redaction with one of these kinds (static/review/mark.js).
        "redaction_kinds": list(kind_labels().items()),
    }
    return render(request, "review/editor.html", context)


@require_POST
@study_role(*EDITORS)
def save(request: HttpRequest, membership: StudyMembership, transcript_id: int) -> HttpResponse:
    """Autosave: {"base": version number, "ops": [...]} → {"version": new number}; 409 when someone saved first."""
    transcript = transcript_of(membership, transcript_id)
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ReviewError(_("The edits could not be read."))
        version = versions.save_edits(
            transcript=transcript, base_number=body.get("base"), ops=body.get("ops"), author=membership.user
        )
    except VersionConflict as conflict:
        return JsonResponse({"error": str(conflict), "conflict": True, "latest": conflict.latest}, status=409)
    except (ReviewError, ValueError) as error:
        message = str(error) if isinstance(error, ReviewError) else _("The edits could not be read.")
        return JsonResponse({"error": message}, status=400)
    record_event(action="transcript.edited", request=request, study_id=membership.study_id, target=version)
    return JsonResponse({"version": version.number})
