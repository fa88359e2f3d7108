"""The coder's pages: "my queue", the coding workspace and its autosave endpoints (JSON, one action per POST).

Only the coder an assignment belongs to can open it or change its codings (anyone else gets 404), and the page
carries only that coder's own codings and memos: coders stay blind to each other (coding.selectors).
Offsets in every payload are Unicode code points into the assignment's transcript version (see workspace.js).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.audit import record_event
from coding.models import Code, Coding, CodingAssignment, Memo
from coding.selectors import own_codings, segment_spans
from coding.services.codings import CodingError
from coding.services.queue import next_assignment
from studies.models import Role, StudyMembership
from studies.permissions import study_role
from transcription.models import MediaFile
from transcription.views.roles import LISTENERS

# Members who may be given transcripts to code.
CODING_ROLES = (Role.OWNER, Role.RESEARCHER, Role.CODER)


def assignment_of(membership: StudyMembership, assignment_id: int) -> CodingAssignment:
    return get_object_or_404(
        CodingAssignment.objects.select_related("transcript_version", "transcript"),
        pk=assignment_id,
        coder=membership.user,
        transcript__recording__interview__study=membership.study,
    )


@require_GET
@study_role(*CODING_ROLES)
def my_queue(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    assignments = (
        CodingAssignment.objects.filter(coder=membership.user, transcript__recording__interview__study=membership.study)
        .select_related("transcript__recording__interview__participant")
        .order_by("status", "created_at")
    )
    following = next_assignment(study=membership.study, coder=membership.user)
    context = {"study": membership.study, "assignments": assignments, "next": following, "membership": membership}
    return render(request, "coding/queue.html", context)


@require_GET
@study_role(*CODING_ROLES)
def open_next(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    following = next_assignment(study=membership.study, coder=membership.user)
    if following is None:
        messages.info(request, _("Nothing is waiting in your queue."))
        return redirect("coding:queue", slug=membership.study.slug)
    return redirect("coding:workspace", slug=membership.study.slug, assignment_id=following.id)


def coding_payload(coding: Coding) -> dict[str, Any]:
    return {
        "id": coding.id,
        "code": coding.code_id,
        "start": coding.start,
        "end": coding.end,
        "text": coding.text,
        "memo": coding.memo,
    }


def memo_payload(memo: Memo) -> dict[str, Any]:
    about = "transcript" if memo.transcript_id else ("code" if memo.code_id else "free")
    return {"id": memo.id, "title": memo.title, "text": memo.text, "about": about, "code": memo.code_id}


def _segments(assignment: CodingAssignment) -> list[dict[str, Any]]:
    version = assignment.transcript_version
    offsets = {segment_id: start for segment_id, start, _ in segment_spans(version)}
    return [
        {"id": s.id, "offset": offsets[s.id], "start": s.start, "end": s.end, "speaker": s.speaker, "text": s.text}
        for s in version.segments.order_by("index")
    ]


def _workspace_data(membership: StudyMembership, assignment: CodingAssignment) -> dict[str, Any]:
    study, user = membership.study, membership.user
    codes = Code.objects.filter(study=study, is_codable=True).order_by("name")
    memos = Memo.objects.filter(study=study, author=user).filter(
        transcript=assignment.transcript
    ) | Memo.objects.filter(study=study, author=user, transcript__isnull=True)
    media = MediaFile.objects.filter(recording__transcript=assignment.transcript).order_by("id").first()
    base = reverse("coding:workspace", kwargs={"slug": study.slug, "assignment_id": assignment.id})
    return {
        "segments": _segments(assignment),
        "codes": [{"id": c.id, "name": c.name, "colour": c.colour, "definition": c.definition} for c in codes],
        "codings": [coding_payload(c) for c in own_codings(version=assignment.transcript_version, coder=user)],
        "memos": [memo_payload(m) for m in memos.order_by("-created_at")],
        "urls": {"codings": base + "codings/", "memos": base + "memos/"},
        "playback": (
            reverse("transcription:media", kwargs={"slug": study.slug, "file_id": media.id})
            if media is not None and membership.role in LISTENERS
            else ""
        ),
    }


@require_GET
@study_role(*CODING_ROLES)
def workspace(request: HttpRequest, membership: StudyMembership, assignment_id: int) -> HttpResponse:
    assignment = assignment_of(membership, assignment_id)
    record_event(action="coding.workspace_opened", request=request, study_id=membership.study_id, target=assignment)
    context = {
        "study": membership.study,
        "assignment": assignment,
        "participant": assignment.transcript.recording.interview.participant,
        "data": _workspace_data(membership, assignment),
    }
    return render(request, "coding/workspace.html", context)


def json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise CodingError(_("The request was not valid JSON.")) from error
    if not isinstance(body, dict):
        raise CodingError(_("The request was not a JSON object."))
    return body


def int_field(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise CodingError(_("'%(key)s' must be a whole number.") % {"key": key})
    return value


def error_response(error: CodingError) -> JsonResponse:
    return JsonResponse({"error": str(error)}, status=400)
