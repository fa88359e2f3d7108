"""The team's page for one eligibility rule: everyone reads it in words (with why it no longer holds, if so);
owners and researchers edit it (checked like a new rule) and delete it after a confirmation step."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from studies.forms.rules import RuleForm
from studies.models import EligibilityRule, StudyMembership
from studies.permissions import ALL_ROLES, study_role
from studies.question_views import can_edit, confirm_delete, refuse_post, show_errors
from studies.services import questionnaires as builder
from studies.services.rules import rule_errors, rule_in_words


def _rule(membership: StudyMembership, pk: int, rule_pk: int) -> EligibilityRule:
    return get_object_or_404(
        EligibilityRule.objects.select_related("questionnaire__study"),
        pk=rule_pk,
        questionnaire__pk=pk,
        questionnaire__study=membership.study,
    )


def _words(rule: EligibilityRule) -> str:
    return rule_in_words(key=rule.key, operator=rule.operator, value=rule.value)


@study_role(*ALL_ROLES)
def rule_page(request: HttpRequest, membership: StudyMembership, pk: int, rule_pk: int) -> HttpResponse:
    rule = _rule(membership, pk, rule_pk)
    questionnaire = rule.questionnaire
    if request.method == "POST" and refuse_post(request, membership):
        return redirect("studies:rule", slug=membership.study.slug, pk=pk, rule_pk=rule_pk)
    form = RuleForm(request.POST or None, questionnaire=questionnaire, rule=rule) if can_edit(membership) else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            builder.edit_rule(rule=rule, request=request, **form.cleaned_data)
        except builder.QuestionnaireError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The rule was saved."))
            return redirect("studies:questionnaire", slug=membership.study.slug, pk=pk)
    context = {
        "study": membership.study,
        "questionnaire": questionnaire,
        "rule": rule,
        "words": _words(rule),
        "problems": rule_errors(questionnaire=questionnaire, key=rule.key, operator=rule.operator, value=rule.value),
        "form": form,
    }
    return render(request, "studies/setup/rule.html", context, status=400 if form is not None and form.errors else 200)


@require_POST
@study_role(*ALL_ROLES)
def rule_delete(request: HttpRequest, membership: StudyMembership, pk: int, rule_pk: int) -> HttpResponse:
    """A first POST asks for confirmation; the confirming POST deletes."""
    rule = _rule(membership, pk, rule_pk)
    if refuse_post(request, membership):
        return redirect("studies:rule", slug=membership.study.slug, pk=pk, rule_pk=rule_pk)
    if request.POST.get("confirm") != "yes":
        thing = _("the rule “%(rule)s”") % {"rule": _words(rule)}
        cancel = reverse("studies:questionnaire", args=[membership.study.slug, pk])
        return confirm_delete(request, membership, thing=thing, problems=[], cancel=cancel)
    try:
        builder.delete_rule(rule=rule, request=request)
    except builder.QuestionnaireError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The rule was deleted."))
    return redirect("studies:questionnaire", slug=membership.study.slug, pk=pk)
