"""Importing an XLSForm or a REDCap data dictionary as a new draft questionnaire, and exporting one as an XLSForm.

Reading and mapping the file come first and find every problem they can; only a file without problems reaches
studies.services.questionnaire_import.import_questionnaire, called once with everything, which checks each
question as the builder does and creates all of it in one transaction (with its audit entry) or nothing. Its
problems come back keyed by question, and are placed on the row that question came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.audit import record_event
from studies.models import Questionnaire, Study
from studies.services.questionnaire_import import import_questionnaire
from studies.services.questionnaire_versions import definition
from studies.services.questionnaires import QuestionnaireError
from studies.xlsform.export import pyxform_problem, xlsform_bytes
from studies.xlsform.mapping import Plan, map_xlsform
from studies.xlsform.problems import ImportRefused, Problem
from studies.xlsform.reader import read_xlsform
from studies.xlsform.redcap import map_redcap

MAX_PROBLEMS = 200


@dataclass(frozen=True)
class Imported:
    questionnaire: Questionnaire
    notes: list[Problem]


def import_xlsform(
    *,
    study: Study,
    data: bytes,
    filename: str,
    kind: str,
    available_from: str = Questionnaire.Stage.CONSENTED,
    request: HttpRequest | None = None,
) -> Imported:
    """A new draft questionnaire from an XLSForm's bytes, or ImportRefused listing every problem (nothing made).
    The caller has checked the team member's role."""
    plan = map_xlsform(read_xlsform(data), languages=_languages(study), fallback_title=_stem(filename))
    return _create(study, plan, kind, available_from, "xlsform", "survey", request)


def import_redcap(
    *,
    study: Study,
    data: bytes,
    filename: str,
    kind: str,
    available_from: str = Questionnaire.Stage.CONSENTED,
    request: HttpRequest | None = None,
) -> Imported:
    """A new draft questionnaire from a REDCap data dictionary (CSV), like import_xlsform."""
    plan = map_redcap(data, languages=_languages(study), fallback_title=_stem(filename))
    # A data dictionary has one language: the study's first; the builder flags the rest as untranslated.
    return _create(study, plan, kind, available_from, "redcap", "", request, languages=_languages(study)[:1])


def _languages(study: Study) -> list[str]:
    return list(study.languages or ["en"])


def _stem(filename: str) -> str:
    return PurePath(filename).stem[:200] or _("Imported questionnaire")


def _create(
    study: Study,
    plan: Plan,
    kind: str,
    available_from: str,
    source: str,
    sheet: str,
    request: HttpRequest | None,
    languages: list[str] | None = None,
) -> Imported:
    try:
        questionnaire = import_questionnaire(
            study=study,
            kind=kind,
            title=plan.title,
            sections=plan.sections,
            questions=plan.questions,
            available_from=available_from,
            source=source,
            languages=languages,
            request=request,
        )
    except QuestionnaireError as error:
        problems = [
            Problem(message, plan.rows.get(key) if key else None, "", sheet if key in plan.rows else "")
            for key, message in error.errors
        ]
        raise ImportRefused(problems[:MAX_PROBLEMS]) from error
    return Imported(questionnaire, plan.notes)


class ExportRefused(Exception):
    """pyxform would not convert the file; the message says why (pyxform's own words, in English)."""


def export_xlsform(*, questionnaire: Questionnaire, request: HttpRequest | None = None) -> bytes:
    """The questionnaire's current version as an XLSForm that pyxform converts to an XForm (checked here, so no one
    is handed a file ODK tools refuse: ExportRefused says why); the export is audited (ids only)."""
    data = xlsform_bytes(
        definition(questionnaire),
        languages=_languages(questionnaire.study),
        form_id=f"{questionnaire.kind}_{questionnaire.pk}",
        version=questionnaire.version,
    )
    if problem := pyxform_problem(data):
        raise ExportRefused(problem)
    record_event(
        action="questionnaire.exported_xlsform",
        request=request,
        study_id=questionnaire.study_id,
        target=questionnaire,
        detail={"questionnaire": questionnaire.pk, "version": questionnaire.version},
    )
    return data
