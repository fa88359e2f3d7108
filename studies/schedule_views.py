"""Researcher pages for interview slots and for withdrawing a participant. Roles via studies.permissions."""

from __future__ import annotations

from datetime import UTC

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from studies.forms.slots import ResearcherWithdrawalForm, SlotForm
from studies.models import Interview, Participant, StudyMembership
from studies.permissions import CONTACT_ROLES, MANAGERS, study_role
from studies.services.scheduling import complete_interview
from studies.services.withdrawal import withdraw_participant


@study_role(*MANAGERS)
def slots(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    form = SlotForm(request.POST or None, study=study)
    if request.method == "POST" and form.is_valid():
        slot = form.save(commit=False)
        slot.study = study
        # The form's naive time is read as UTC, which the page says.
        slot.start = slot.start.replace(tzinfo=UTC) if slot.start.tzinfo is None else slot.start
        slot.save()
        messages.success(request, _("The slot was published."))
        return redirect("studies:slots", slug=study.slug)
    rows = study.slots.prefetch_related("interviews__participant").order_by("start")
    context = {"study": study, "form": form, "slots": rows}
    return render(request, "studies/slots.html", context, status=400 if form.errors else 200)


@require_POST
@study_role(*MANAGERS)
def withdraw(request: HttpRequest, membership: StudyMembership, code: str) -> HttpResponse:
    participant = get_object_or_404(membership.study.participants, code=code)
    form = ResearcherWithdrawalForm(request.POST)
    if form.is_valid() and participant.status != Participant.Status.WITHDRAWN:
        withdraw_participant(participant=participant, scope=form.cleaned_data["scope"], request=request)
        messages.success(request, _("The participant was withdrawn."))
    return redirect("studies:participant", slug=membership.study.slug, code=code)


@require_POST
@study_role(*CONTACT_ROLES)
def interview_done(request: HttpRequest, membership: StudyMembership, code: str, pk: int) -> HttpResponse:
    interview = get_object_or_404(
        Interview, pk=pk, participant__code=code, study=membership.study, status=Interview.Status.SCHEDULED
    )
    complete_interview(interview=interview)
    messages.success(request, _("The interview was recorded as done."))
    return redirect("studies:participant", slug=membership.study.slug, code=code)
