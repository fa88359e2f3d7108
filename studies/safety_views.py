"""Safety follow-up: the list of a study's safety events and the form that moves one along.

For owners and researchers only (studies.services.safety.FOLLOW_UP_ROLES, checked by studies.permissions).
The page shows the team's notes, decrypted, so each view of it leaves an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.audit import record_event
from studies import selectors
from studies.forms.partial_withdrawal import PartialWithdrawalForm
from studies.models import SafetyEvent, StudyMembership
from studies.permissions import study_role
from studies.services.distress import may_request_cut, protocol_for
from studies.services.safety import (
    FOLLOW_UP_ROLES,
    NOTE_MAX_LENGTH,
    TRANSITIONS,
    SafetyFollowUpError,
    follow_up_safety_event,
)

FollowUp = SafetyEvent.FollowUp
# What the button that moves an event to each state says.
ACTIONS = {
    FollowUp.CONTACTED: gettext_lazy("Mark as contacted"),
    FollowUp.RESOLVED: gettext_lazy("Mark as resolved"),
    FollowUp.OPEN: gettext_lazy("Reopen"),
}


@dataclass(frozen=True)
class Refused:
    """A follow-up the service refused: shown again beside its event with what the person typed."""

    event_id: int
    message: str
    note: str


def _row(event: SafetyEvent, *, refused: Refused | None, notify_outcomes: tuple[str, ...]) -> dict[str, object]:
    mine = refused is not None and refused.event_id == event.id
    due = event.follow_up_due_at
    return {
        "event": event,
        "actions": [(state, ACTIONS[state]) for state in FollowUp if state in TRANSITIONS[event.follow_up]],
        "error": refused.message if refused is not None and mine else "",
        "note": refused.note if refused is not None and mine else event.follow_up_note,
        "overdue": due is not None and due < timezone.now() and event.follow_up != FollowUp.RESOLVED,
        # Whether the safety contacts are told of this event: every risk item; an outcome the protocol names.
        "alerts": event.kind == SafetyEvent.Kind.RISK_ITEM or event.outcome in notify_outcomes,
        # A stopped interview's later part may be withdrawn: asked for by the participant, or taken by a manager
        # on their behalf (studies.partial_withdrawal_views).
        "may_cut": event.cut_applied_at is None and (event.cut_requested_at is not None or may_request_cut(event)),
    }


def _page(
    request: HttpRequest, membership: StudyMembership, *, show_resolved: bool, refused: Refused | None = None
) -> HttpResponse:
    study = membership.study
    events = selectors.safety_event_list(study=study, show_resolved=show_resolved)
    notify = protocol_for(study).notify_outcomes
    record_event(action="safety_events.viewed", request=request, study_id=study.id)
    context = {
        "study": study,
        "rows": [_row(event, refused=refused, notify_outcomes=notify) for event in events],
        "show_resolved": show_resolved,
        "resolved_count": SafetyEvent.objects.filter(study=study, follow_up=FollowUp.RESOLVED).count(),
        "note_max_length": NOTE_MAX_LENGTH,
        "cut_form": PartialWithdrawalForm(),  # its labels, for the apply form beside each event it may apply to
    }
    return render(request, "studies/safety_events.html", context, status=400 if refused else 200)


@never_cache
@study_role(*FOLLOW_UP_ROLES)
def safety_events(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    return _page(request, membership, show_resolved=request.GET.get("show") == "resolved")


@require_POST
@study_role(*FOLLOW_UP_ROLES)
def safety_follow_up(request: HttpRequest, membership: StudyMembership, event_id: int) -> HttpResponse:
    """Mark an event contacted or resolved, or reopen it; a refused change shows the page again (400)."""
    study = membership.study
    event = get_object_or_404(SafetyEvent.objects.select_related("study", "participant"), id=event_id, study=study)
    show_resolved = request.POST.get("show") == "resolved"
    note = request.POST.get("note", "")
    try:
        event = follow_up_safety_event(
            event=event, to=request.POST.get("follow_up", ""), note=note, user=request.user, request=request
        )
    except SafetyFollowUpError as error:
        refused = Refused(event_id=event.id, message=str(error), note=note[:NOTE_MAX_LENGTH])
        return _page(request, membership, show_resolved=show_resolved, refused=refused)
    messages.success(
        request,
        _("Follow-up of %(code)s saved: %(status)s.")
        % {"code": event.participant.code, "status": event.get_follow_up_display()},
    )
    url = reverse("studies:safety", args=[study.slug])
    return redirect(url + ("?show=resolved" if show_resolved else "") + f"#event-{event.id}")
