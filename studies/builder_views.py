"""The questionnaire builder's other pages: sections (rename, move, delete), reordering by drag and drop,
publishing, and the preview of the questionnaire as participants see it in each study language.

Every role of the study reads them and may try the preview (it saves nothing); owners and researchers change the
questionnaire (studies.question_views.refuse_post: 403 for a POST by anyone else), never in an archived study.
Each change is one service call (studies.services.questionnaires, studies.services.sections).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from studies.forms.screening import QuestionsForm, localized
from studies.forms.sections import SectionForm
from studies.models import Section, StudyMembership
from studies.permissions import ALL_ROLES, MANAGERS, study_role
from studies.question_views import (
    can_edit,
    confirm_delete,
    get_questionnaire,
    questionnaire_part,
    refuse_post,
    show_errors,
)
from studies.services import questionnaires as builder
from studies.services import sections as section_service


def _builder(membership: StudyMembership, pk: int, anchor: str = "") -> str:
    url = reverse("studies:questionnaire", args=[membership.study.slug, pk])
    return f"{url}#{anchor}" if anchor else url


def _section(membership: StudyMembership, pk: int, section_pk: int) -> Section:
    return questionnaire_part(Section, membership, pk, section_pk)


@study_role(*ALL_ROLES)
def section_page(request: HttpRequest, membership: StudyMembership, pk: int, section_pk: int) -> HttpResponse:
    """One section: everyone reads it; managers rename it here (the builder's rename form posts here too)."""
    section = _section(membership, pk, section_pk)
    if request.method == "POST" and refuse_post(request, membership):
        return redirect(_builder(membership, pk, f"section-{section.pk}"))
    form = None
    if can_edit(membership):
        form = SectionForm(request.POST or None, questionnaire=section.questionnaire, section=section)
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            section_service.edit_section(
                section=section, key=form.cleaned_data["key"], title=form.title(), request=request
            )
        except builder.QuestionnaireError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The section was saved."))
            return redirect(_builder(membership, pk, f"section-{section.pk}"))
    context = {
        "study": membership.study,
        "questionnaire": section.questionnaire,
        "section": section,
        "languages": membership.study.languages or ["en"],
        "form": form,
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "studies/setup/section.html", context, status=status)


@require_POST
@study_role(*ALL_ROLES)
def section_move(request: HttpRequest, membership: StudyMembership, pk: int, section_pk: int) -> HttpResponse:
    section = _section(membership, pk, section_pk)
    if refuse_post(request, membership):
        return redirect(_builder(membership, pk))
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest(_("Say whether to move the section up or down."))
    try:
        section_service.move_section(section=section, up=direction == "up", request=request)
    except builder.QuestionnaireError as error:
        messages.error(request, str(error))
    return redirect(_builder(membership, pk, f"section-{section.pk}"))


@require_POST
@study_role(*ALL_ROLES)
def section_delete(request: HttpRequest, membership: StudyMembership, pk: int, section_pk: int) -> HttpResponse:
    """A first POST asks (its questions stay, joining the section before it); the confirming POST deletes."""
    section = _section(membership, pk, section_pk)
    if refuse_post(request, membership):
        return redirect(_builder(membership, pk))
    if request.POST.get("confirm") != "yes":
        thing = _("the section “%(key)s” (its questions stay, in the section before it)") % {"key": section.key}
        cancel = _builder(membership, pk, f"section-{section.pk}")
        return confirm_delete(request, membership, thing=thing, problems=[], cancel=cancel)
    try:
        section_service.delete_section(section=section, request=request)
    except builder.QuestionnaireError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The section was deleted; its questions stay."))
    return redirect(_builder(membership, pk))


def _order(raw: str) -> list[tuple[int, int | None]] | None:
    """`[[question id, section id or null], ...]` from builder.js; None when it is not that."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, list):
        return None
    order: list[tuple[int, int | None]] = []
    for item in data:
        if not (isinstance(item, list) and len(item) == 2 and type(item[0]) is int):
            return None
        if item[1] is not None and type(item[1]) is not int:
            return None
        order.append((item[0], item[1]))
    return order


@require_POST
@study_role(*ALL_ROLES)
def questionnaire_reorder(request: HttpRequest, membership: StudyMembership, pk: int) -> HttpResponse:
    """The whole order after a drag and drop (builder.js), as JSON; a refusal says why and changes nothing."""
    if membership.role not in MANAGERS:
        raise PermissionDenied
    questionnaire = get_questionnaire(membership, pk)
    order = _order(request.POST.get("order", ""))
    if order is None:
        return JsonResponse({"error": _("Send the order of every question.")}, status=400)
    try:
        builder.reorder_questions(questionnaire=questionnaire, order=order, request=request)
    except builder.QuestionnaireError as error:
        return JsonResponse({"error": str(error)}, status=400)
    messages.success(request, _("The new order was saved."))  # shown on the page builder.js reloads
    return JsonResponse({"saved": True})


@require_POST
@study_role(*ALL_ROLES)
def questionnaire_publish(request: HttpRequest, membership: StudyMembership, pk: int) -> HttpResponse:
    questionnaire = get_questionnaire(membership, pk)
    if refuse_post(request, membership):
        return redirect(_builder(membership, pk))
    if questionnaire.published_at is None:
        try:
            section_service.publish(questionnaire=questionnaire, request=request)
        except builder.QuestionnaireError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The questionnaire is published: participants can answer it now."))
    return redirect(_builder(membership, pk))


@study_role(*ALL_ROLES)
def questionnaire_preview(request: HttpRequest, membership: StudyMembership, pk: int) -> HttpResponse:
    """The questionnaire exactly as participants see it, in the chosen study language; a sent form is checked as
    theirs would be, and nothing is saved (so every role may try it)."""
    questionnaire = get_questionnaire(membership, pk)
    languages = membership.study.languages or ["en"]
    language = request.GET.get("lang", "")
    if language not in languages:
        language = languages[0]
    questions = list(questionnaire.questions.select_related("section").order_by("position", "id"))
    with translation.override(language):
        data = request.POST if request.method == "POST" else None
        form = QuestionsForm(data, questions=questions, language=language, fallback=languages[0])
        context: dict[str, Any] = {
            "study": membership.study,
            "questionnaire": questionnaire,
            "title": localized(questionnaire.title, language, languages[0]) if questionnaire.title else "",
            "form": form,
            "language": language,
            "languages": languages,
            "accepted": data is not None and form.is_valid(),
        }
        response = render(request, "studies/setup/preview.html", context, status=400 if form.errors else 200)
    response.headers["Content-Language"] = language
    return response
