"""Researcher actions on a participant's interviews and participation: withdrawing them, recording an interview as
done. Roles via studies.permissions. (The slots pages are studies.slot_views.)"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from studies.forms.slots import ResearcherWithdrawalForm
from studies.models import Interview, Participant, StudyMembership
from studies.permissions import CONTACT_ROLES, MANAGERS, study_role
from studies.services.interview_done import InterviewNotDue, record_interview_done
from studies.services.withdrawal import withdraw_participant


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
    try:
        record_interview_done(interview=interview, user=request.user, request=request)
    except InterviewNotDue as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The interview was recorded as done."))
    return redirect("studies:participant", slug=membership.study.slug, code=code)
