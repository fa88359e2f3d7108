"""The team's interview guide page: questions participants answer by voice (owners and researchers edit it)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from studies.forms.guide import GuideQuestionForm
from studies.models import GuideQuestion, StudyMembership
from studies.permissions import MANAGERS, study_role
from studies.services import guide


def _question(membership: StudyMembership, question_id: int) -> GuideQuestion:
    return get_object_or_404(GuideQuestion.objects.select_related("study"), pk=question_id, study=membership.study)


@study_role()
def guide_page(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """Every member reads the guide (it is part of the set-up); owners and researchers change it."""
    study = membership.study
    if request.method == "POST" and not membership.is_manager:
        raise PermissionDenied
    form = GuideQuestionForm(request.POST or None, study=study)
    if request.method == "POST" and form.is_valid():
        try:
            guide.add_guide_question(study=study, prompt=form.prompt(), max_seconds=form.cleaned_data["max_seconds"])
        except guide.GuideError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The question was added."))
            return redirect("studies:guide", slug=study.slug)
    languages = study.languages or ["en"]
    questions = [
        (question, [(language, question.prompt.get(language, "")) for language in languages])
        for question in study.guide_questions.order_by("position")
    ]
    context = {"study": study, "questions": questions, "form": form, "can_edit": membership.is_manager}
    return render(request, "studies/guide.html", context, status=400 if form.errors else 200)


@study_role(*MANAGERS)
def guide_question(request: HttpRequest, membership: StudyMembership, question_id: int) -> HttpResponse:
    question = _question(membership, question_id)
    form = GuideQuestionForm(request.POST or None, study=membership.study, question=question)
    if request.method == "POST" and form.is_valid():
        try:
            guide.edit_guide_question(
                question=question, prompt=form.prompt(), max_seconds=form.cleaned_data["max_seconds"]
            )
        except guide.GuideError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The question was saved."))
            return redirect("studies:guide", slug=membership.study.slug)
    context = {"study": membership.study, "question": question, "form": form}
    return render(request, "studies/guide_question.html", context, status=400 if form.errors else 200)


@require_POST
@study_role(*MANAGERS)
def guide_move(request: HttpRequest, membership: StudyMembership, question_id: int) -> HttpResponse:
    question = _question(membership, question_id)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest(_("Say whether to move the question up or down."))
    try:
        guide.move_guide_question(question=question, up=direction == "up")
    except guide.GuideError as error:
        messages.error(request, str(error))
    return redirect("studies:guide", slug=membership.study.slug)


@require_POST
@study_role(*MANAGERS)
def guide_delete(request: HttpRequest, membership: StudyMembership, question_id: int) -> HttpResponse:
    question = _question(membership, question_id)
    try:
        guide.delete_guide_question(question=question)
    except guide.GuideError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The question was deleted."))
    return redirect("studies:guide", slug=membership.study.slug)
