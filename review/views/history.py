"""Version history: the list, a comparison of any two versions, and restoring an earlier one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import record_event
from review.models import Approval, RedactedVersion
from review.services import versions
from review.services.diff import compare_rows
from review.services.errors import ReviewError
from review.views.common import EDITORS, audit_raw_view, int_param, transcript_of
from studies.models import StudyMembership
from studies.permissions import study_role


@require_GET
@study_role(*EDITORS)
def history(request: HttpRequest, membership: StudyMembership, transcript_id: int) -> HttpResponse:
    transcript = transcript_of(membership, transcript_id)
    rows = list(transcript.versions.select_related("created_by").order_by("-number"))
    redacted = set(RedactedVersion.objects.filter(version__transcript=transcript).values_list("version_id", flat=True))
    approved = set(Approval.objects.filter(transcript=transcript).values_list("version_id", flat=True))
    numbers = [v.number for v in rows]
    a = int_param(request.GET.get("a"), numbers[1] if len(numbers) > 1 else None)
    b = int_param(request.GET.get("b"), numbers[0] if numbers else None)
    old = transcript.versions.filter(number=a or 0).first()
    new = transcript.versions.filter(number=b or 0).first()
    diff = None
    if old is not None and new is not None:
        for version in (old, new):
            audit_raw_view(request, membership, version, page="compare")
        diff = compare_rows(versions.rows_of(old), versions.rows_of(new))
    context = {
        "study": membership.study,
        "transcript": transcript,
        "versions": [(v, v.id in redacted, v.id in approved) for v in rows],
        "latest": numbers[0] if numbers else None,
        "a": a,
        "b": b,
        "diff": diff,
    }
    return render(request, "review/history.html", context)


@require_POST
@study_role(*EDITORS)
def restore(request: HttpRequest, membership: StudyMembership, transcript_id: int) -> HttpResponse:
    transcript = transcript_of(membership, transcript_id)
    number = int_param(request.POST.get("number"), 0) or 0
    try:
        version = versions.restore_version(
            transcript=transcript,
            number=number,
            base_number=int_param(request.POST.get("base")),
            author=membership.user,
        )
    except ReviewError as error:
        messages.error(request, str(error))
        return redirect("review:history", membership.study.slug, transcript.id)
    record_event(action="transcript.restored", request=request, study_id=membership.study_id, target=version)
    messages.success(
        request, _("Version %(old)s was restored as version %(new)s.") % {"old": number, "new": version.number}
    )
    return redirect("review:editor", membership.study.slug, transcript.id)
