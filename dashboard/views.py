"""The study dashboard: the page, one HTML fragment per panel (polled by dashboard.js), and job retry.

Every view goes through studies.permissions: all team roles see the dashboard; the safety panel is for
owners and researchers only (403 for its fragment otherwise). Reading the safety panel is audited once per
page load, not on every poll, so the audit log records who looked without filling up with refreshes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.audit import record_event
from dashboard import charts, selectors
from dashboard.scales import scale_bands
from studies.models import Role, Study, StudyMembership
from studies.permissions import ALL_ROLES, MANAGERS, require_role, study_role
from studies.selectors import incentive_totals
from transcription.models import TranscriptionJob
from transcription.services import RetryRefused, retry_job

REFRESH_MS = 5000
# Who may queue a failed job again: the people who upload recordings (as on the transcription pages).
RETRY_ROLES = frozenset({Role.OWNER, Role.RESEARCHER, Role.INTERVIEWER})


@dataclass(frozen=True)
class Panel:
    name: str
    title: Promise
    roles: frozenset[str]
    build: Callable[[Study, StudyMembership], dict[str, Any]]


def _funnel(study: Study, membership: StudyMembership) -> dict[str, Any]:
    funnel = selectors.recruitment_funnel(study=study)
    bars = [
        charts.Bar(
            str(step.label),
            step.count,
            text=f"{step.count} · {step.conversion:.0%}" if step.conversion is not None else str(step.count),
            tone="side" if step.side else "",
        )
        for step in funnel.steps
    ]
    return {
        # Owners and researchers decide on flagged people; the others see the count in the funnel only.
        "flags": selectors.flag_queue(study=study) if membership.role in MANAGERS else None,
        "funnel": funnel,
        "funnel_chart": charts.bar_chart(
            chart_id="chart-funnel",
            title=_("Recruitment funnel"),
            desc=_("People at each step; after the count, the share of the step before."),
            bars=bars,
        ),
        "weekly_chart": _weekly_chart(funnel.weeks),
    }


def _weekly_chart(weeks: list[selectors.Week]) -> SafeString:
    series = [
        charts.Series(_("Screened"), [w.screened for w in weeks], "a"),
        charts.Series(_("Eligible"), [w.eligible for w in weeks], "b"),
        charts.Series(_("Consented"), [w.consented for w in weeks], "c"),
    ]
    return charts.column_chart(
        chart_id="chart-weekly",
        title=_("Screening by week"),
        desc=_("People screened, found eligible and (by now) consented, by week of screening."),
        labels=[week.start.strftime("%d %b") for week in weeks],
        series=series,
        label_every=2,
    )


def _diversity(study: Study, membership: StudyMembership) -> dict[str, Any]:
    diversity = selectors.sample_diversity(study=study)
    bars = [
        charts.Bar(
            region.label,
            region.count,
            target=region.target,
            text=f"{region.count} / {region.target}" if region.target is not None else str(region.count),
            tone="under" if region.target is not None and region.count < region.target else "",
        )
        for region in diversity.regions
    ]
    chart = charts.bar_chart(
        chart_id="chart-regions",
        title=_("Sample by world region"),
        desc=_("People counted towards quotas per world region; the line marks the region's target."),
        bars=bars,
    )
    return {"diversity": diversity, "region_chart": chart if bars else ""}


def _hours(value: float) -> str:
    return f"{value:.2f}"


def _transcription(study: Study, membership: StudyMembership) -> dict[str, Any]:
    queue = selectors.transcription_queue(study=study)
    hourly = queue.throughput.hourly
    chart = charts.column_chart(
        chart_id="chart-throughput",
        title=_("Audio transcribed per hour"),
        desc=_("Hours of audio whose transcription finished in each of the last 24 hours."),
        labels=[hour.strftime("%H:00") for hour, _hours in hourly],
        series=[charts.Series(_("Audio hours"), [value for _hour, value in hourly], "a")],
        label_every=4,
        fmt=_hours,
    )
    return {"queue": queue, "throughput_chart": chart, "can_retry": membership.role in RETRY_ROLES}


def _coding(study: Study, membership: StudyMembership) -> dict[str, Any]:
    # Adjudication and the full agreement report are the coding app's pages for owners and researchers.
    return {"coding": selectors.coding_progress(study=study), "can_adjudicate": membership.role in MANAGERS}


def _safety(study: Study, membership: StudyMembership) -> dict[str, Any]:
    return {"safety": selectors.safety_events(study=study)}


def _scales(study: Study, membership: StudyMembership) -> dict[str, Any]:
    tables = scale_bands(study=study)
    tones = ("a", "b", "c", "d", "e")
    charts_ = [
        charts.column_chart(
            chart_id=f"chart-scale-{table.scale.key}",
            title=_("%(scale)s bands per stratum") % {"scale": table.scale.name},
            desc=_("People in each severity band, everyone with a score first, then each quota stratum."),
            labels=[row.label for row in table.rows],
            series=[
                charts.Series(band, [row.counts[index] for row in table.rows], tones[index % len(tones)])
                for index, band in enumerate(table.bands)
            ],
        )
        for table in tables
    ]
    return {"scales": list(zip(tables, charts_, strict=True))}


def _incentives(study: Study, membership: StudyMembership) -> dict[str, Any]:
    return {"totals": incentive_totals(study=study)}


PANELS = {
    panel.name: panel
    for panel in (
        Panel("funnel", gettext_lazy("Recruitment"), ALL_ROLES, _funnel),
        Panel("diversity", gettext_lazy("Sample diversity"), ALL_ROLES, _diversity),
        Panel("transcription", gettext_lazy("Transcription queue"), ALL_ROLES, _transcription),
        # Coders are blind to each other's work until adjudication: per-code agreement would hint at it.
        Panel("coding", gettext_lazy("Coding"), ALL_ROLES - {Role.CODER}, _coding),
        Panel("safety", gettext_lazy("Safety events"), MANAGERS, _safety),
        # Severity bands are health information, like the answers they come from.
        Panel("scales", gettext_lazy("Scale scores"), MANAGERS, _scales),
        # Money owed to named pseudonyms: for the people who run the study and its ledger.
        Panel("incentives", gettext_lazy("Incentives"), MANAGERS, _incentives),
    )
}


def _render_panel(request: HttpRequest, membership: StudyMembership, panel: Panel) -> str:
    context = {"study": membership.study, "membership": membership, **panel.build(membership.study, membership)}
    return render_to_string(f"dashboard/_{panel.name}.html", context, request=request)


@never_cache
@study_role()
def dashboard(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    panels = [
        {
            "name": panel.name,
            "title": panel.title,
            "url": reverse("dashboard:panel", args=[study.slug, panel.name]),
            "html": _render_panel(request, membership, panel),
        }
        for panel in PANELS.values()
        if membership.role in panel.roles
    ]
    if membership.role in PANELS["safety"].roles:
        record_event(action="dashboard.safety_events.viewed", request=request, study_id=study.id)
    context = {"study": study, "membership": membership, "panels": panels, "refresh_ms": REFRESH_MS}
    return render(request, "dashboard/page.html", context)


@never_cache
@study_role()
def dashboard_panel(request: HttpRequest, membership: StudyMembership, panel: str) -> HttpResponse:
    """One panel's body, for the live refresh."""
    found = PANELS.get(panel)
    if found is None:
        raise Http404
    if membership.role not in found.roles:
        require_role(request.user, membership.study.slug, found.roles)  # raises PermissionDenied (403)
        raise PermissionDenied
    return HttpResponse(_render_panel(request, membership, found))


@require_POST
@study_role(*RETRY_ROLES)
def retry(request: HttpRequest, membership: StudyMembership, job_id: int) -> HttpResponse:
    study = membership.study
    job = get_object_or_404(TranscriptionJob, id=job_id, recording__interview__study=study)
    try:
        retry_job(job=job)
    except RetryRefused as error:
        messages.error(request, str(error))
    else:
        record_event(action="transcription.job.retried", request=request, study_id=study.id, target=job)
        messages.success(request, _("The job was queued again."))
    return redirect(reverse("dashboard:page", args=[study.slug]) + "#panel-transcription")
