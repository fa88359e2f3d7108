"""The messages participants get, as the team words them: the messages page (every kind in every study language,
with the platform's wording where the team saved none, a preview), the reminder settings, and the team's message
to one person (studies.services.message_templates, .nudges).

Every member reads the messages page; owners and researchers change wording and reminders and send the team's
message (a POST by anyone else is 403). The services audit every write.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from studies.forms.messages import MessageTemplateForm, ReminderForm
from studies.iso_names import is_rtl, language_name
from studies.models import MessageTemplate, Study, StudyMembership
from studies.permissions import MANAGERS, study_role
from studies.services import message_templates, nudges
from studies.services import message_wording as wording
from studies.services.study_setup import StudySetupError

Kind = MessageTemplate.Kind


@dataclass(frozen=True)
class Choice:
    """The message and language the page shows: from the address (GET) or the form (POST)."""

    kind: str
    language: str

    @property
    def direction(self) -> str:
        return "rtl" if is_rtl(self.language) else "auto"

    def url(self, slug: str) -> str:
        query = urlencode({"kind": self.kind, "language": self.language})
        return f"{reverse('studies:messages', args=[slug])}?{query}#editor"


def _choice(request: HttpRequest, languages: list[str]) -> Choice:
    data = request.POST if request.method == "POST" else request.GET
    kind, language = data.get("kind", ""), data.get("language", "")
    return Choice(kind if kind in Kind.values else Kind.INVITATION, language if language in languages else languages[0])


@require_http_methods(["GET", "POST"])
@study_role()
def message_templates_page(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    if request.method == "POST" and membership.role not in MANAGERS:
        raise PermissionDenied
    languages = list(study.languages or ["en"])
    choice = _choice(request, languages)
    saved = wording.saved_wording(study=study, kind=choice.kind, language=choice.language)
    platform = wording.platform_wording(kind=choice.kind, language=choice.language)
    shown = saved or platform
    initial = {"subject": shown.subject, "body": shown.body} if shown else {}
    data = request.POST if request.method == "POST" else None
    form = MessageTemplateForm(data, initial=initial, language=choice.language, direction=choice.direction)
    preview = None
    if request.method == "POST":
        if (done := _act(request, membership, choice, form)) is not None:
            return done
        if form.is_valid():
            preview = wording.preview(study=study, wording=form.wording())
    elif shown is not None:
        preview = wording.preview(study=study, wording=shown)
    context = {
        "study": study,
        "membership": membership,
        "can_manage": membership.is_manager and study.status != Study.Status.ARCHIVED,
        "choice": choice,
        "kind_label": Kind(choice.kind).label,
        "language_label": language_name(choice.language),
        "saved": saved is not None,
        "platform": platform,
        "form": form,
        "preview": preview,
        "overview": _overview(study.id, languages, choice),
    }
    return render(request, "studies/setup/messages.html", context, status=400 if form.errors else 200)


def _act(
    request: HttpRequest, membership: StudyMembership, choice: Choice, form: MessageTemplateForm
) -> HttpResponse | None:
    """Save or delete the wording; None to show the page again (a preview, or the form with why it was refused)."""
    study, action = membership.study, request.POST.get("action", "")
    if action not in ("save", "reset") or (action == "save" and not form.is_valid()):
        return None
    try:
        if action == "reset":
            message_templates.delete_message_template(
                study=study, kind=choice.kind, language=choice.language, user=membership.user, request=request
            )
            messages.success(request, _("The platform's wording is used again."))
        else:
            message_templates.save_message_template(
                study=study,
                kind=choice.kind,
                language=choice.language,
                user=membership.user,
                request=request,
                **form.cleaned_data,
            )
            messages.success(request, _("The wording was saved."))
    except message_templates.MessageTemplateError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return None
    except StudySetupError as error:
        messages.error(request, str(error))
    return redirect(choice.url(study.slug))


def _overview(study_id: int, languages: list[str], choice: Choice) -> list[dict[str, object]]:
    """Each kind with, per study language, whether the team saved its own wording and the link to it."""
    saved = set(MessageTemplate.objects.filter(study_id=study_id).values_list("kind", "language"))
    return [
        {
            "label": label,
            "cells": [
                {
                    "language": code,
                    "name": language_name(code),
                    "saved": (kind, code) in saved,
                    "query": urlencode({"kind": kind, "language": code}),
                    "current": (kind, code) == (choice.kind, choice.language),
                }
                for code in languages
            ],
        }
        for kind, label in Kind.choices
    ]


@require_POST
@study_role(*MANAGERS)
def reminder_settings(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """Save after how many days, and how many times at most, people who stopped at a step are reminded."""
    study = membership.study
    form = ReminderForm(request.POST)
    if form.is_valid():
        try:
            nudges.update_reminder_settings(study=study, user=membership.user, request=request, **form.cleaned_data)
        except StudySetupError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The reminder settings were saved."))
        return redirect(reverse("studies:settings", args=[study.slug]) + "#reminders")
    context = {"study": study, "membership": membership, "form": form}
    return render(request, "studies/setup/reminders.html", context, status=400)


@require_POST
@study_role(*MANAGERS)
def team_message(request: HttpRequest, membership: StudyMembership, code: str) -> HttpResponse:
    """Queue the team's message (its wording in the person's language) to one participant."""
    participant = get_object_or_404(membership.study.participants, code=code)
    try:
        message_templates.queue_team_message(participant=participant, user=membership.user, request=request)
    except message_templates.MessageTemplateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The team's message is on its way."))
    return redirect(reverse("studies:participant", args=[membership.study.slug, code]) + "#message-history")
