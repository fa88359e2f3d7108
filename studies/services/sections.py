"""A questionnaire's sections (titled steps a participant answers one at a time) and its publication.

Like every builder write (studies.services.questionnaires), each change locks the questionnaire's row, checks
first, writes in one transaction with its audit entry (ids and keys only), and starts a new version when people
answered the current one.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from studies.models import Questionnaire, Section
from studies.services.questionnaire_versions import start_version_if_answered
from studies.services.questionnaires import (
    check_order,
    current_questions,
    current_sections,
    in_order,
    lock_questionnaire,
    refuse,
    renumber,
)

SECTION_KEY = re.compile(r"[-a-zA-Z0-9_]{1,60}")


def _audit(action: str, request: HttpRequest | None, questionnaire: Questionnaire, **detail: object) -> None:
    record_event(
        action=action,
        request=request,
        study_id=questionnaire.study_id,
        target=questionnaire,
        detail={"questionnaire": questionnaire.pk, **detail},
    )


def _title_errors(questionnaire: Questionnaire, key: str, title: dict[str, str], others: list[Section]) -> None:
    if not SECTION_KEY.fullmatch(key):
        raise refuse(_("Use letters, digits, - and _ only (at most 60), such as about_you."), "key")
    if any(section.key == key for section in others):
        raise refuse(_("Another section already uses this key."), "key")
    missing = [language for language in questionnaire.study.languages or ["en"] if not title.get(language, "").strip()]
    if missing:
        raise refuse(_("Write the title in every study language."), f"title_{missing[0]}")


@transaction.atomic
def create_section(
    *, questionnaire: Questionnaire, key: str, title: dict[str, str], request: HttpRequest | None = None
) -> Section:
    """A new section after the last one; questions are moved into it from the builder page."""
    questionnaire = lock_questionnaire(questionnaire)
    sections = current_sections(questionnaire)
    _title_errors(questionnaire, key, title, sections)
    last = questionnaire.sections.aggregate(last=Max("position"))["last"]
    section = Section.objects.create(
        questionnaire=questionnaire, key=key, title=title, position=0 if last is None else last + 1
    )
    _audit("section.created", request, questionnaire, section=section.pk, key=key)
    return section


@transaction.atomic
def edit_section(*, section: Section, key: str, title: dict[str, str], request: HttpRequest | None = None) -> Section:
    questionnaire = lock_questionnaire(section.questionnaire)
    others = [other for other in current_sections(questionnaire) if other.pk != section.pk]
    _title_errors(questionnaire, key, title, others)
    start_version_if_answered(questionnaire)
    section.key, section.title = key, title
    section.save(update_fields=["key", "title", "updated_at"])
    _audit("section.updated", request, questionnaire, section=section.pk, key=key)
    return section


@transaction.atomic
def delete_section(*, section: Section, request: HttpRequest | None = None) -> None:
    """Delete a section; its questions join the section before it (or go before the first section)."""
    questionnaire = lock_questionnaire(section.questionnaire)
    sections = current_sections(questionnaire)
    index = next((i for i, other in enumerate(sections) if other.pk == section.pk), None)
    if index is None:
        raise refuse(_("This section was deleted meanwhile."))
    start_version_if_answered(questionnaire)
    before = sections[index - 1].pk if index > 0 else None
    questions = current_questions(questionnaire)
    for question in questions:
        if question.section_id == section.pk:
            question.section_id = before
            question.save(update_fields=["section", "updated_at"])
    _audit("section.deleted", request, questionnaire, section=section.pk, key=section.key)
    section.delete()
    renumber(in_order(questions, [other for other in sections if other.pk != section.pk]))


@transaction.atomic
def move_section(*, section: Section, up: bool, request: HttpRequest | None = None) -> bool:
    """Swap a section with the one above (or below), questions and all; refused when a question would then come
    before an answer its logic reads."""
    questionnaire = lock_questionnaire(section.questionnaire)
    sections = current_sections(questionnaire)
    index = next(i for i, other in enumerate(sections) if other.pk == section.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(sections):
        return False
    sections[index], sections[other] = sections[other], sections[index]
    ordered = in_order(current_questions(questionnaire), sections)
    check_order(ordered)
    start_version_if_answered(questionnaire)
    for position, moved in enumerate(sections):
        if moved.position != position:
            moved.position = position
            moved.save(update_fields=["position", "updated_at"])
    renumber(ordered)
    _audit("section.moved", request, questionnaire, section=section.pk)
    return True


@transaction.atomic
def publish(*, questionnaire: Questionnaire, request: HttpRequest | None = None) -> Questionnaire:
    """Make a draft questionnaire the one participants answer (a questionnaire without questions stays a draft)."""
    questionnaire = lock_questionnaire(questionnaire)
    if questionnaire.published_at is not None:
        return questionnaire
    if not questionnaire.questions.exists():
        raise refuse(_("Add at least one question before publishing."))
    questionnaire.published_at = timezone.now()
    questionnaire.save(update_fields=["published_at", "updated_at"])
    _audit("questionnaire.published", request, questionnaire, version=questionnaire.version)
    return questionnaire
