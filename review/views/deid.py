"""De-identification pages: proposals with reasons, decisions, hand-marked spans, applying them; the tag table
and the study's list of people and places. Owner and researcher only, and every view of originals is audited."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import record_event
from review.models import LISTED_KINDS, RedactionTag, StudyIdentifier
from review.redaction import Kind
from review.services import identifiers, redaction, versions
from review.services.errors import ReviewError, VersionConflict
from review.views.common import EDITORS, audit_raw_view, int_param, kind_label, transcript_of
from studies.models import StudyMembership
from studies.permissions import study_role

CONTEXT = 40  # characters shown either side of a proposal


@require_GET
@study_role(*EDITORS)
def redaction_page(request: HttpRequest, membership: StudyMembership, transcript_id: int) -> HttpResponse:
    transcript = transcript_of(membership, transcript_id)
    version = versions.latest_version(transcript)
    rows, items = [], []
    if version is not None:
        audit_raw_view(request, membership, version, page="redaction")
        texts = [row["text"] for row in versions.rows_of(version)]
        for item in redaction.review_items(version):
            p = item.proposal
            text = texts[p.segment]
            rows.append(
                (item, text[max(0, p.start - CONTEXT) : p.start], text[p.start : p.end], text[p.end : p.end + CONTEXT])
            )
        items = [row[0] for row in rows]
    context = {
        "study": membership.study,
        "transcript": transcript,
        "version": version,
        "rows": rows,
        "undecided": sum(1 for item in items if item.decision is None),
        "kinds": [kind.value for kind in Kind],
    }
    return render(request, "review/redaction.html", context)


def _back(membership: StudyMembership, transcript_id: int) -> HttpResponse:
    return redirect("review:redaction", membership.study.slug, transcript_id)


@require_POST
@study_role(*EDITORS)
def redaction_decide(request: HttpRequest, membership: StudyMembership, transcript_id: int) -> HttpResponse:
    """One form for the whole list: decisions, "accept every undecided one", and "apply"."""
    transcript = transcript_of(membership, transcript_id)
    version = versions.latest_version(transcript)
    if version is None or int_param(request.POST.get("version")) != version.number:
        messages.error(request, _("The transcript changed since the page was loaded; decide again on the new version."))
        return _back(membership, transcript.id)
    decisions = {
        key[len("decision-") :]: str(value) for key, value in request.POST.items() if key.startswith("decision-")
    }
    try:
        redaction.decide(version=version, decisions=decisions, user=membership.user)
        if request.POST.get("action") == "accept_rest":
            redaction.accept_undecided(version=version, user=membership.user)
        if request.POST.get("action") == "apply":
            redacted = redaction.redact_latest(transcript=transcript, base_number=version.number, user=membership.user)
            record_event(action="transcript.redacted", request=request, study_id=membership.study_id, target=redacted)
            messages.success(request, _("Redacted version %(number)s was made.") % {"number": redacted.number})
            return redirect("review:editor", membership.study.slug, transcript.id)
    except ReviewError as error:
        messages.error(request, str(error))
        return _back(membership, transcript.id)
    messages.success(request, _("Decisions saved."))
    return _back(membership, transcript.id)


@require_POST
@study_role(*EDITORS)
def redaction_mark(request: HttpRequest, membership: StudyMembership, transcript_id: int) -> HttpResponse:
    transcript = transcript_of(membership, transcript_id)
    version = versions.latest_version(transcript)
    number = int_param(request.POST.get("segment"), 0) or 0
    try:
        if version is None or int_param(request.POST.get("version")) != version.number:
            raise ReviewError(_("The transcript changed since the page was loaded; mark the words again."))
        count = redaction.mark_span(
            version=version,
            segment=number - 1,
            phrase=request.POST.get("phrase", "")[:500],
            kind=request.POST.get("kind", ""),
            user=membership.user,
        )
    except ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(count)s span(s) marked by hand.") % {"count": count})
    return _back(membership, transcript.id)


def _whole(body: dict[str, Any], key: str, default: object = None) -> int:
    value = body.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ReviewError(_("The selection could not be read; select the words again."))
    return value


def _selection(request: HttpRequest) -> tuple[dict[str, Any], redaction.Selection]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as error:
        raise ReviewError(_("The selection could not be read; select the words again.")) from error
    if not isinstance(body, dict):
        raise ReviewError(_("The selection could not be read; select the words again."))
    segment = _whole(body, "segment")
    ends = (_whole(body, "start"), _whole(body, "end_segment", segment), _whole(body, "end"))
    return body, redaction.Selection(segment=segment, start=ends[0], end_segment=ends[1], end=ends[2])


@require_POST
@study_role(*EDITORS)
def redaction_mark_selection(request: HttpRequest, membership: StudyMembership, transcript_id: int) -> HttpResponse:
    """Words selected in the editor, as JSON {"version", "segment", "start", "end_segment", "end", "kind"} with
    code-point offsets (never the words) → the mark; 409 when someone saved a newer version, 400 with the reason."""
    transcript = transcript_of(membership, transcript_id)
    try:
        body, selection = _selection(request)
        proposal = redaction.mark_selection(
            transcript=transcript,
            base_number=body.get("version"),
            selection=selection,
            kind=str(body.get("kind", "")),
            user=membership.user,
        )
    except VersionConflict as conflict:
        return JsonResponse({"error": str(conflict), "conflict": True, "latest": conflict.latest}, status=409)
    except ReviewError as error:
        return JsonResponse({"error": str(error)}, status=400)
    detail = {"transcript": transcript.id, "version": body["version"], "segment": proposal.segment}
    record_event(action="redaction.marked", request=request, study_id=membership.study_id, detail=detail)
    # The words go back only to this owner or researcher, who has them on screen; never into the audit entry.
    message = _("Marked “%(words)s” as %(kind)s in segment %(number)s: it is in the de-identification list.") % {
        "words": proposal.text,
        "kind": kind_label(proposal.kind),
        "number": proposal.segment + 1,
    }
    mark = {"segment": proposal.segment, "start": proposal.start, "end": proposal.end, "text": proposal.text}
    return JsonResponse({"mark": {**mark, "kind": proposal.kind.value}, "message": message})


@require_GET
@study_role(*EDITORS)
def tag_table(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """The tag → original table: raw data, so every view is audited."""
    tags = list(RedactionTag.objects.filter(study=membership.study).order_by("kind", "number"))
    record_event(
        action="redaction.tags_viewed", request=request, study_id=membership.study_id, detail={"tags": len(tags)}
    )
    return render(request, "review/tags.html", {"study": membership.study, "tags": tags})


@require_http_methods(["GET", "POST"])
@study_role(*EDITORS)
def identifier_list(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """The study's list of other people, places and organisations to remove from every transcript."""
    study = membership.study
    if request.method == "POST":
        if request.POST.get("remove"):
            identifiers.remove_study_identifier(study=study, identifier_id=int_param(request.POST["remove"], 0) or 0)
            record_event(action="redaction.identifier_removed", request=request, study_id=study.id)
        elif request.POST.get("kind") in dict(LISTED_KINDS) and request.POST.get("name", "").strip():
            item = identifiers.add_study_identifier(
                study=study,
                kind=request.POST["kind"],
                name=request.POST["name"][:300],
                aliases=request.POST.get("aliases", "")[:3000],
                author=membership.user,
            )
            record_event(action="redaction.identifier_added", request=request, study_id=study.id, target=item)
            messages.success(request, _("Added to the study's list."))
        else:
            messages.error(request, _("Choose a kind and give a name."))
        return redirect("review:identifiers", study.slug)
    items = list(StudyIdentifier.objects.filter(study=study))
    record_event(
        action="redaction.identifiers_viewed", request=request, study_id=study.id, detail={"count": len(items)}
    )
    return render(request, "review/identifiers.html", {"study": study, "items": items, "kinds": LISTED_KINDS})
