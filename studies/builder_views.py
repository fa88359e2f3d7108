"""Researcher pages of the questionnaire builder. Managers only, through studies.permissions."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.audit import record_event
from studies.forms.builder import QuestionForm, QuestionnaireForm, RuleForm
from studies.models import StudyMembership
from studies.permissions import MANAGERS, study_role
from studies.services import questionnaires as builder
from studies.services.questionnaire_export import answers_csv


@study_role(*MANAGERS)
def questionnaire_list(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    form = QuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        language = (study.languages or ["en"])[0]
        try:
            created = builder.create_questionnaire(
                study=study,
                kind=form.cleaned_data["kind"],
                title={language: form.cleaned_data["title"]},
                available_from=form.cleaned_data["available_from"],
            )
        except IntegrityError:
            form.add_error("kind", _("This study already has a screening questionnaire."))
        else:
            return redirect("studies:questionnaire", slug=study.slug, pk=created.pk)
    context = {"study": study, "form": form, "questionnaires": study.questionnaires.order_by("kind", "id")}
    return render(request, "studies/questionnaire_list.html", context, status=400 if form.errors else 200)


@study_role(*MANAGERS)
def questionnaire_detail(request: HttpRequest, membership: StudyMembership, pk: int) -> HttpResponse:
    study = membership.study
    questionnaire = get_object_or_404(study.questionnaires, pk=pk)
    action = request.POST.get("action")
    question_form = QuestionForm(request.POST if action == "question" else None, questionnaire=questionnaire)
    rule_form = RuleForm(request.POST if action == "rule" else None)
    if action == "question" and question_form.is_valid():
        builder.add_question(questionnaire=questionnaire, **question_form.question_fields())
        messages.success(request, _("The question was added."))
        return redirect("studies:questionnaire", slug=study.slug, pk=pk)
    if action == "rule" and rule_form.is_valid():
        builder.add_rule(questionnaire=questionnaire, **rule_form.cleaned_data)
        messages.success(request, _("The rule was added."))
        return redirect("studies:questionnaire", slug=study.slug, pk=pk)
    context = {
        "study": study,
        "questionnaire": questionnaire,
        "questions": questionnaire.questions.all(),
        "rules": questionnaire.rules.order_by("id"),
        "question_form": question_form,
        "rule_form": rule_form,
    }
    status = 400 if question_form.errors or rule_form.errors else 200
    return render(request, "studies/questionnaire_detail.html", context, status=status)


@require_GET
@study_role(*MANAGERS)
def questionnaire_export(request: HttpRequest, membership: StudyMembership, pk: int) -> HttpResponse:
    """Every response to the questionnaire as CSV (pseudonyms, no contact details), audit-logged."""
    study = membership.study
    questionnaire = get_object_or_404(study.questionnaires, pk=pk)
    record_event(
        action="questionnaire_responses.exported",
        request=request,
        study_id=study.id,
        target=questionnaire,
        detail={"questionnaire": questionnaire.id, "responses": questionnaire.responses.count()},
    )
    response = StreamingHttpResponse(answers_csv(questionnaire=questionnaire), content_type="text/csv; charset=utf-8")
    filename = f"{study.slug}-{questionnaire.kind}-{questionnaire.id}-answers.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    # studies.permissions types views as returning HttpResponse; a streaming response serves the same purpose.
    return cast(HttpResponse, response)
