"""Applying a partial withdrawal after a distress mark (owners and researchers): the form lives on the safety page;
a refusal shows it again on a page of its own with the reason, and nothing changes."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from studies.forms.partial_withdrawal import PartialWithdrawalForm
from studies.models import SafetyEvent, StudyMembership
from studies.permissions import MANAGERS, study_role
from studies.services.distress import DistressError
from studies.services.partial_withdrawal import apply_partial_withdrawal


@require_POST
@study_role(*MANAGERS)
def apply_cut(request: HttpRequest, membership: StudyMembership, event_id: int) -> HttpResponse:
    """Delete the part after the event's mark; with "the participant asked me" the request is recorded first."""
    study = membership.study
    event = get_object_or_404(SafetyEvent.objects.select_related("study", "participant"), id=event_id, study=study)
    form = PartialWithdrawalForm(request.POST)
    if form.is_valid():
        try:
            apply_partial_withdrawal(
                event=event,
                user=request.user,
                request=request,
                participant_asked=form.cleaned_data["asked"],
            )
        except DistressError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("What %(code)s said after the mark was deleted; the rest of the interview is kept.")
                % {"code": event.participant.code},
            )
            return redirect(reverse("studies:safety", args=[study.slug]) + f"#event-{event.id}")
    context = {"study": study, "event": event, "form": form}
    return render(request, "studies/partial_withdrawal.html", context, status=400)
