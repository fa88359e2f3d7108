"""The study's transcripts with their state, a transcript's reading page, and approval."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import record_event
from review import selectors
from review.models import RedactedVersion
from review.services.approval import approve_version
from review.services.errors import ReviewError
from review.views.common import EDITORS, audit_raw_view, int_param, transcript_of
from studies.models import StudyMembership
from studies.permissions import study_role


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
    transcript = transcript_of(membership, transcript_id)
    version = selectors.visible_version(transcript, membership.role)
    raw = version is not None and not RedactedVersion.objects.filter(version=version).exists()
    if version is not None and raw:
        audit_raw_view(request, membership, version, page="read")
    context = {
        "study": membership.study,
        "transcript": transcript,
        "version": version,
        "raw": raw,
        "segments": version.segments.order_by("index").only("index", "start", "end", "speaker", "text", "flags")
        if version
        else [],
        "can_edit": membership.role in EDITORS,
    }
    return render(request, "review/transcript_read.html", context)


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
