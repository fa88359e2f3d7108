"""The exports page (owners and researchers): build a study archive or a .qdpx project, follow its progress, download
it through a short-lived signed link, list and delete the study's exports; import a .qdpx project from another tool
into this study (codebook and codings), or, for those who may create studies, a whole project as a new study."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import record_event
from coding.codetree import CodebookFormatError
from config.media import open_decrypted
from exports import selectors
from exports.forms import NewStudyImportForm
from exports.models import ExportJob
from exports.refi_project import ProjectFormatError, import_project, read_qdpx
from exports.refi_project.new_study import ProjectRefused, import_project_as_study
from exports.services.enqueue import request_export
from exports.services.removal import delete_export
from studies.models import StudyMembership
from studies.permissions import MANAGERS, study_role
from studies.services.study_setup import may_create_studies

MAX_IMPORT_BYTES = 200 * 1024 * 1024
PIECE = 256 * 1024


def _page(request: HttpRequest, membership: StudyMembership, status: int = 200, **extra: Any) -> HttpResponse:
    can_create = may_create_studies(request.user)
    context = {
        "study": membership.study,
        "new_study_form": NewStudyImportForm() if can_create else None,
        "kinds": ExportJob.Kind.values,
        "exports": selectors.study_exports(membership.study),
        "state": None,
        "retention_days": settings.EXPORT_RETENTION_DAYS,
        **extra,
    }
    return render(request, "exports/exports.html", context, status=status)


@require_GET
@study_role(*MANAGERS)
def exports_page(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    chosen = request.GET.get("export", "")
    job = None
    if chosen.isascii() and chosen.isdigit() and len(chosen) < 19:
        job = selectors.own_export(study=membership.study, user=membership.user, export_id=int(chosen))
    status_url = reverse("exports:status", args=[membership.study.slug, job.pk]) if job else ""
    return _page(request, membership, state=job, status_url=status_url)


@require_POST
@study_role(*MANAGERS)
def start_export(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    kind = request.POST.get("kind", "")
    if kind not in ExportJob.Kind.values:
        messages.error(request, _("Choose an archive or a REFI-QDA project."))
        return redirect("exports:page", membership.study.slug)
    chosen = request.POST.get("transcripts", "").replace(",", " ").split()
    if (kind == ExportJob.Kind.ARCHIVE and chosen) or not all(
        item.isascii() and item.isdigit() and len(item) < 10 for item in chosen
    ):
        messages.error(request, _("List transcript numbers separated by commas, for a REFI-QDA project only."))
        return redirect("exports:page", membership.study.slug)
    ids = [int(item) for item in chosen] or None
    job = request_export(study=membership.study, user=membership.user, kind=kind, transcript_ids=ids)
    return redirect(f"{reverse('exports:page', args=[membership.study.slug])}?export={job.pk}")


@require_GET
@study_role(*MANAGERS)
def export_status(request: HttpRequest, membership: StudyMembership, export_id: int) -> JsonResponse:
    """Status for the page's poller; a ready export comes with a fresh link valid for LINK_SECONDS."""
    job = selectors.own_export(study=membership.study, user=membership.user, export_id=export_id)
    if job is None:
        raise Http404
    link = ""
    if job.state == ExportJob.State.SUCCEEDED:
        link = reverse("exports:download", args=[membership.study.slug, selectors.download_token(job, membership.user)])
    return JsonResponse(
        {
            "status": job.state,
            "progress": job.progress,
            "error": job.get_error_display() if job.error else "",
            "download_url": link,
            "link_seconds": selectors.LINK_SECONDS,
        }
    )


def _pieces(name: str) -> Iterator[bytes]:
    with open_decrypted(name) as reader:
        while piece := reader.read(PIECE):
            yield piece


@require_GET
@study_role(*MANAGERS)
def download(request: HttpRequest, membership: StudyMembership, token: str) -> HttpResponse:
    job = selectors.export_for_token(token, study=membership.study, user=membership.user)
    if job is None:
        raise Http404
    record_event(
        action="export.downloaded", request=request, study_id=membership.study_id, target=job, detail={"kind": job.kind}
    )
    extension = "zip" if job.kind == ExportJob.Kind.ARCHIVE else "qdpx"
    response = StreamingHttpResponse(_pieces(job.storage_name), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{membership.study.slug}-{job.kind}.{extension}"'
    response["Cache-Control"] = "no-store"
    return cast(HttpResponse, response)  # study_role's type names HttpResponse; Django serves both alike


@require_POST
@study_role(*MANAGERS)
def delete(request: HttpRequest, membership: StudyMembership, export_id: int) -> HttpResponse:
    job = get_object_or_404(ExportJob, pk=export_id, study=membership.study)
    if delete_export(job=job, actor=membership.user, request=request):
        messages.success(request, _("The export was deleted."))
    return redirect("exports:page", membership.study.slug)


@require_POST
@study_role(*MANAGERS)
def import_qdpx(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    upload = request.FILES.get("project")
    if upload is None or upload.size is None or upload.size > MAX_IMPORT_BYTES:
        messages.error(request, _("Choose a .qdpx file of at most 200 MB."))
        return redirect("exports:page", membership.study.slug)
    try:
        report = import_project(study=membership.study, actor=membership.user, project=read_qdpx(upload))
    except (ProjectFormatError, CodebookFormatError) as error:
        messages.error(request, str(error))
        return redirect("exports:page", membership.study.slug)
    record_event(
        action="project.imported",
        request=request,
        study_id=membership.study_id,
        target=membership.study,
        detail={"codes_created": report.codes_created, "codings": report.codings_imported},
    )
    return _page(request, membership, report=report)


def _refused(form: NewStudyImportForm, problems: list[str]) -> None:
    form.add_error("project", _("Nothing was imported: the file has the problems listed below."))
    for problem in problems:
        form.add_error(None, problem)


@require_POST
@study_role(*MANAGERS)
def import_as_new_study(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """A whole project as a new draft study owned by the person importing (for those who may create studies)."""
    if not may_create_studies(request.user):
        raise PermissionDenied
    form = NewStudyImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            report = import_project_as_study(
                project=read_qdpx(form.cleaned_data["project"]),
                actor=membership.user,
                slug=form.cleaned_data["slug"],
                title=form.cleaned_data["title"],
                request=request,
            )
        except (ProjectFormatError, CodebookFormatError) as error:
            _refused(form, [str(error)])
        except ProjectRefused as error:
            _refused(form, error.problems)
        else:
            return render(request, "exports/new_study_report.html", {"study": membership.study, "report": report})
    return _page(request, membership, status=400, new_study_form=form)
