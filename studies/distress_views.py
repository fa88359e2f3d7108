"""The distress protocol in a live interview, the interviewer's side: start the interview, mark distress, the
assessment, and where a mark falls in the recording once it is uploaded (studies.services.distress).

For owners, researchers and interviewers (INTERVIEW_ROLES, checked by studies.permissions); the services audit
every write. The assessment note is health information: only owners and researchers (MANAGERS) read it, and a
page that shows one leaves an audit entry.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.audit import record_event
from accounts.models import User
from studies.forms.distress import AssessmentForm, OffsetForm
from studies.iso_names import is_rtl
from studies.models import Interview, SafetyEvent, StudyMembership
from studies.permissions import MANAGERS, study_role
from studies.selectors import participant_country
from studies.services.distress import (
    INTERVIEW_ROLES,
    LIVE_MODES,
    DistressError,
    Protocol,
    mark_distress,
    protocol_for,
    record_assessment,
    set_recording_offset,
    start_interview,
)
from studies.services.safety import SafetyFollowUpError, crisis_resources_for, follow_up_safety_event

FollowUp = SafetyEvent.FollowUp


def _interview(membership: StudyMembership, interview_id: int) -> Interview:
    return get_object_or_404(
        Interview.objects.select_related("study"), id=interview_id, study=membership.study, mode__in=LIVE_MODES
    )


def _event(membership: StudyMembership, event_id: int) -> SafetyEvent:
    """A distress mark of one of the study's interviews; a risk item or a participant's support request is not
    assessed here (404)."""
    events = SafetyEvent.objects.select_related("study", "participant", "interview", "marked_by", "follow_up_assignee")
    return get_object_or_404(events, id=event_id, study=membership.study, kind=SafetyEvent.Kind.INTERVIEW_DISTRESS)


def _interview_url(slug: str, interview_id: int, anchor: str = "") -> str:
    return reverse("transcription:interview", args=[slug, interview_id]) + (f"#{anchor}" if anchor else "")


@require_POST
@study_role(*INTERVIEW_ROLES)
def interview_start(request: HttpRequest, membership: StudyMembership, interview_id: int) -> HttpResponse:
    interview = _interview(membership, interview_id)
    try:
        interview = start_interview(interview=interview, user=request.user, request=request)
    except DistressError as error:
        messages.error(request, str(error))
    else:
        when = formats.time_format(timezone.localtime(interview.started_at))
        messages.success(request, _("The interview started at %(time)s.") % {"time": when})
    return redirect(_interview_url(membership.study.slug, interview.id, "live"))


@require_POST
@study_role(*INTERVIEW_ROLES)
def distress_mark(request: HttpRequest, membership: StudyMembership, interview_id: int) -> HttpResponse:
    """Mark the moment and go to its assessment (pressing again before the assessment is the same moment)."""
    interview = _interview(membership, interview_id)
    try:
        event = mark_distress(interview=interview, user=request.user, request=request)
    except DistressError as error:
        messages.error(request, str(error))
        return redirect(_interview_url(membership.study.slug, interview.id, "live"))
    return redirect("studies:distress_assess", membership.study.slug, event.id)


@never_cache
@require_http_methods(["GET", "POST"])
@study_role(*INTERVIEW_ROLES)
def distress_assess(request: HttpRequest, membership: StudyMembership, event_id: int) -> HttpResponse:
    """The assessment: its questions, the resources to offer, the outcomes and the note; a refusal shows the page
    again with what was chosen (400) and changes nothing."""
    event = _event(membership, event_id)
    if request.method != "POST":
        return _assessment_page(request, membership, event, AssessmentForm())
    form = AssessmentForm(request.POST)
    if form.is_valid():
        try:
            event = record_assessment(
                event=event,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                user=request.user,
                request=request,
            )
        except DistressError as error:
            form.add_error(None, str(error))
            event.refresh_from_db()
        else:
            messages.success(request, _assessed_message(event))
            return redirect(_interview_url(membership.study.slug, event.interview_id or 0, f"event-{event.id}"))
    return _assessment_page(request, membership, event, form)


@require_POST
@study_role(*INTERVIEW_ROLES)
def distress_offset(request: HttpRequest, membership: StudyMembership, event_id: int) -> HttpResponse:
    """Where the mark falls in the uploaded recording; a refusal shows the form on a page of its own (400)."""
    event = _event(membership, event_id)
    form = OffsetForm(request.POST)
    if form.is_valid():
        try:
            event = set_recording_offset(
                event=event, seconds=form.cleaned_data["offset"], user=request.user, request=request
            )
        except DistressError as error:
            form.add_error("offset", str(error))
        else:
            messages.success(request, _("The time in the recording was saved."))
            return redirect(_interview_url(membership.study.slug, event.interview_id or 0, f"event-{event.id}"))
    context = {"study": membership.study, "event": event, "form": form}
    return render(request, "studies/distress/offset.html", context, status=400)


def _assessment_page(
    request: HttpRequest, membership: StudyMembership, event: SafetyEvent, form: AssessmentForm
) -> HttpResponse:
    protocol = protocol_for(membership.study)
    participant = event.participant
    show_note = membership.role in MANAGERS
    who = _assignee(protocol, event)
    if event.outcome and show_note and event.assessment_note:
        record_event(action="safety_event.note_viewed", request=request, study_id=event.study_id, target=event)
    context: dict[str, Any] = {
        "study": membership.study,
        "event": event,
        "participant": participant,
        "form": form,
        "questions": _questions(protocol, participant.language),
        "participant_language": participant.language,
        "participant_direction": "rtl" if is_rtl(participant.language.split("-")[0]) else "ltr",
        "resources": crisis_resources_for(
            study=membership.study, country=participant_country(participant), language=participant.language
        ),
        "outcomes": [(radio, _what_happens(protocol, str(radio.data["value"]), who)) for radio in form["outcome"]],
        "show_note": show_note,
    }
    return render(request, "studies/distress/assess.html", context, status=400 if form.errors else 200)


def _questions(protocol: Protocol, language: str) -> list[tuple[str, str]]:
    """(the question in the participant's language, the same in the interviewer's when it differs)."""
    theirs = protocol.questions_in(language)
    mine_code = translation.get_language() or "en"
    if mine_code.split("-")[0] == language.split("-")[0]:
        return [(text, "") for text in theirs]
    mine = protocol.questions_in(mine_code)
    return [(text, other if other != text else "") for text, other in zip(theirs, mine, strict=False)]


def _assignee(protocol: Protocol, event: SafetyEvent) -> User | None:
    """Who will follow up: the protocol's team member, else the interviewer who marked the moment."""
    if protocol.follow_up_assignee_id is not None:
        return User.objects.filter(pk=protocol.follow_up_assignee_id).first()
    return event.marked_by


