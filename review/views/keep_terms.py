"""The study's keep list: words the entity finder never proposes for removal (chatbots, apps, countries).
Owner and researcher only, like the rest of de-identification; the words are no research data, so reading them
is not audited, and changing them is."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.audit import record_event
from review.forms import KeepTermsForm
from review.services import identifiers
from review.views.common import EDITORS
from studies.models import StudyMembership
from studies.permissions import study_role


@require_http_methods(["GET", "POST"])
@study_role(*EDITORS)
def keep_terms(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    if request.method == "POST":
        form = KeepTermsForm(request.POST)
        if form.is_valid():
            terms, countries = form.cleaned_data["terms"], form.cleaned_data["keep_countries"]
            identifiers.set_keep_terms(study=study, terms=terms, keep_countries=countries)
            record_event(
                action="redaction.keep_list_changed",
                request=request,
                study_id=study.id,
                detail={"terms": len(terms), "keep_countries": countries},
            )
            messages.success(request, _("The keep list was saved."))
            return redirect("review:keep-terms", study.slug)
        status = 400
    else:
        initial = {"terms": "\n".join(identifiers.keep_terms_of(study)), "keep_countries": study.deid_keep_countries}
        form, status = KeepTermsForm(initial=initial), 200
    return render(request, "review/keep_terms.html", {"study": study, "form": form}, status=status)
