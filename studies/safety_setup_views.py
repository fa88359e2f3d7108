"""A study's safety set-up: its own crisis resources by country, its safety contacts, and a preview of what a
participant who triggers a risk item sees.

Owners and researchers manage it; interviewers, coders and viewers read it (no forms) and every write is 403 for
them. The safety contacts' e-mail addresses and phone numbers are the team's own working data, shown to every
member: whoever meets participants must know whom to call. An archived study's set-up is read-only (the service
refuses; the pages show no forms).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studies.forms.safety_setup import (
    INTERNATIONAL,
    CopyDefaultsForm,
    CrisisResourceForm,
    PreviewForm,
    SafetyContactForm,
    country_name,
    language_name,
)
from studies.models import CrisisResource, SafetyContact, Study, StudyMembership
from studies.permissions import MANAGERS, study_role
from studies.services import safety_setup as setup
from studies.services.safety import crisis_resources_for
from studies.services.safety_setup import SafetySetupError

RESOURCE, CONTACT, COPY = "resource", "contact", "copy"


def _can_manage(membership: StudyMembership) -> bool:
    return membership.is_manager and membership.study.status != Study.Status.ARCHIVED


def _setup_url(study: Study, anchor: str) -> str:
    return reverse("studies:safety_setup", args=[study.slug]) + f"#{anchor}"


Group = tuple[str, str, list[tuple[CrisisResource, str]]]


def _groups(study: Study) -> list[Group]:
    """The study's own resources by country: (code, country name, [(row, its language's name)]), countries by
    name and the international rows last; in a country, rows in the order participants see them."""
    rows = CrisisResource.objects.filter(study=study).order_by("country", "position", "name", "language")
    groups = [
        (code, country_name(code), [(row, language_name(row.language)) for row in items])
        for code, items in groupby(rows, key=lambda row: row.country)
    ]
    return sorted(groups, key=lambda group: (group[0] == "", group[1]))


def _copy_form(study: Study, data: QueryDict | None = None) -> CopyDefaultsForm:
    available = setup.default_resource_countries()
    wanted = {*setup.recruiting_countries(study=study), ""}
    initial = {"countries": [code or INTERNATIONAL for code in available if code in wanted]}
    return CopyDefaultsForm(data, available=available, prefix=COPY, initial=initial)


def _page(request: HttpRequest, membership: StudyMembership, *, bound: Form | None = None) -> HttpResponse:
    """The set-up page; `bound` is a refused form, shown again with what was typed (and the page answers 400)."""
    study = membership.study
    coverage = setup.safety_coverage(study=study)
    groups = _groups(study)
    own = {code for code, _name, _rows in groups}
    contacts = list(study.safety_contacts.order_by("position", "id"))
    context: dict[str, Any] = {
        "study": study,
        "membership": membership,
        "can_manage": _can_manage(membership),
        "archived": study.status == Study.Status.ARCHIVED,
        "groups": groups,
        "coverage": coverage,
        "recruiting": [(code, country_name(code), code in own) for code in coverage.countries],
        "contacts": contacts,
        "has_email_contact": any(contact.email for contact in contacts),
    }
    if context["can_manage"]:
        context |= {
            "resource_form": CrisisResourceForm(study=study, prefix=RESOURCE),
            "contact_form": SafetyContactForm(prefix=CONTACT),
            "copy_form": _copy_form(study),
        }
        if bound is not None:
            context[f"{bound.prefix}_form"] = bound
    return render(request, "studies/setup/safety.html", context, status=400 if bound is not None else 200)


@require_GET
@study_role()
def safety_setup(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    return _page(request, membership)


@require_POST
@study_role(*MANAGERS)
def resource_add(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    form = CrisisResourceForm(request.POST, study=study, prefix=RESOURCE)
    if form.is_valid():
        try:
            setup.add_crisis_resource(study=study, fields=form.resource_fields(), actor=request.user, request=request)
        except SafetySetupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The crisis resource was added."))
            return redirect(_setup_url(study, "resources"))
    return _page(request, membership, bound=form)


@require_POST
@study_role(*MANAGERS)
def resource_copy(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    form = _copy_form(study, request.POST)
    if form.is_valid():
        try:
            added = setup.copy_default_resources(
                study=study, countries=form.chosen(), actor=request.user, request=request
            )
        except SafetySetupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(count)d rows were copied from the platform's list: please review them.") % {"count": added},
            )
            return redirect(_setup_url(study, "resources"))
    return _page(request, membership, bound=form)


def _resource(membership: StudyMembership, resource_id: int) -> CrisisResource:
    return get_object_or_404(CrisisResource.objects.select_related("study"), pk=resource_id, study=membership.study)


@require_http_methods(["GET", "POST"])
@study_role()
def resource_edit(request: HttpRequest, membership: StudyMembership, resource_id: int) -> HttpResponse:
    """Edit one resource (managers); other roles read it here."""
    resource = _resource(membership, resource_id)
    study = membership.study
    if request.method == "POST" and membership.role not in MANAGERS:
        raise PermissionDenied
    form = CrisisResourceForm(request.POST or None, study=study, resource=resource)
    if request.method == "POST" and form.is_valid():
        try:
            setup.edit_crisis_resource(
                resource=resource, fields=form.resource_fields(), actor=request.user, request=request
            )
        except SafetySetupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The crisis resource was saved."))
            return redirect(_setup_url(study, f"resource-{resource.pk}"))
    context = {
        "study": study,
        "resource": resource,
        "form": form,
        "can_manage": _can_manage(membership),
        "country_label": country_name(resource.country),
        "language_label": language_name(resource.language),
    }
    return render(request, "studies/setup/safety_resource.html", context, status=400 if form.errors else 200)


@require_POST
@study_role(*MANAGERS)
def resource_delete(request: HttpRequest, membership: StudyMembership, resource_id: int) -> HttpResponse:
    resource = _resource(membership, resource_id)
    if request.POST.get("confirm") != "yes":
        return HttpResponseBadRequest(_("Confirm the deletion with the page's Delete button."))
    try:
        setup.delete_crisis_resource(resource=resource, actor=request.user, request=request)
    except SafetySetupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The crisis resource was deleted."))
    return redirect(_setup_url(membership.study, "resources"))


@require_POST
@study_role(*MANAGERS)
def contact_add(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    form = SafetyContactForm(request.POST, prefix=CONTACT)
    if form.is_valid():
        try:
            setup.add_safety_contact(study=study, fields=form.contact_fields(), actor=request.user, request=request)
        except SafetySetupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The safety contact was added."))
            return redirect(_setup_url(study, "contacts"))
    return _page(request, membership, bound=form)


def _contact(membership: StudyMembership, contact_id: int) -> SafetyContact:
    return get_object_or_404(SafetyContact.objects.select_related("study"), pk=contact_id, study=membership.study)


@require_http_methods(["GET", "POST"])
@study_role()
def contact_edit(request: HttpRequest, membership: StudyMembership, contact_id: int) -> HttpResponse:
    """Edit one safety contact (managers); other roles read it here."""
    contact = _contact(membership, contact_id)
    study = membership.study
    if request.method == "POST" and membership.role not in MANAGERS:
        raise PermissionDenied
    form = SafetyContactForm(request.POST or None, contact=contact)
    if request.method == "POST" and form.is_valid():
        try:
            setup.edit_safety_contact(
                contact=contact, fields=form.contact_fields(), actor=request.user, request=request
            )
        except SafetySetupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The safety contact was saved."))
            return redirect(_setup_url(study, f"contact-{contact.pk}"))
    context = {"study": study, "contact": contact, "form": form, "can_manage": _can_manage(membership)}
    return render(request, "studies/setup/safety_contact.html", context, status=400 if form.errors else 200)


@require_POST
@study_role(*MANAGERS)
def contact_delete(request: HttpRequest, membership: StudyMembership, contact_id: int) -> HttpResponse:
    contact = _contact(membership, contact_id)
    if request.POST.get("confirm") != "yes":
        return HttpResponseBadRequest(_("Confirm the deletion with the page's Delete button."))
    try:
        setup.delete_safety_contact(contact=contact, actor=request.user, request=request)
    except SafetySetupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The safety contact was deleted."))
    return redirect(_setup_url(membership.study, "contacts"))


@require_POST
@study_role(*MANAGERS)
def contact_move(request: HttpRequest, membership: StudyMembership, contact_id: int) -> HttpResponse:
    contact = _contact(membership, contact_id)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest(_("Say whether to move the contact up or down."))
    try:
        setup.move_safety_contact(contact=contact, up=direction == "up", actor=request.user, request=request)
    except SafetySetupError as error:
        messages.error(request, str(error))
    return redirect(_setup_url(membership.study, f"contact-{contact.pk}"))


@require_GET
@study_role()
def safety_preview(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """The crisis-resources block of the screening result page, as a participant from the chosen country reading
    in the chosen language sees it: the same template, the same rows, rendered in that language."""
    study = membership.study
    countries = setup.recruiting_countries(study=study)
    chosen = request.GET or {"country": countries[0] if countries else "", "language": (study.languages or ["en"])[0]}
    form = PreviewForm(chosen, study=study)
    context: dict[str, Any] = {"study": study, "form": form, "crisis_block": None}
    if form.is_valid():
        country, language = form.cleaned_data["country"], form.cleaned_data["language"]
        resources = crisis_resources_for(study=study, country=country, language=language)
        with translation.override(language):
            block = render_to_string("studies/public/_resources.html", {"resources": resources})
            bidi = translation.get_language_bidi()
        context |= {
            "crisis_block": block,
            "language": language,
            "direction": "rtl" if bidi else "ltr",
            "country_label": country_name(country) if country else _("No country given"),
            "language_label": language_name(language),
            "resources": resources,
            "own": CrisisResource.objects.filter(study=study).exists(),
        }
    return render(request, "studies/setup/safety_preview.html", context, status=400 if form.errors else 200)