def _what_happens(protocol: Protocol, outcome: str, who: User | None) -> str:
    """One sentence: what choosing `outcome` sets off, as the study's protocol says (`who` follows up)."""
    alerts = outcome in protocol.notify_outcomes
    if outcome not in protocol.follow_up_outcomes:
        return _("Alerts the safety contacts at once.") if alerts else _("Recorded; no alert and no follow-up.")
    hours = protocol.follow_up_hours
    values = {
        "hours": hours,
        "who": who or _("the team"),
        "channel": str(SafetyEvent.Channel(protocol.follow_up_channel).label).lower(),
    }
    if alerts:
        return (
            ngettext(
                "Alerts the safety contacts at once and schedules a follow-up in %(hours)d hour by %(who)s "
                "(%(channel)s).",
                "Alerts the safety contacts at once and schedules a follow-up in %(hours)d hours by %(who)s "
                "(%(channel)s).",
                hours,
            )
            % values
        )
    return (
        ngettext(
            "Schedules a follow-up in %(hours)d hour by %(who)s (%(channel)s).",
            "Schedules a follow-up in %(hours)d hours by %(who)s (%(channel)s).",
            hours,
        )
        % values
    )


def _assessed_message(event: SafetyEvent) -> str:
    parts = [_("Assessment recorded: %(outcome)s.") % {"outcome": event.get_outcome_display()}]
    if event.outcome in protocol_for(event.study).notify_outcomes:
        parts.append(_("The safety contacts are being alerted now."))
    if event.follow_up_due_at is not None:
        when = formats.date_format(timezone.localtime(event.follow_up_due_at), "SHORT_DATETIME_FORMAT")
        parts.append(
            _("Follow-up due %(when)s by %(who)s (%(channel)s).")
            % {
                "when": when,
                "who": event.follow_up_assignee or _("the team"),
                "channel": event.get_follow_up_channel_display().lower(),
            }
        )
    else:
        parts.append(_("No follow-up is scheduled."))
    return " ".join(parts)


@require_POST
@study_role(*INTERVIEW_ROLES)
def follow_up_done(request: HttpRequest, membership: StudyMembership, event_id: int) -> HttpResponse:
    """Record a scheduled follow-up as done from the interview page: owners, researchers, or the person the
    protocol gave it to (studies.services.safety.follow_up_safety_event checks which)."""
    events = SafetyEvent.objects.select_related("study", "participant")
    event = get_object_or_404(events, id=event_id, study=membership.study, interview__isnull=False)
    try:
        follow_up_safety_event(
            event=event, to=FollowUp.RESOLVED, note=request.POST.get("note", ""), user=request.user, request=request
        )
    except SafetyFollowUpError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The follow-up is recorded as done."))
    return redirect(_interview_url(membership.study.slug, event.interview_id or 0, f"event-{event.id}"))
