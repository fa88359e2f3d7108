"""Owners' and researchers' coding pages: queue policy, agreement, adjudication, excerpts, code-by-stratum.

These pages show every coder's work, so only owners and researchers (studies.permissions.MANAGERS) open them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import record_event
from accounts.models import User
from coding.agreement import AgreementReport
from coding.analysis import code_by_stratum, excerpts
from coding.forms import DecisionForm, PolicyForm
from coding.models import Adjudication, Code, CodebookVersion, CodingAssignment
from coding.selectors import double_coded_versions, study_agreement, transcript_agreement, units
from coding.services.adjudication import decide_unit, finish_adjudication, open_adjudication
from coding.services.codings import CodingError
from coding.services.queue import policy_for, update_policy
from studies.models import StudyMembership
from studies.permissions import MANAGERS, study_role
from transcription.models import Segment, TranscriptVersion


def _small_number(raw: str) -> int | None:
    """A whole number that fits the database's integer columns, or None (so bad input is a 404, never a 500)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


@study_role(*MANAGERS)
def manage(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    policy = policy_for(study)
    initial = {"double_share": policy.double_share, "coders_per_double": policy.coders_per_double}
    form = PolicyForm(request.POST or None, study=study, initial={**initial, "coders": policy.coders.all()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        update_policy(
            study=study,
            double_share=data["double_share"],
            coders_per_double=data["coders_per_double"],
            coders=list(data["coders"]),
        )
        record_event(action="coding.policy_changed", request=request, study_id=study.id, target=policy)
        messages.success(request, _("The coding policy was saved."))
        return redirect("coding:manage", slug=study.slug)
    assignments = (
        CodingAssignment.objects.filter(transcript__recording__interview__study=study)
        .select_related("coder", "transcript__recording__interview__participant")
        .order_by("transcript_id", "coder_id")
    )
    context = {"study": study, "form": form, "assignments": assignments}
    return render(request, "coding/manage.html", context, status=400 if form.errors else 200)


def _names(report: AgreementReport | None, codes: dict[int, str], people: dict[int, str]) -> dict[str, Any] | None:
    """The report with code ids and coder ids replaced by names, for the template."""
    if report is None:
        return None

    def pairs(rows: list[Any]) -> list[dict[str, Any]]:
        return [{"a": people[int(p.coder_a)], "b": people[int(p.coder_b)], "row": p} for p in rows]

    overall = report.overall
    return {
        "segments": report.segments,
        "coders": [people[int(c)] for c in report.coders],
        "overall": {"pairs": pairs(overall.pairs), "alpha": overall.alpha} if overall else None,
        "codes": [
            {"name": codes.get(c.code, "?"), "pairs": pairs(c.pairs), "alpha": c.alpha}  # type: ignore[call-overload]
            for c in report.codes
        ],
    }


@require_GET
@study_role(*MANAGERS)
def agreement(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    versions = CodebookVersion.objects.filter(study=study).order_by("-number")
    number = _small_number(request.GET.get("codebook_version", ""))
    chosen = versions.filter(number=number).first() if number is not None else None
    codes = dict(Code.objects.filter(study=study).values_list("id", "name"))
    people = {u.id: str(u) for u in User.objects.filter(memberships__study=study)}
    people.update(
        {u.id: str(u) for u in User.objects.filter(coding_assignments__transcript__recording__interview__study=study)}
    )
    transcripts = [
        {"version": v, "report": _names(transcript_agreement(v, codebook_version=chosen), codes, people)}
        for v in double_coded_versions(study.id)
    ]
    context = {
        "study": study,
        "versions": versions,
        "chosen": chosen,
        "report": _names(study_agreement(study.id, codebook_version=chosen), codes, people),
        "transcripts": transcripts,
    }
    return render(request, "coding/agreement.html", context)


def _version(membership: StudyMembership, version_id: int) -> TranscriptVersion:
    return get_object_or_404(TranscriptVersion, pk=version_id, transcript__recording__interview__study=membership.study)


@require_GET
@study_role(*MANAGERS)
def adjudication(request: HttpRequest, membership: StudyMembership, version_id: int) -> HttpResponse:
    version = _version(membership, version_id)
    coders, differ, _agree = units(version)
    existing = Adjudication.objects.filter(transcript_version=version).first()
    decisions = {(d.segment_id, d.code_id): d for d in existing.decisions.all()} if existing else {}
    text = version.text()
    segments = {s.id: s for s in version.segments.all()}
    codes = {c.id: c for c in Code.objects.filter(study=membership.study)}
    people = {u.id: u for u in User.objects.filter(id__in=coders)}
    rows = [
        {
            "unit": unit,
            "segment": segments[unit.segment_id],
            "code": codes[unit.code_id],
            "sides": [{"coder": people[c], "quotes": [text[s:e] for s, e in unit.spans[c]]} for c in coders],
            "decision": decisions.get((unit.segment_id, unit.code_id)),
            "form": DecisionForm(coders=[people[c] for c in coders], prefix=f"u{unit.segment_id}-{unit.code_id}"),
        }
        for unit in differ
    ]
    record_event(action="coding.adjudication_viewed", request=request, study_id=membership.study_id, target=version)
    context = {"study": membership.study, "version": version, "rows": rows, "adjudication": existing}
    context["participant"] = version.transcript.recording.interview.participant
    context["enough_coders"] = len(coders) >= 2
    return render(request, "coding/adjudication.html", context)


@require_POST
@study_role(*MANAGERS)
def decide(request: HttpRequest, membership: StudyMembership, version_id: int) -> HttpResponse:
    version = _version(membership, version_id)
    segment = get_object_or_404(Segment, pk=_small_number(request.POST.get("segment", "")) or 0, version=version)
    code = get_object_or_404(Code, pk=_small_number(request.POST.get("code", "")) or 0, study=membership.study)
    coders = list(User.objects.filter(coding_assignments__transcript_version=version))
    form = DecisionForm(request.POST, coders=coders, prefix=f"u{segment.id}-{code.id}")
    if not form.is_valid():
        messages.error(request, _("Choose an outcome for the disagreement."))
        return redirect("coding:adjudication", slug=membership.study.slug, version_id=version.id)
    try:
        decision = decide_unit(
            adjudication=open_adjudication(version=version, adjudicator=membership.user),
            segment=segment,
            code=code,
            outcome=form.chosen_outcome(),
            adjudicator=membership.user,
            accepted_coder=form.accepted_coder(),
            quote=form.cleaned_data.get("quote") or "",
        )
    except CodingError as error:
        messages.error(request, str(error))
    else:
        record_event(action="coding.adjudicated", request=request, study_id=membership.study_id, target=decision)
        messages.success(request, _("Decision saved."))
    return redirect("coding:adjudication", slug=membership.study.slug, version_id=version.id)


@require_POST
@study_role(*MANAGERS)
def adjudication_finish(request: HttpRequest, membership: StudyMembership, version_id: int) -> HttpResponse:
    version = _version(membership, version_id)
    try:
        done = finish_adjudication(
            adjudication=open_adjudication(version=version, adjudicator=membership.user), adjudicator=membership.user
        )
    except CodingError as error:
        messages.error(request, str(error))
        return redirect("coding:adjudication", slug=membership.study.slug, version_id=version.id)
    record_event(action="coding.adjudication_finished", request=request, study_id=membership.study_id, target=done)
    messages.success(request, _("Adjudication finished: the consensus codings are saved."))
    return redirect("coding:agreement", slug=membership.study.slug)


@require_GET
@study_role(*MANAGERS)
def excerpt_list(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    codes = Code.objects.filter(study=study, is_codable=True).order_by("name")
    code = codes.filter(guid=request.GET["code"]).first() if _is_uuid(request.GET.get("code", "")) else None
    final = request.GET.get("set") != "all"
    found = excerpts(study=study, code=code, final=final, with_audio=True) if code else []
    if code is not None:
        record_event(action="coding.excerpts_viewed", request=request, study_id=study.id, target=code)
    context = {"study": study, "codes": codes, "code": code, "final": final, "excerpts": found}
    return render(request, "coding/excerpts.html", context)


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@require_GET
@study_role(*MANAGERS)
def strata(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    final = request.GET.get("set") != "all"
    tables = code_by_stratum(study=membership.study, final=final)
    record_event(action="coding.strata_viewed", request=request, study_id=membership.study_id)
    return render(request, "coding/strata.html", {"study": membership.study, "tables": tables, "final": final})
