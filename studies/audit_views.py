"""The study's audit trail for its owners: read on a page, export as CSV."""

from __future__ import annotations

import csv

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.audit import record_event
from accounts.models import AuditEntry
from studies.models import Role, StudyMembership
from studies.permissions import study_role

COLUMNS = ("at", "actor_label", "action", "target_type", "target_id", "ip_address", "detail", "entry_hash")


@study_role(Role.OWNER)
def study_audit(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """Owners read (`?format=csv`: export) every audit entry of their study, newest first."""
    study = membership.study
    entries = AuditEntry.objects.filter(study_id=study.pk).order_by("-id")
    record_event(
        action="audit.read", request=request, study_id=study.pk, detail={"format": request.GET.get("format", "html")}
    )
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-{study.slug}.csv"'
        writer = csv.writer(response)
        writer.writerow(COLUMNS)
        for entry in entries.iterator():
            writer.writerow([getattr(entry, column) for column in COLUMNS])
        return response
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(request, "studies/study_audit.html", {"study": study, "page": page})
