"""The data dictionary of a questionnaire's answers CSV (studies.services.questionnaire_export): every column, the
question it holds, the versions it exists in, its wording, values and meaning. For owners and researchers, like
the answers CSV it explains; each download is audit-logged (ids only)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from accounts.audit import record_event
from studies.models import StudyMembership
from studies.permissions import MANAGERS, study_role
from studies.question_views import get_questionnaire
from studies.services.questionnaire_export import data_dictionary_csv


@require_GET
@study_role(*MANAGERS)
def questionnaire_dictionary(request: HttpRequest, membership: StudyMembership, pk: int) -> HttpResponse:
    study = membership.study
    questionnaire = get_questionnaire(membership, pk)
    record_event(
        action="questionnaire_dictionary.exported",
        request=request,
        study_id=study.id,
        target=questionnaire,
        detail={"questionnaire": questionnaire.id, "version": questionnaire.version},
    )
    response = HttpResponse(data_dictionary_csv(questionnaire=questionnaire), content_type="text/csv; charset=utf-8")
    filename = f"{study.slug}-{questionnaire.kind}-{questionnaire.id}-data-dictionary.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
