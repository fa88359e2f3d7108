"""Adding a scored scale (PHQ-9, GAD-7, WHO-5, ...) to a questionnaire: owners and researchers, by POST.

The form sits on the questionnaire's page (studies.question_views); a refused or empty request shows that page again
with the reason beside the form, and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from studies.forms.scales import ScaleForm
from studies.models import StudyMembership
from studies.permissions import ALL_ROLES, study_role
from studies.question_views import get_questionnaire, questionnaire_context, refuse_post
from studies.scales import SCALES
from studies.services.questionnaires import QuestionnaireError
from studies.services.scales import add_scale


@require_POST
@study_role(*ALL_ROLES)
def questionnaire_scale(request: HttpRequest, membership: StudyMembership, pk: int) -> HttpResponse:
    questionnaire = get_questionnaire(membership, pk)
    if refuse_post(request, membership):  # 403 for roles that do not manage the study
        return redirect("studies:questionnaire", slug=membership.study.slug, pk=pk)
    form = ScaleForm(request.POST, auto_id="id_scale_%s")
    if form.is_valid():
        try:
            add_scale(questionnaire=questionnaire, scale_key=form.cleaned_data["scale"], request=request)
        except QuestionnaireError as error:
            for _field, message in error.errors:
                form.add_error("scale", message)
        else:
            name = SCALES[form.cleaned_data["scale"]].name
            messages.success(request, _("The %(scale)s was added: enter each item's wording.") % {"scale": name})
            return redirect("studies:questionnaire", slug=membership.study.slug, pk=pk)
    context = {**questionnaire_context(membership, questionnaire), "scale_form": form}
    return render(request, "studies/setup/questionnaire.html", context, status=400)
