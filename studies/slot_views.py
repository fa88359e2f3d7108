"""The interview slots pages: the list, one slot, recurring availability and deleting a selection.

Owners and researchers manage slots. Interviewers, coders and viewers read the list without any form (every POST is
403): interviewers see who leads each slot and, for the slots and bookings they lead, the meeting details and the
participant's pseudonym; coders and viewers see times, modes and whether a slot is free, nothing about who booked.
Every time is in the reader's own zone (accounts.middleware.UserTimeZoneMiddleware).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from studies.forms.slots import RecurringSlotsForm, SlotForm, SlotSelectionForm
from studies.models import Interview, Role, Slot, StudyMembership
from studies.permissions import CONTACT_ROLES, MANAGERS, study_role
from studies.services.availability import Plan, preview_availability, publish_availability
from studies.services.slots import NO_NEW_SLOTS, TAKEN, SlotError, delete_free_slots, edit_slot, publish_slot


@dataclass(frozen=True)
class SlotRow:
    """One slot as this reader may see it."""

    slot: Slot
    end: datetime
    booking: Interview | None  # the scheduled or completed interview on it
    # The reader may see who booked and how to join: managers always, an interviewer for what they lead.
    sees_booking: bool


def _row(slot: Slot, membership: StudyMembership) -> SlotRow:
    if hasattr(slot, "taken"):  # prefetched by _rows
        taken: list[Interview] = slot.taken
    else:
        taken = list(slot.interviews.filter(status__in=TAKEN).select_related("participant"))
    booking = taken[0] if taken else None
    leads = slot.interviewer_id == membership.user_id or (
        booking is not None and booking.interviewer_id == membership.user_id
    )
    sees = membership.role in MANAGERS or (membership.role == Role.INTERVIEWER and leads)
    return SlotRow(slot, slot.start + timedelta(minutes=slot.duration_minutes), booking, sees)


def _rows(membership: StudyMembership, *, past: bool) -> list[SlotRow]:
    """Upcoming slots (from the start of the reader's today) in time order, or past ones, latest first."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    taken = Interview.objects.filter(status__in=TAKEN).select_related("participant")
    slots = membership.study.slots.select_related("interviewer").prefetch_related(
        Prefetch("interviews", queryset=taken, to_attr="taken")
    )
    slots = slots.filter(start__lt=today).order_by("-start") if past else slots.filter(start__gte=today)
    return [_row(slot, membership) for slot in slots]


def _page(request: HttpRequest, membership: StudyMembership, *, status: int = 200, **forms: Any) -> HttpResponse:
    study = membership.study
    manager = membership.role in MANAGERS
    past = request.GET.get("when") == "past"
    context: dict[str, Any] = {
        "study": study,
        "membership": membership,
        "manager": manager,
        "sees_team": membership.role in CONTACT_ROLES,
        "rows": _rows(membership, past=past),
        "past": past,
        "zone": timezone.get_current_timezone_name(),
        "accepts_slots": study.status not in NO_NEW_SLOTS,
        "preview": forms.pop("preview", None),
    }
    if manager:
        context["form"] = forms.get("form") or SlotForm(study=study)
        context["recurring"] = forms.get("recurring") or RecurringSlotsForm(study=study)
        selection = forms.get("selection") or SlotSelectionForm(study=study)
        context["selection"] = selection
        # A refused deletion keeps what was ticked.
        context["selected"] = set(request.POST.getlist("slots")) if selection.is_bound else set()
    return render(request, "studies/setup/slots.html", context, status=status)


@study_role()
def slots(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """The list for every role; publishing one slot for owners and researchers."""
    if request.method != "POST":
        return _page(request, membership)
    if membership.role not in MANAGERS:
        raise PermissionDenied
    study = membership.study
    form = SlotForm(request.POST, study=study)
    if form.is_valid():
        data = form.cleaned_data
        try:
            publish_slot(
                study=study,
                start=data["start"],
                duration_minutes=data["duration_minutes"],
                terms=form.terms(),
                request=request,
            )
        except SlotError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The slot was published."))
            return redirect("studies:slots", slug=study.slug)
    return _page(request, membership, form=form, status=400)


@require_POST
@study_role(*MANAGERS)
def slots_recurring(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """Recurring availability: "preview" counts the slots it would make; otherwise they are published."""
    study = membership.study
    form = RecurringSlotsForm(request.POST, study=study)
    if not form.is_valid():
        return _page(request, membership, recurring=form, status=400)
    availability, terms = form.availability(), form.terms()
    try:
        if "preview" in request.POST:
            plan = preview_availability(study=study, availability=availability, terms=terms)
            return _page(request, membership, recurring=form, preview=plan_summary(plan, preview=True))
        plan = publish_availability(study=study, availability=availability, terms=terms, request=request)
    except SlotError as error:
        form.add_error(None, str(error))
        return _page(request, membership, recurring=form, status=400)
    summary = plan_summary(plan, preview=False)
    (messages.success if plan.starts else messages.warning)(request, summary)
    return redirect("studies:slots", slug=study.slug)


def plan_summary(plan: Plan, *, preview: bool) -> str:
    count = len(plan.starts)
    if preview:
        parts = [ngettext("This makes %(count)d slot.", "This makes %(count)d slots.", count) % {"count": count}]
    else:
        parts = [ngettext("%(count)d slot was published.", "%(count)d slots were published.", count) % {"count": count}]
    if plan.overlapping:
        parts.append(
            ngettext(
                "%(count)d is left out: it overlaps another slot of the same interviewer.",
                "%(count)d are left out: they overlap other slots of the same interviewer.",
                plan.overlapping,
            )
            % {"count": plan.overlapping}
        )
    if plan.past:
        parts.append(
            ngettext(
                "%(count)d is left out: its time has passed.",
                "%(count)d are left out: their time has passed.",
                plan.past,
            )
            % {"count": plan.past}
        )
    if plan.nonexistent:
        parts.append(
            ngettext(
                "%(count)d is left out: the clocks change then, and that time does not exist that day.",
                "%(count)d are left out: the clocks change then, and those times do not exist that day.",
                plan.nonexistent,
            )
            % {"count": plan.nonexistent}
        )
    return " ".join(parts)


@require_POST
@study_role(*MANAGERS)
def slots_delete(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """Delete the chosen free slots, all or none."""
    study = membership.study
    form = SlotSelectionForm(request.POST, study=study)
    if form.is_valid():
        try:
            count = delete_free_slots(
                study=study, slot_ids=[slot.pk for slot in form.cleaned_data["slots"]], request=request
            )
        except SlotError as error:
            form.add_error(None, str(error))
        else:
            message = ngettext("%(count)d slot was deleted.", "%(count)d slots were deleted.", count)
            messages.success(request, message % {"count": count})
            return redirect("studies:slots", slug=study.slug)
    return _page(request, membership, selection=form, status=400)


@study_role()
def slot_page(request: HttpRequest, membership: StudyMembership, slot_id: int) -> HttpResponse:
    """One slot: its form for owners and researchers (only the interviewer once booked), what it is for others."""
    study = membership.study
    found = get_object_or_404(study.slots.select_related("interviewer"), pk=slot_id)
    row = _row(found, membership)
    if membership.role not in MANAGERS:
        if request.method == "POST":
            raise PermissionDenied
        return render(request, "studies/setup/slot.html", {"study": study, "row": row, "membership": membership})
    form = SlotForm(request.POST or None, study=study, slot=found, taken=row.booking is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            edit_slot(
                slot=found,
                start=data["start"],
                duration_minutes=data["duration_minutes"],
                terms=form.terms(),
                request=request,
            )
        except SlotError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The slot was saved."))
            return redirect("studies:slots", slug=study.slug)
    context = {"study": study, "row": row, "membership": membership, "form": form, "manager": True}
    return render(request, "studies/setup/slot.html", context, status=400 if form.errors else 200)
