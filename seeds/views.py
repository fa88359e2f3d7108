"""Set-up file pages: export a study's set-up, clone a study, and start a new study from a set-up file.

Exporting is for owners and researchers (the file holds the safety contacts' addresses); cloning is for the study's
owners who may create studies; a new study from a file is for whoever may create studies (STUDY_CREATION).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from seeds.forms import CloneForm, ImportForm
from seeds.setup import SetupInvalid, clone_study, export_setup_file, import_setup
from studies.models import Role, StudyMembership
from studies.permissions import MANAGERS, study_role
from studies.services.study_setup import StudySetupError, may_create_studies

# Problems listed on the page at most; the count says how many there are in all.
SHOWN_PROBLEMS = 200


def _page(
    request: HttpRequest, membership: StudyMembership, form: CloneForm | None, problems: list[str] | None = None
) -> HttpResponse:
    can_clone = membership.role == Role.OWNER and may_create_studies(request.user)
    if can_clone and form is None:
        form = CloneForm(initial={"title": _("Copy of %(title)s") % {"title": membership.study.title}})
    context = {
        "study": membership.study,
        "membership": membership,
        "form": form if can_clone else None,
        "problems": (problems or [])[:SHOWN_PROBLEMS],
    }
    return render(request, "seeds/setup_file.html", context, status=400 if form is not None and form.errors else 200)


@study_role(*MANAGERS)
def setup_file(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    return _page(request, membership, None)


@study_role(*MANAGERS)
def export_file(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    response = HttpResponse(
        export_setup_file(study=study, request=request), content_type="application/yaml; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-setup.yaml"'
    return response


@require_POST
@study_role(Role.OWNER)
def clone(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    if not may_create_studies(request.user):
        raise PermissionDenied
    form, problems = CloneForm(request.POST), []
    if form.is_valid():
        try:
            study = clone_study(
                study=membership.study,
                owner=request.user,  # type: ignore[arg-type]
                title=form.cleaned_data["title"],
                slug=form.cleaned_data["slug"],
                request=request,
            )
        except StudySetupError as error:
            form.add_error(error.field, str(error))
        except SetupInvalid as error:
            # A set-up the pages let drift (a language added after the questions were written) is refused by the
            # same checks as an uploaded file: the list says what to finish first.
            problems = error.problems
            form.add_error(None, _("This study's set-up cannot be copied until the problems listed below are fixed."))
        else:
            messages.success(request, _("The study was copied as a draft. You are its owner."))
            return redirect("studies:detail", slug=study.slug)
    return _page(request, membership, form, problems)


@login_required
def import_file(request: HttpRequest) -> HttpResponse:
    if not may_create_studies(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            study = import_setup(
                data=form.document,
                owner=request.user,  # type: ignore[arg-type]
                title=form.cleaned_data["title"],
                slug=form.cleaned_data["slug"],
                request=request,
            )
        except SetupInvalid as error:
            problems = error.problems
            count = len(problems)
            form.add_error(
                "file",
                ngettext(
                    "The file has %(count)d problem, listed below; no study was created.",
                    "The file has %(count)d problems, listed below; no study was created.",
                    count,
                )
                % {"count": count},
            )
        except StudySetupError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, _("The study was created as a draft from the file. You are its owner."))
            return redirect("studies:detail", slug=study.slug)
    context = {"form": form, "problems": problems[:SHOWN_PROBLEMS], "hidden": max(0, len(problems) - SHOWN_PROBLEMS)}
    return render(request, "seeds/import.html", context, status=400 if form.errors else 200)
