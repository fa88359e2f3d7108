"""Codebook pages: the tree, add/edit/move/merge/delete a code, import and export (.qdc, CSV).

Every member of the study may read and export the codebook (coders need it); owners and researchers change it.
Each view parses, checks the role through studies.permissions, calls one service and renders.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import record_event
from coding import services
from coding.codetree import CodebookError, tree_from_study
from coding.csv_io import read_codebook_csv, write_codebook_csv
from coding.forms import CODING_ROLE_VALUES, CodeForm, ImportForm, MergeForm, MoveForm, NewCodeForm
from coding.models import Code, CodebookVersion
from coding.refi import read_codebook, write_codebook
from studies.models import Study, StudyMembership
from studies.permissions import MANAGERS, study_role

ORIGIN = "Interview research platform"


def _code(study: Study, guid: str) -> Code:
    return get_object_or_404(Code, study=study, guid=guid)


def _page(request: HttpRequest, membership: StudyMembership, form: NewCodeForm, status: int = 200) -> HttpResponse:
    study = membership.study
    context = {
        "study": study,
        "can_edit": membership.role in MANAGERS,
        "can_code": membership.role in CODING_ROLE_VALUES,
        "tree": tree_from_study(study.id),
        "codes": {str(code.guid): code for code in Code.objects.filter(study=study)},
        "versions": CodebookVersion.objects.filter(study=study).select_related("created_by").order_by("-number")[:10],
        "form": form,
        "import_form": ImportForm(),
    }
    return render(request, "coding/codebook.html", context, status=status)


@study_role()
def codebook(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    return _page(request, membership, NewCodeForm(study=membership.study))


@require_POST
@study_role(*MANAGERS)
def code_add(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    form = NewCodeForm(request.POST, study=membership.study)
    if form.is_valid():
        try:
            services.add_code(
                study=membership.study, actor=membership.user, draft=form.draft(), parent=form.cleaned_data["parent"]
            )
        except CodebookError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The code was added."))
            return redirect("coding:codebook", slug=membership.study.slug)
    return _page(request, membership, form, status=400)


@study_role(*MANAGERS)
def code_edit(request: HttpRequest, membership: StudyMembership, guid: str) -> HttpResponse:
    code = _code(membership.study, guid)
    initial = {field: getattr(code, field) for field in CodeForm.base_fields}
    form = CodeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_code(code=code, actor=membership.user, draft=form.draft())
        except CodebookError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The code was saved."))
            return redirect("coding:codebook", slug=membership.study.slug)
    context = {
        "study": membership.study,
        "code": code,
        "form": form,
        "move_form": MoveForm(code=code, initial={"parent": code.parent_id}),
        "merge_form": MergeForm(code=code),
    }
    return render(request, "coding/code_edit.html", context, status=400 if form.errors else 200)


def _after_change(request: HttpRequest, study: Study, done: str, error: CodebookError | None) -> HttpResponse:
    if error is not None:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("coding:codebook", slug=study.slug)


@require_POST
@study_role(*MANAGERS)
def code_move(request: HttpRequest, membership: StudyMembership, guid: str) -> HttpResponse:
    code = _code(membership.study, guid)
    form = MoveForm(request.POST, code=code)
    if not form.is_valid():
        return _after_change(request, membership.study, "", CodebookError(_("Choose where to move the code.")))
    try:
        services.move_code(code=code, actor=membership.user, parent=form.cleaned_data["parent"])
    except CodebookError as error:
        return _after_change(request, membership.study, "", error)
    return _after_change(request, membership.study, _("The code was moved."), None)


@require_POST
@study_role(*MANAGERS)
def code_merge(request: HttpRequest, membership: StudyMembership, guid: str) -> HttpResponse:
    code = _code(membership.study, guid)
    form = MergeForm(request.POST, code=code)
    if not form.is_valid():
        return _after_change(request, membership.study, "", CodebookError(_("Choose a code to merge into.")))
    try:
        services.merge_codes(source=code, target=form.cleaned_data["target"], actor=membership.user)
    except CodebookError as error:
        return _after_change(request, membership.study, "", error)
    return _after_change(request, membership.study, _("The codes were merged."), None)


@require_POST
@study_role(*MANAGERS)
def code_delete(request: HttpRequest, membership: StudyMembership, guid: str) -> HttpResponse:
    try:
        services.delete_code(code=_code(membership.study, guid), actor=membership.user)
    except CodebookError as error:
        return _after_change(request, membership.study, "", error)
    return _after_change(request, membership.study, _("The code was deleted."), None)


@require_GET
@study_role()
def codebook_export(request: HttpRequest, membership: StudyMembership, fmt: str) -> HttpResponse:
    study = membership.study
    tree = tree_from_study(study.id)
    if fmt == "qdc":
        if not tree:
            return _after_change(request, study, "", CodebookError(_("The codebook is empty: add a code first.")))
        response = HttpResponse(write_codebook(tree, origin=ORIGIN), content_type="application/xml")
    elif fmt == "csv":
        response = HttpResponse(write_codebook_csv(tree).encode("utf-8"), content_type="text/csv; charset=utf-8")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-codebook.{fmt}"'
    record_event(action="codebook.exported", request=request, study_id=study.id, detail={"format": fmt})
    return response


@require_POST
@study_role(*MANAGERS)
def codebook_import(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _after_change(request, study, "", CodebookError(" ".join(str(e) for e in form.errors.get("file", []))))
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        nodes = read_codebook_csv(data) if upload.name.lower().endswith(".csv") else read_codebook(data)
        report = services.import_codebook(study=study, actor=membership.user, nodes=nodes, source=upload.name)
    except CodebookError as error:
        return _after_change(request, study, "", error)
    record_event(
        action="codebook.imported",
        request=request,
        study_id=study.id,
        detail={"created": report.created, "updated": report.updated},
    )
    for warning in report.warnings:
        messages.warning(request, warning)
    done = _("Imported: %(created)d new codes, %(updated)d updated.") % {
        "created": report.created,
        "updated": report.updated,
    }
    return _after_change(request, study, done, None)
