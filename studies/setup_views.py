"""Creating a study, its settings, its status and the launch checklist. Every study page goes through
studies.permissions: all members read, owners change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import User
from studies.forms.study import StudyForm
from studies.iso_names import language_name
from studies.models import Role, Study, StudyMembership
from studies.permissions import require_role, study_role
from studies.services import launch, study_setup

Status = Study.Status
# The words on the button of each status change, in the order the buttons are shown.
STATUS_ACTIONS = {
    Status.RECRUITING: gettext_lazy("Start recruiting"),
    Status.PAUSED: gettext_lazy("Pause recruiting"),
    Status.CLOSED: gettext_lazy("Close the study"),
    Status.ARCHIVED: gettext_lazy("Archive the study"),
}
BUTTONS_FROM: dict[tuple[str, str], Promise] = {
    (Status.PAUSED, Status.RECRUITING): gettext_lazy("Resume recruiting"),
    (Status.CLOSED, Status.RECRUITING): gettext_lazy("Reopen recruiting"),
    (Status.ARCHIVED, Status.CLOSED): gettext_lazy("Take out of the archive"),
}
RETURN_PAGES = {"checklist": "studies:checklist", "settings": "studies:settings"}


@login_required
def study_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User) or not study_setup.may_create_studies(user):
        raise PermissionDenied
    form = StudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not form.languages_without_box():
        try:
            study = study_setup.create_draft_study(
                creator=user,
                values=form.values(),
                slug=form.cleaned_data["slug"],
                request=request,
            )
        except study_setup.StudySetupError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, _("The study was created as a draft. Work through the checklist to launch it."))
            return redirect("studies:checklist", slug=study.slug)
    return _form_page(request, "studies/setup/study_form.html", form, {"creating": True})


@study_role()
def study_settings(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    form = StudyForm(request.POST or None, study=study)
    if request.method == "POST" and (saved := _save_settings(request, membership, form)):
        return saved
    context = {
        "study": study,
        "membership": membership,
        "can_edit": membership.role == Role.OWNER and study.status != Status.ARCHIVED,
        "status_actions": _status_actions(membership),
        "languages": [(code, language_name(code)) for code in study.languages],
    }
    return _form_page(request, "studies/setup/study_form.html", form, context)


def _save_settings(request: HttpRequest, membership: StudyMembership, form: StudyForm) -> HttpResponse | None:
    """Save an owner's changes; None to show the form again (with what was typed and why it was refused)."""
    study = membership.study
    require_role(request.user, study.slug, {Role.OWNER})
    try:
        study_setup.check_setup_editable(study)
    except study_setup.StudySetupError as error:
        messages.error(request, str(error))
        return redirect("studies:settings", slug=study.slug)
    if not form.is_valid() or form.languages_without_box():
        return None
    try:
        study_setup.update_study_settings(study=study, values=form.values(), user=membership.user, request=request)
    except study_setup.StudySetupError as error:
        form.add_error(error.field, str(error))
        return None
    messages.success(request, _("The settings were saved."))
    return redirect("studies:settings", slug=study.slug)


def _form_page(request: HttpRequest, template: str, form: StudyForm, context: dict[str, object]) -> HttpResponse:
    added = form.languages_without_box() if form.is_bound and not form.errors else []
    status = 400 if form.errors else 200
    context = {**context, "form": form, "new_languages": [language_name(code) for code in added]}
    return render(request, template, context, status=status)


def _status_actions(membership: StudyMembership) -> list[tuple[str, str]]:
    """The status changes this person may make now, as (status, button text)."""
    if membership.role != Role.OWNER:
        return []
    current = membership.study.status
    allowed = study_setup.TRANSITIONS[current]
    return [(to, str(BUTTONS_FROM.get((current, to), text))) for to, text in STATUS_ACTIONS.items() if to in allowed]


@require_POST
@study_role(Role.OWNER)
def study_status(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    to = request.POST.get("to", "")
    if to not in Status.values:
        return HttpResponseBadRequest(_("Choose the status the study should move to."))
    try:
        moved = study_setup.change_study_status(study=study, to=to, user=membership.user, request=request)
    except study_setup.StudySetupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The study is now %(status)s.") % {"status": moved.get_status_display().lower()})
    page = RETURN_PAGES.get(request.POST.get("next", ""), "studies:settings")
    return redirect(page, slug=study.slug)


@study_role()
def study_checklist(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    checks = launch.launch_checklist(study=study)
    summary = launch.summarize(checks)
    may_start = membership.role == Role.OWNER and Status.RECRUITING in study_setup.TRANSITIONS[study.status]
    context = {
        "study": study,
        "membership": membership,
        "checks": checks,
        "summary": summary,
        "may_start": may_start,
    }
    return render(request, "studies/setup/checklist.html", context)
