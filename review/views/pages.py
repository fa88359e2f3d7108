"""The study's transcripts with their state, a transcript's reading page, and approval."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import record_event
from review import selectors
from review.forms import SendForm
from review.member_checks import member_check_context
from review.models import MemberCheck, RedactedVersion
from review.services import member_check
from review.services.approval import approve_version
from review.services.errors import ReviewError
from review.views.common import EDITORS, audit_raw_view, int_param, transcript_of
from studies.models import StudyMembership
from studies.permissions import study_role
from transcription.models import Transcript


@require_GET
@study_role()
def transcript_list(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    context = {
        "study": membership.study,
        "rows": selectors.transcript_rows(membership.study),
        "can_edit": membership.role in EDITORS,
    }
    return render(request, "review/transcript_list.html", context)


@require_GET
@study_role()
def transcript_read(request: HttpRequest, membership: StudyMembership, transcript_id: int) -> HttpResponse:
    """The text a role reads by default: redacted (approved) for everyone but owner and researcher."""
    return read_page(request, membership, transcript_of(membership, transcript_id))


def read_page(
    request: HttpRequest,
    membership: StudyMembership,
    transcript: Transcript,
    *,
    send_form: SendForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The reading page; for owners and researchers with member checking (a refused request shown again: 400)."""
    version = selectors.visible_version(transcript, membership.role)
    raw = version is not None and not RedactedVersion.objects.filter(version=version).exists()
    if version is not None and raw:
        audit_raw_view(request, membership, version, page="read")
    context: dict[str, Any] = {
        "study": membership.study,
        "transcript": transcript,
        "version": version,
        "raw": raw,
        "segments": version.segments.order_by("index").only("index", "start", "end", "speaker", "text", "flags")
        if version
        else [],
        "can_edit": membership.role in EDITORS,
    }
    if membership.role in EDITORS:
        context["member_check"] = member_check_context(transcript, send_form)
    return render(request, "review/transcript_read.html", context, status=status)


@require_POST
@study_role(*EDITORS)
def approve(request: HttpRequest, membership: StudyMembership, transcript_id: int) -> HttpResponse:
    transcript = transcript_of(membership, transcript_id)
    try:
        approval = approve_version(
            transcript=transcript, number=int_param(request.POST.get("version")), user=membership.user
        )
    except ReviewError as error:
        messages.error(request, str(error))
    else:
        record_event(
            action="transcript.approved", request=request, study_id=membership.study_id, target=approval.version
        )
        messages.success(
            request, _("Version %(number)s is approved and in the coding queue.") % {"number": approval.version.number}
        )
    return redirect("review:editor", membership.study.slug, transcript.id)


@require_POST
@study_role(*EDITORS)
def member_check_send(request: HttpRequest, membership: StudyMembership, transcript_id: int) -> HttpResponse:
    """Send the transcript to its participant to check; a refusal shows the page again with the reason."""
    transcript = transcript_of(membership, transcript_id)
    form = SendForm(request.POST)
    if form.is_valid():
        participant = transcript.recording.interview.participant
        deadline = member_check.deadline_on(day=form.cleaned_data["deadline"], participant=participant)
        try:
            member_check.send_member_check(
                transcript=transcript, deadline=deadline, user=membership.user, request=request
            )
        except member_check.MemberCheckError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The transcript was sent to the participant to check."))
            return redirect("review:read", membership.study.slug, transcript.id)
    return read_page(request, membership, transcript, send_form=form, status=400)


@require_POST
@study_role(*EDITORS)
def member_check_cancel(request: HttpRequest, membership: StudyMembership, transcript_id: int) -> HttpResponse:
    transcript = transcript_of(membership, transcript_id)
    check = MemberCheck.objects.filter(transcript=transcript, status=MemberCheck.Status.SENT).first()
    try:
        if check is None:
            raise member_check.MemberCheckError(_("No request is waiting for the participant's answer."))
        member_check.cancel_member_check(check=check, user=membership.user, request=request)
    except member_check.MemberCheckError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The request was cancelled: the participant can no longer answer it."))
    return redirect("review:read", membership.study.slug, transcript.id)
