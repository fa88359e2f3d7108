"""Marking a booked live interview as missed (no-show), from the interview page (studies.services.no_show).

For owners, researchers and interviewers, the people who meet participants; the service audits it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from studies.models import Interview, Participant, StudyMembership
from studies.permissions import CONTACT_ROLES, study_role
from studies.services.no_show import NoShowRefused, mark_no_show
from studies.services.study_setup import accepts_new_bookings


@require_POST
@study_role(*CONTACT_ROLES)
def interview_no_show(request: HttpRequest, membership: StudyMembership, interview_id: int) -> HttpResponse:
    interview = get_object_or_404(Interview, id=interview_id, study=membership.study)
    try:
        missed = mark_no_show(interview=interview, user=membership.user, request=request)
    except NoShowRefused as error:
        messages.error(request, str(error))
    else:
        text = _("The interview was marked as missed.")
        rebook = missed.participant.status == Participant.Status.CONSENTED and accepts_new_bookings(membership.study)
        if rebook:
            text += " " + _("The participant can book again; an e-mail invites them to.")
        messages.success(request, text)
    return redirect(reverse("transcription:interview", args=[membership.study.slug, interview_id]))
