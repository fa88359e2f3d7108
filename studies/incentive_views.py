"""Incentives: the compensation plan (set-up; every member reads it, owners change it), the ledger (owners and
researchers: mark as paid, cancel, add a line) and the finance office's CSV (audited; names and e-mail addresses only
for owners). Roles via studies.permissions; each write is one call to studies.services.incentives.

A refused form shows the ledger again (400) with the error summary above it and that form open; nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.audit import record_event
from studies.forms.incentives import CancelForm, ManualLineForm, PaymentForm, PlanForm
from studies.iso_names import is_rtl, language_name
from studies.models import CompensationPlan, Incentive, Role, Study, StudyMembership
from studies.permissions import MANAGERS, study_role
from studies.selectors import incentive_totals
from studies.services import incentives
from studies.services.incentive_export import finance_csv


@require_http_methods(["GET", "POST"])
@study_role()
def incentive_plan(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    if request.method == "POST" and membership.role != Role.OWNER:
        raise PermissionDenied
    plan = CompensationPlan.objects.filter(study=study).first()
    form = PlanForm(request.POST if request.method == "POST" else None, study=study, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            incentives.save_plan(study=study, user=request.user, request=request, **form.plan_values())
        except incentives.IncentiveError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("The compensation plan was saved."))
            return redirect("studies:incentive_plan", study.slug)
    archived = study.status == Study.Status.ARCHIVED
    texts = plan.descriptions if plan is not None else {}
    context = {
        "study": study,
        "membership": membership,
        "plan": plan,
        "form": form,
        "can_edit": membership.role == Role.OWNER and not archived,
        "archived": archived,
        "descriptions": [
            (code, language_name(code), "rtl" if is_rtl(code) else "auto", texts.get(code, ""))
            for code in study.languages or ["en"]
        ],
    }
    return render(request, "studies/incentives/plan.html", context, status=400 if form.errors else 200)


@dataclass(frozen=True)
class Line:
    """One ledger line with its forms (bound to what was typed when that form was refused)."""

    incentive: Incentive
    pay_form: PaymentForm
    cancel_form: CancelForm
    open_form: str  # "pay" or "cancel" when that form was refused, else ""


def _ledger(
    request: HttpRequest, membership: StudyMembership, *, refused: Form | None = None, line_id: int | None = None
) -> HttpResponse:
    """The ledger page; with `refused`, that form (of line `line_id`, or the new line's) as it was sent, 400."""
    study = membership.study
    plan = CompensationPlan.objects.filter(study=study).first()
    rows = Incentive.objects.filter(study=study).select_related("participant", "paid_by")
    lines = []
    for incentive in rows:
        pay_form, cancel_form = PaymentForm(incentive_id=incentive.id), CancelForm(incentive_id=incentive.id)
        open_form = ""
        if incentive.id == line_id and isinstance(refused, PaymentForm):
            pay_form, open_form = refused, "pay"
        elif incentive.id == line_id and isinstance(refused, CancelForm):
            cancel_form, open_form = refused, "cancel"
        lines.append(Line(incentive, pay_form, cancel_form, open_form))
    add_form = refused if isinstance(refused, ManualLineForm) else ManualLineForm(plan=plan)
    context: dict[str, Any] = {
        "study": study,
        "membership": membership,
        "plan": plan,
        "lines": lines,
        "totals": incentive_totals(study=study),
        "add_form": add_form,
        "refused": refused,
        "is_owner": membership.role == Role.OWNER,
    }
    return render(request, "studies/incentives/ledger.html", context, status=400 if refused is not None else 200)


@study_role(*MANAGERS)
def ledger(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    return _ledger(request, membership)


def _back(study: Study, incentive: Incentive | None = None) -> HttpResponse:
    anchor = f"#line-{incentive.id}" if incentive is not None else ""
    return redirect(reverse("studies:incentives", args=[study.slug]) + anchor)


@require_POST
@study_role(*MANAGERS)
def mark_paid(request: HttpRequest, membership: StudyMembership, incentive_id: int) -> HttpResponse:
    incentive = get_object_or_404(Incentive.objects.select_related("study"), pk=incentive_id, study=membership.study)
    form = PaymentForm(request.POST, incentive_id=incentive.id)
    if form.is_valid():
        try:
            incentives.mark_paid(incentive=incentive, user=request.user, request=request, **form.cleaned_data)
        except incentives.IncentiveError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("The payment was recorded; the participant is told by e-mail."))
            return _back(membership.study, incentive)
    return _ledger(request, membership, refused=form, line_id=incentive.id)


@require_POST
@study_role(*MANAGERS)
def cancel(request: HttpRequest, membership: StudyMembership, incentive_id: int) -> HttpResponse:
    incentive = get_object_or_404(Incentive.objects.select_related("study"), pk=incentive_id, study=membership.study)
    form = CancelForm(request.POST, incentive_id=incentive.id)
    if form.is_valid():
        try:
            incentives.cancel_incentive(incentive=incentive, user=request.user, request=request)
        except incentives.IncentiveError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The line was cancelled."))
            return _back(membership.study, incentive)
    return _ledger(request, membership, refused=form, line_id=incentive.id)


@require_POST
@study_role(*MANAGERS)
def add_line(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    form = ManualLineForm(request.POST, plan=None)
    if form.is_valid():
        values = dict(form.cleaned_data)
        participant = study.participants.filter(code=values.pop("participant").strip()).first()
        if participant is None:
            form.add_error("participant", _("No participant of this study has that code."))
            return _ledger(request, membership, refused=form)
        try:
            added = incentives.add_manual_incentive(
                study=study, participant=participant, user=request.user, request=request, **values
            )
        except incentives.IncentiveError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("The line was added to the ledger."))
            return _back(study, added)
    return _ledger(request, membership, refused=form)


@study_role(*MANAGERS)
def finance_export(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """The ledger as CSV for the finance office, audit-logged; contact columns for owners only."""
    study = membership.study
    with_contacts = membership.role == Role.OWNER
    record_event(
        action="incentives.exported",
        request=request,
        study_id=study.id,
        detail={"lines": Incentive.objects.filter(study=study).count(), "contacts": with_contacts},
    )
    response = StreamingHttpResponse(
        finance_csv(study=study, with_contacts=with_contacts), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="incentives-{study.slug}.csv"'
    response["Cache-Control"] = "no-store"
    # studies.permissions types views as returning HttpResponse; a streaming response serves the same purpose.
    return cast(HttpResponse, response)
