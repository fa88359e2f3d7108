"""The exports page (owners and researchers): build a study archive or a .qdpx project, follow its progress, download
it through a short-lived signed link; import a .qdpx project from another tool."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import record_event
from coding.codetree import CodebookFormatError
from config.media import open_decrypted
from studies.models import StudyMembership
from studies.permissions import MANAGERS, study_role
from transcription.archive import jobs
from transcription.refi_project import ProjectFormatError, import_project, read_qdpx

MAX_IMPORT_BYTES = 200 * 1024 * 1024
PIECE = 256 * 1024


@require_GET
@study_role(*MANAGERS)
def exports_page(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    export_id = request.GET.get("export", "")
    state = jobs.export_state(export_id)
    if state is not None and (state["study_id"] != membership.study_id or state["user_id"] != request.user.pk):
        state = None
    status_url = reverse("exports:status", args=[membership.study.slug, export_id]) if state else ""
    context = {"study": membership.study, "state": state, "status_url": status_url, "kinds": jobs.KINDS}
    return render(request, "transcription/exports.html", context)


@require_POST
@study_role(*MANAGERS)
def start_export(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    kind = request.POST.get("kind", "")
    if kind not in jobs.KINDS:
        messages.error(request, _("Choose an archive or a REFI-QDA project."))
        return redirect("exports:page", membership.study.slug)
    chosen = request.POST.get("transcripts", "").replace(",", " ").split()
    if (kind == "archive" and chosen) or not all(
        item.isascii() and item.isdigit() and len(item) < 10 for item in chosen
    ):
        messages.error(request, _("List transcript numbers separated by commas, for a REFI-QDA project only."))
        return redirect("exports:page", membership.study.slug)
    ids = [int(item) for item in chosen] or None
    export_id = jobs.request_export(study=membership.study, user=membership.user, kind=kind, transcript_ids=ids)
    return redirect(f"{reverse('exports:page', args=[membership.study.slug])}?export={export_id}")


def _own_state(request: HttpRequest, membership: StudyMembership, export_id: str) -> dict[str, object]:
    state = jobs.export_state(export_id)
    if state is None or state["study_id"] != membership.study_id or state["user_id"] != request.user.pk:
        raise Http404
    return state


@require_GET
@study_role(*MANAGERS)
def export_status(request: HttpRequest, membership: StudyMembership, export_id: str) -> JsonResponse:
    """Status for the page's poller; a finished export comes with a fresh link valid for LINK_SECONDS."""
    state = _own_state(request, membership, export_id)
    link = ""
    if state["status"] == "done":
        token = jobs.download_token(export_id, membership.user)
        link = reverse("exports:download", args=[membership.study.slug, token])
    return JsonResponse(
        {
            "status": state["status"],
            "progress": state["progress"],
            "error": state["error"],
            "download_url": link,
            "link_seconds": jobs.LINK_SECONDS,
        }
    )


def _pieces(name: str) -> Iterator[bytes]:
    with open_decrypted(name) as reader:
        while piece := reader.read(PIECE):
            yield piece


@require_GET
@study_role(*MANAGERS)
def download(request: HttpRequest, membership: StudyMembership, token: str) -> HttpResponse:
    state = jobs.export_for_token(token, membership.user)
    if state is None or state["study_id"] != membership.study_id:
        raise Http404
    record_event(
        action="export.downloaded",
        request=request,
        study_id=membership.study_id,
        target=membership.study,
        detail={"kind": state["kind"], "export": state["id"]},
    )
    extension = "zip" if state["kind"] == "archive" else "qdpx"
    response = StreamingHttpResponse(_pieces(state["storage_name"]), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{membership.study.slug}-{state["kind"]}.{extension}"'
    response["Cache-Control"] = "no-store"
    return cast(HttpResponse, response)  # study_role's type names HttpResponse; Django serves both alike


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
    context = {"study": membership.study, "state": None, "kinds": jobs.KINDS, "report": report}
    return render(request, "transcription/exports.html", context)
