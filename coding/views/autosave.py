"""The workspace's autosave endpoints: each coder action is one POST of JSON, answered with JSON.

A refused action answers 400 with {"error": message} and saves nothing; the page shows the message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.audit import record_event
from coding import services
from coding.models import Code, Coding, CodingAssignment, Memo
from coding.services.codings import CodingError
from coding.services.queue import next_assignment
from coding.views.workspace import (
    CODING_ROLES,
    assignment_of,
    coding_payload,
    error_response,
    int_field,
    json_body,
    memo_payload,
)
from studies.models import StudyMembership
from studies.permissions import study_role


def _writable(membership: StudyMembership, assignment_id: int) -> CodingAssignment:
    """The coder's assignment, refused once done: finished work is what agreement and adjudication read."""
    assignment = assignment_of(membership, assignment_id)
    if assignment.status == CodingAssignment.Status.DONE:
        raise CodingError(_("This transcript is marked done; its codings can no longer change."))
    return assignment


def _codes(membership: StudyMembership, ids: object) -> list[Code]:
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise CodingError(_("Choose at least one code."))
    codes = list(Code.objects.filter(study=membership.study, id__in=ids))
    if len(codes) != len(set(ids)):
        raise CodingError(_("One of the codes is not in this study's codebook."))
    return codes


@require_POST
@study_role(*CODING_ROLES)
def coding_create(request: HttpRequest, membership: StudyMembership, assignment_id: int) -> HttpResponse:
    try:
        assignment = _writable(membership, assignment_id)
        body = json_body(request)
        codings = services.add_codings(
            version=assignment.transcript_version,
            coder=membership.user,
            codes=_codes(membership, body.get("codes")),
            start=int_field(body, "start"),
            end=int_field(body, "end"),
            memo=str(body.get("memo", ""))[:5000],
        )
    except CodingError as error:
        return error_response(error)
    for coding in codings:
        record_event(action="coding.created", request=request, study_id=membership.study_id, target=coding)
    return JsonResponse({"codings": [coding_payload(c) for c in codings]}, status=201)


def _own_coding(membership: StudyMembership, assignment_id: int, coding_id: int) -> Coding:
    assignment = assignment_of(membership, assignment_id)
    if assignment.status == CodingAssignment.Status.DONE:
        raise CodingError(_("This transcript is marked done; its codings can no longer change."))
    return get_object_or_404(
        Coding, pk=coding_id, coder=membership.user, consensus=False, transcript_version=assignment.transcript_version
    )


@require_POST
@study_role(*CODING_ROLES)
def coding_edit(request: HttpRequest, membership: StudyMembership, assignment_id: int, coding_id: int) -> HttpResponse:
    try:
        coding = _own_coding(membership, assignment_id, coding_id)
        body = json_body(request)
        code = _codes(membership, [body["code"]])[0] if "code" in body else None
        coding = services.edit_coding(
            coding=coding,
            coder=membership.user,
            start=int_field(body, "start") if "start" in body else coding.start,
            end=int_field(body, "end") if "end" in body else coding.end,
            memo=str(body.get("memo", coding.memo))[:5000],
            code=code,
        )
    except CodingError as error:
        return error_response(error)
    record_event(action="coding.edited", request=request, study_id=membership.study_id, target=coding)
    return JsonResponse({"coding": coding_payload(coding)})


@require_POST
@study_role(*CODING_ROLES)
def coding_delete(
    request: HttpRequest, membership: StudyMembership, assignment_id: int, coding_id: int
) -> HttpResponse:
    try:
        coding = _own_coding(membership, assignment_id, coding_id)
    except CodingError as error:
        return error_response(error)
    record_event(action="coding.removed", request=request, study_id=membership.study_id, target=coding)
    services.remove_coding(coding=coding, coder=membership.user)
    return JsonResponse({"removed": coding_id})


@require_POST
@study_role(*CODING_ROLES)
def memo_create(request: HttpRequest, membership: StudyMembership, assignment_id: int) -> HttpResponse:
    """A memo on this transcript, on a code ("about": "code", "code": id), or free-standing ("about": "free")."""
    assignment = assignment_of(membership, assignment_id)
    try:
        body = json_body(request)
        about = body.get("about", "transcript")
        code = _codes(membership, [body.get("code")])[0] if about == "code" else None
        memo = services.write_memo(
            study=membership.study,
            author=membership.user,
            text=str(body.get("text", ""))[:20000],
            title=str(body.get("title", "")),
            transcript=assignment.transcript if about == "transcript" else None,
            code=code,
        )
    except CodingError as error:
        return error_response(error)
    return JsonResponse({"memo": memo_payload(memo)}, status=201)


@require_POST
@study_role(*CODING_ROLES)
def memo_delete(request: HttpRequest, membership: StudyMembership, assignment_id: int, memo_id: int) -> HttpResponse:
    assignment_of(membership, assignment_id)
    memo = get_object_or_404(Memo, pk=memo_id, study=membership.study, author=membership.user)
    services.delete_memo(memo=memo, author=membership.user)
    return JsonResponse({"removed": memo_id})


@require_POST
@study_role(*CODING_ROLES)
def finish(request: HttpRequest, membership: StudyMembership, assignment_id: int) -> HttpResponse:
    assignment = assignment_of(membership, assignment_id)
    if services.finish_assignment(assignment=assignment):
        record_event(action="coding.finished", request=request, study_id=membership.study_id, target=assignment)
    messages.success(request, _("Marked as done. Thank you."))
    if request.POST.get("then") == "next" and next_assignment(study=membership.study, coder=membership.user):
        return redirect("coding:next", slug=membership.study.slug)
    return redirect("coding:queue", slug=membership.study.slug)
