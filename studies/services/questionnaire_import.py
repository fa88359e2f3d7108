"""A whole questionnaire from elsewhere (an XLSForm, a REDCap data dictionary): checked as a whole, then created as a
draft in one transaction, or refused with every problem and nothing created.

Importers (studies.xlsform) turn their file into sections and question fields; the same checks as the builder's
(studies.services.question_checks) apply to each question against the ones before it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.audit import record_event
from studies.models import Question, Questionnaire, Section, Study
from studies.services.question_checks import QuestionFields, blank_fields, question_errors
from studies.services.questionnaires import QuestionnaireError
from studies.services.sections import SECTION_KEY

# Every field a question dict may carry besides its key, kind and section, at its default.
DEFAULTS: dict[str, Any] = {
    name: value for name, value in blank_fields("", "").items() if name not in ("key", "kind", "section_id")
}
MAX_QUESTIONS = 500


def _section_errors(sections: list[dict[str, Any]], languages: list[str]) -> list[tuple[str | None, str]]:
    errors: list[tuple[str | None, str]] = []
    seen: set[str] = set()
    for section in sections:
        key = str(section.get("key", ""))
        if not SECTION_KEY.fullmatch(key):
            errors.append(
                (key, _("“%(key)s” cannot be a section key: use letters, digits, - and _ only.") % {"key": key})
            )
        elif key in seen:
            errors.append((key, _("Two sections use the key “%(key)s”.") % {"key": key}))
        seen.add(key)
        missing = [language for language in languages if not str(section.get("title", {}).get(language, "")).strip()]
        if missing:
            errors.append(
                (
                    key,
                    _("The section “%(key)s” has no title in: %(languages)s.")
                    % {"key": key, "languages": ", ".join(missing)},
                )
            )
    return errors


def check_questionnaire(
    *,
    study: Study,
    kind: str,
    sections: list[dict[str, Any]],
    questions: list[dict[str, Any]],
    languages: list[str] | None = None,
) -> list[tuple[str | None, str]]:
    """Every problem with this questionnaire, as (question or section key, message); nothing when it can be made.
    `languages` are those the file is written in (default: every study language); the builder flags the others as
    untranslated, and a launch waits for them (studies.services.launch)."""
    languages = languages or study.languages or ["en"]
    errors = _section_errors(sections, languages)
    if study.status == Study.Status.ARCHIVED:
        errors.append((None, _("This study is archived: its questionnaires can no longer change.")))
    if kind not in Questionnaire.Kind.values:
        errors.append((None, _("Pick a kind of questionnaire from the list.")))
    elif kind == Questionnaire.Kind.SCREENING and study.questionnaires.filter(kind=kind).exists():
        errors.append((None, _("This study already has a screening questionnaire.")))
    if not questions:
        errors.append((None, _("There is no question to import.")))
    if len(questions) > MAX_QUESTIONS:
        errors.append((None, _("A questionnaire has at most %(count)d questions.") % {"count": MAX_QUESTIONS}))
        return errors
    order = [str(section.get("key", "")) for section in sections]
    built: list[Question] = []
    last_section = -1
    for fields in questions:
        key, section = str(fields.get("key", "")), str(fields.get("section", ""))
        if section and section not in order:
            errors.append((key, _("The section “%(key)s” does not exist.") % {"key": section}))
        rank = order.index(section) if section in order else -1
        if rank < last_section:
            errors.append((key, _("Keep each section's questions together, in the order of the sections.")))
        last_section = max(last_section, rank)
        checked = QuestionFields(**{**DEFAULTS, **_known(fields), "section_id": None})  # type: ignore[typeddict-item]
        problems = question_errors(fields=checked, languages=languages, earlier=built, others=built)
        errors += [(key, message) for _field, message in problems]
        built.append(Question(**checked))
    return errors


def _known(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if name in (*DEFAULTS, "key", "kind")}


@transaction.atomic
def import_questionnaire(
    *,
    study: Study,
    kind: str,
    title: dict[str, str],
    sections: list[dict[str, Any]],
    questions: list[dict[str, Any]],
    available_from: str = Questionnaire.Stage.CONSENTED,
    source: str = "import",
    languages: list[str] | None = None,
    request: HttpRequest | None = None,
) -> Questionnaire:
    """Create the questionnaire as a draft, with its sections and questions, or raise QuestionnaireError listing
    every problem (keyed by question or section key) and create nothing. The caller has checked the role."""
    Study.objects.select_for_update().filter(pk=study.pk).first()
    checked = check_questionnaire(study=study, kind=kind, sections=sections, questions=questions, languages=languages)
    if errors := checked:
        raise QuestionnaireError(errors)
    questionnaire = Questionnaire.objects.create(
        study=study, kind=kind, title=title, available_from=available_from, published_at=None
    )
    made = {
        str(section["key"]): Section.objects.create(
            questionnaire=questionnaire, position=position, key=section["key"], title=section["title"]
        )
        for position, section in enumerate(sections)
    }
    Question.objects.bulk_create(
        Question(
            questionnaire=questionnaire,
            position=position,
            section=made.get(str(fields.get("section", ""))),
            **{**DEFAULTS, **_known(fields)},
        )
        for position, fields in enumerate(questions)
    )
    record_event(
        action="questionnaire.imported",
        request=request,
        study_id=study.pk,
        target=questionnaire,
        detail={"questionnaire": questionnaire.pk, "kind": kind, "questions": len(questions), "source": source},
    )
    return questionnaire
