"""Importing a questionnaire from a file (an XLSForm or a REDCap data dictionary) and exporting one as an XLSForm.

Owners and researchers only, like the answers: a questionnaire's file is the team's instrument. The import form sits
on the questionnaire list (studies/setup/xlsform_import_form.html); a refused file shows the list of its problems by
row and column (400) and creates nothing; an imported one opens as a draft. Each is one call to
studies.xlsform.importer, audited there with ids only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from studies.models import Study, StudyMembership
from studies.permissions import MANAGERS, study_role
from studies.question_views import get_questionnaire
from studies.xlsform import importer
from studies.xlsform.forms import QuestionnaireImportForm
from studies.xlsform.problems import ImportRefused, Problem
from studies.xlsform.reader import MAX_FILE_BYTES

MAX_NOTES_SHOWN = 10


@study_role(*MANAGERS)
def questionnaire_import(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    if study.status == Study.Status.ARCHIVED:
        messages.error(request, _("This study is archived: its questionnaires can no longer change."))
        return redirect("studies:questionnaires", slug=study.slug)
    posted = request.method == "POST"
    form = QuestionnaireImportForm(
        request.POST if posted else None, request.FILES if posted else None, auto_id="id_import_%s"
    )
    problems: list[Problem] = []
    if posted and form.is_valid():
        try:
            imported = _import(request, study, form)
        except ImportRefused as refused:
            problems = refused.problems
        else:
            return _imported(request, study, imported)
    context = {"study": study, "form": form, "problems": problems}
    status = 400 if posted else 200
    return render(request, "studies/setup/xlsform_import.html", context, status=status)


def _import(request: HttpRequest, study: Study, form: QuestionnaireImportForm) -> importer.Imported:
    upload: UploadedFile = form.cleaned_data["file"]
    if (upload.size or 0) > MAX_FILE_BYTES:
        raise ImportRefused([Problem(_("The file is larger than 5 MB: a questionnaire is much smaller."))])
    data = upload.read(MAX_FILE_BYTES + 1)
    name = upload.name or ""
    action = importer.import_redcap if name.lower().endswith(".csv") else importer.import_xlsform
    return action(
        study=study,
        data=data,
        filename=name,
        kind=form.cleaned_data["kind"],
        available_from=form.cleaned_data["available_from"],
        request=request,
    )


def _imported(request: HttpRequest, study: Study, imported: importer.Imported) -> HttpResponse:
    count = imported.questionnaire.questions.count()
    messages.success(
        request, _("Imported as a draft with %(count)d questions: check it, then publish it.") % {"count": count}
    )
    for note in imported.notes[:MAX_NOTES_SHOWN]:
        messages.info(request, str(note))
    if len(imported.notes) > MAX_NOTES_SHOWN:
        more = len(imported.notes) - MAX_NOTES_SHOWN
        messages.info(request, _("…and %(count)d more notes like these.") % {"count": more})
    return redirect("studies:questionnaire", slug=study.slug, pk=imported.questionnaire.pk)


@require_GET
@study_role(*MANAGERS)
def questionnaire_xlsform(request: HttpRequest, membership: StudyMembership, pk: int) -> HttpResponse:
    """The questionnaire's current version as an XLSForm (.xlsx)."""
    questionnaire = get_questionnaire(membership, pk)
    try:
        data = importer.export_xlsform(questionnaire=questionnaire, request=request)
    except importer.ExportRefused as refused:
        message = _(
            "This questionnaire cannot be written as an XLSForm that ODK tools accept. pyxform says: %(reason)s"
        )
        messages.error(request, message % {"reason": refused})
        return redirect("studies:questionnaire", slug=membership.study.slug, pk=pk)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"{membership.study.slug}-{questionnaire.kind}-{questionnaire.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
