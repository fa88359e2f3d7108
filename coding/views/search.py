"""The study's transcript search page (GET form): every member role, each searching the text it may read."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.audit import record_event
from coding.search import SearchForm, search_available, search_page
from review.models import SearchAudience
from review.search import audience_for
from studies.models import StudyMembership
from studies.permissions import study_role


@require_GET
@study_role()
def search(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """Hits of the query in the study's transcripts; bad input is shown back with its reason (400), no search."""
    asked = bool(request.GET)
    form = SearchForm(request.GET if asked else None, membership=membership)
    context = {"study": membership.study, "form": form, "results": None, "available": search_available()}
    if not asked or not context["available"]:
        return render(request, "coding/search.html", context)
    if not form.is_valid():
        return render(request, "coding/search.html", context, status=400)
    results = search_page(membership=membership, cleaned=form.cleaned_data)
    context["results"] = results
    if audience_for(membership.role) == SearchAudience.RAW and results.groups:
        # Raw snippets were shown: who and which transcripts, never the words searched for.
        transcripts = [group.transcript.id for group in results.groups]
        record_event(
            action="transcript.raw_searched",
            request=request,
            study_id=membership.study_id,
            detail={"transcripts": transcripts, "page": results.page},
        )
    return render(request, "coding/search.html", context)
