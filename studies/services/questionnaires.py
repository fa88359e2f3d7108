"""The questionnaire builder's writes: questionnaires, their questions and eligibility rules.

Every change a team member makes locks the questionnaire's row first, so two people editing at once take turns and
the checks see what is there: the fields themselves (studies.services.question_checks), what depends on a question
(studies.services.question_usage) and each rule (studies.services.rules). Nothing is written unless all of it is
sound, in one transaction with its audit entries (ids and keys only). An archived study's questionnaires are
read-only. `add_question` and `add_rule` are the plain inserts the demo loader (seeds) also uses.
"""

from __future__ import annotations

import copy
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from studies.logic import answer_names, question_refs
from studies.models import EligibilityRule, Question, Questionnaire, Section, Study
from studies.services import question_usage as usage
from studies.services.question_checks import QuestionFields, fields_of, key_errors, question_errors
from studies.services.questionnaire_versions import start_version_if_answered
from studies.services.rules import rule_errors, rule_targets
from studies.services.safety_setup import SafetySetupError, coverage_gaps, keep_covered

# What a rename of a question rewrites in the questions that read its answers (question_usage.carry_names).
CARRIED_FIELDS = ("conditions", "calculation", "text", "help_text", "choices", "rows")


class QuestionnaireError(Exception):
    """A change that cannot be made; each message is for the team member (in their language), with the form
    field it concerns where there is one."""

    def __init__(self, errors: list[tuple[str | None, str]]) -> None:
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors


def refuse(message: str, field: str | None = None) -> QuestionnaireError:
    return QuestionnaireError([(field, message)])


def _keep_crisis_cover(study: Study, before: set[str]) -> None:
    """A rule that names a new recruiting country needs its crisis resource first while the study recruits."""
    try:
        keep_covered(study, before)
    except SafetySetupError as error:
        raise refuse(str(error), "value") from error


def lock_questionnaire(questionnaire: Questionnaire) -> Questionnaire:
    locked = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if Study.objects.filter(pk=locked.study_id, status=Study.Status.ARCHIVED).exists():
        raise refuse(_("This study is archived: its questionnaires can no longer change."))
    return locked


def current_questions(questionnaire: Questionnaire) -> list[Question]:
    return list(Question.objects.filter(questionnaire=questionnaire).order_by("position", "id"))


def _find(questions: list[Question], pk: int) -> int:
    for index, question in enumerate(questions):
        if question.pk == pk:
            return index
    raise refuse(_("This question was deleted meanwhile."))


def renumber(questions: list[Question]) -> None:
    """Positions 0..n-1 in this order (rows from the admin or the loader may share a position or leave gaps)."""
    moved = []
    for position, question in enumerate(questions):
        if question.position != position:
            question.position = position
            moved.append(question)
    Question.objects.bulk_update(moved, ["position"])


def _audit(action: str, request: HttpRequest | None, target: Question | EligibilityRule, **detail: Any) -> None:
    questionnaire = target.questionnaire
    row = "question" if isinstance(target, Question) else "rule"
    ids = {"questionnaire": questionnaire.pk, row: target.pk, "key": target.key}
    record_event(
        action=action, request=request, study_id=questionnaire.study_id, target=target, detail={**ids, **detail}
    )


DEFAULT_MIN_COMPLETION_SECONDS = 20


@transaction.atomic
def create_questionnaire(
    *,
    study: Study,
    kind: str,
    title: dict[str, str],
    available_from: str = Questionnaire.Stage.CONSENTED,
    min_completion_seconds: int = DEFAULT_MIN_COMPLETION_SECONDS,
    draft: bool = False,
    request: HttpRequest | None = None,
) -> Questionnaire:
    """A new questionnaire; a study has at most one screening questionnaire (database constraint, IntegrityError).

    Responses faster than `min_completion_seconds` are flagged for review as likely automated. A `draft` (the
    builder's) is not shown to participants until it is published (studies.services.sections.publish)."""
    if study.status == Study.Status.ARCHIVED:
        raise refuse(_("This study is archived: its questionnaires can no longer change."))
    questionnaire = Questionnaire.objects.create(
        study=study,
        kind=kind,
        title=title,
        available_from=available_from,
        min_completion_seconds=min_completion_seconds,
        published_at=None if draft else timezone.now(),
    )
    record_event(
        action="questionnaire.created",
        request=request,
        study_id=study.pk,
        target=questionnaire,
        detail={"questionnaire": questionnaire.pk, "kind": kind},
    )
    return questionnaire


@transaction.atomic
def add_question(*, questionnaire: Questionnaire, **fields: Any) -> Question:
    """Append a question (after the last one unless a position is given), unchecked: the demo loader's insert."""
    if fields.get("position") is None:
        last = questionnaire.questions.aggregate(last=Max("position"))["last"]
        fields["position"] = 0 if last is None else last + 1
    return Question.objects.create(questionnaire=questionnaire, **fields)


@transaction.atomic
def add_rule(*, questionnaire: Questionnaire, key: str, operator: str, value: Any, description: str) -> EligibilityRule:
    """Insert a rule, unchecked: the demo loader's insert (the team's pages use `create_rule`)."""
    return EligibilityRule.objects.create(
        questionnaire=questionnaire, key=key, operator=operator, value=value, description=description
    )


def _check_fields(
    questionnaire: Questionnaire, fields: QuestionFields, earlier: list[Question], others: list[Question]
) -> None:
    languages = questionnaire.study.languages or ["en"]
    errors = question_errors(fields=fields, languages=languages, earlier=earlier, others=others)
    if errors:
        raise QuestionnaireError([(field, message) for field, message in errors])


@transaction.atomic
def create_question(
    *, questionnaire: Questionnaire, fields: QuestionFields, request: HttpRequest | None = None
) -> Question:
    """Append a checked question. The caller has checked the team member's role."""
    questionnaire = lock_questionnaire(questionnaire)
    questions = current_questions(questionnaire)
    sections = current_sections(questionnaire)
    if fields.get("section_id") is not None and fields["section_id"] not in {s.pk for s in sections}:
        raise refuse(_("This section was deleted meanwhile."), "section")
    # A question goes to the end of its section: the questions above it are what its logic may read. (After the
    # last position, not at len(questions): rows from the admin or the loader may leave gaps.)
    end = questions[-1].position + 1 if questions else 0
    placed = in_order([*questions, Question(**{**fields, "position": end})], sections)
    index = next(i for i, q in enumerate(placed) if q.pk is None)
    _check_fields(questionnaire, fields, earlier=placed[:index], others=questions)
    start_version_if_answered(questionnaire)
    question = add_question(questionnaire=questionnaire, **{**fields, "position": end})
    renumber(in_order([*questions, question], sections))
    _audit("question.created", request, question)
    return question


def current_sections(questionnaire: Questionnaire) -> list[Section]:
    return list(Section.objects.filter(questionnaire=questionnaire).order_by("position", "id"))


def _values(question: Question) -> tuple[str, list[str]]:
    """What a scored scale's item is scored on (studies.scales): its type and its choices' values, in order."""
    return question.kind, [str(choice.get("value")) for choice in question.choices]


@transaction.atomic
def edit_question(*, question: Question, fields: QuestionFields, request: HttpRequest | None = None) -> Question:
    """Change any of a question's fields. A new key is carried to the rules and skip conditions that used the old
    one; an edit that would break a rule, a skip condition or a quota, or change what stored answers mean (key,
    type, a choice value someone chose), is refused."""
    questionnaire = lock_questionnaire(question.questionnaire)
    before = current_questions(questionnaire)
    index = _find(before, question.pk)
    old = before[index]
    _check_fields(questionnaire, fields, earlier=before[:index], others=before[:index] + before[index + 1 :])
    new = copy.copy(old)
    for name, value in fields.items():
        setattr(new, name, value)
    if problems := usage.answer_problems(questionnaire=questionnaire, old=old, new=new):
        raise QuestionnaireError([(field, message) for field, message in problems])
    if old.scale_key and _values(old) != _values(new):
        raise refuse(
            _(
                "This is an item of a scored scale: its type and answer values are what it scores, so they stay; its "
                "wording and the answers' labels can change."
            ),
            "choices",
        )
    edit = usage.Edit(questionnaire, before, [*before[:index], new, *before[index + 1 :]], old, new)
    if broken := usage.edit_problems(edit):
        raise QuestionnaireError([(None, message) for message in broken])
    changed = [name for name, value in fields.items() if getattr(old, name) != value]
    if not changed:
        return old
    if "section_id" in changed:
        raise refuse(_("Move the question to another section with the arrows or by dragging it."), "section")
    start_version_if_answered(questionnaire)
    new.save(update_fields=[*changed, "updated_at"])
    rules, dependents = edit.carried_rules(), edit.carried_questions()
    for rule in rules:
        rule.key = new.key
        rule.save(update_fields=["key", "updated_at"])
        _audit("rule.updated", request, rule, fields=["key"], renamed_from=old.key)
    for dependent in dependents:
        dependent.save(update_fields=[*CARRIED_FIELDS, "updated_at"])
        _audit("question.updated", request, dependent, fields=list(CARRIED_FIELDS))
    renamed = {"renamed_from": old.key} if edit.renamed else {}
    _audit("question.updated", request, new, fields=changed, **renamed)
    return new


@transaction.atomic
def duplicate_question(*, question: Question, key: str, request: HttpRequest | None = None) -> Question:
    """A copy of the question under a new key, placed right after it (so its skip logic still looks back)."""
    questionnaire = lock_questionnaire(question.questionnaire)
    questions = current_questions(questionnaire)
    index = _find(questions, question.pk)
    original = questions[index]
    if errors := key_errors(key=key, kind=original.kind, others=questions):
        raise refuse(errors[0], "key")
    start_version_if_answered(questionnaire)
    copied = Question.objects.create(
        questionnaire=questionnaire, **{**fields_of(original), "key": key, "position": index + 1}
    )
    renumber([*questions[: index + 1], copied, *questions[index + 1 :]])
    _audit("question.created", request, copied, copied_from=original.pk)
    return copied


@transaction.atomic
def move_question(*, question: Question, up: bool, request: HttpRequest | None = None) -> bool:
    """Swap the question with its neighbour above (or below); False when it is already first (or last). A question
    never moves above the one its skip logic reads."""
    questionnaire = lock_questionnaire(question.questionnaire)
    questions = current_questions(questionnaire)
    index = _find(questions, question.pk)
    other = index - 1 if up else index + 1
    sections = list(questionnaire.sections.order_by("position", "id"))
    moving = questions[index]
    if not 0 <= other < len(questions):
        # First (or last) of the questionnaire, or of the last section: into the section before (or after).
        return _cross(questionnaire, questions, sections, moving, up=up, request=request)
    if questions[other].section_id != moving.section_id:
        return _cross(questionnaire, questions, sections, moving, up=up, request=request)
    upper, lower = sorted((index, other))
    questions[upper], questions[lower] = questions[lower], questions[upper]
    check_order(questions)
    start_version_if_answered(questionnaire)
    renumber(questions)
    _audit("question.moved", request, questions[other], **{"from": index, "to": other})
    return True


def _cross(
    questionnaire: Questionnaire,
    questions: list[Question],
    sections: list[Section],
    moving: Question,
    *,
    up: bool,
    request: HttpRequest | None,
) -> bool:
    """Move a question at the edge of its section into the neighbouring section (at its end, or its start)."""
    order: list[Section | None] = [None, *sections]
    here = next(i for i, section in enumerate(order) if (section.pk if section else None) == moving.section_id)
    there = here - 1 if up else here + 1
    if not 0 <= there < len(order):
        return False
    target = order[there]
    start_version_if_answered(questionnaire)
    moving.section_id = target.pk if target else None
    moving.save(update_fields=["section", "updated_at"])
    questions = in_order(questions, sections)
    if up:  # at the end of the section above
        questions.remove(moving)
        last = max((i for i, q in enumerate(questions) if q.section_id == moving.section_id), default=-1)
        questions.insert(last + 1, moving)
    check_order(questions)
    renumber(questions)
    _audit("question.moved", request, moving, section=moving.section_id)
    return True


def in_order(questions: list[Question], sections: list[Section]) -> list[Question]:
    """The questions as the page shows them: those before the first section, then each section's, each group in
    its current order."""
    rank = {section.pk: index for index, section in enumerate(sections)}
    return sorted(questions, key=lambda q: (-1 if q.section_id is None else rank.get(q.section_id, 0), q.position))


def check_order(questions: list[Question]) -> None:
    """Every question stays below the answers its logic reads."""
    seen: set[str] = set()
    for question in questions:
        missing = sorted(question_refs(question) - seen)
        if missing:
            raise refuse(
                _("“%(key)s” reads the answer to “%(other)s”, so it must stay below it.")
                % {"key": question.key, "other": missing[0]}
            )
        seen.update(answer_names(question))


def _section_place(section: Section) -> tuple[int, int]:
    return section.position, section.pk


@transaction.atomic
def reorder_questions(
    *, questionnaire: Questionnaire, order: list[tuple[int, int | None]], request: HttpRequest | None = None
) -> None:
    """Put the questions in this order, each in the section given [(question id, section id or None), ...] (a
    drag and drop on the builder page). Every question must be named once; the result must keep each question
    below the answers it reads."""
    questionnaire = lock_questionnaire(questionnaire)
    questions = {question.pk: question for question in current_questions(questionnaire)}
    sections = {section.pk: section for section in questionnaire.sections.all()}
    ids = [pk for pk, _section in order]
    if sorted(ids) != sorted(questions) or any(s is not None and s not in sections for _pk, s in order):
        raise refuse(_("The questionnaire changed meanwhile: reload the page and try again."))
    # The sent order itself, checked against the sections' order (not re-sorted by the old positions).
    rank = {section.pk: index for index, section in enumerate(sorted(sections.values(), key=_section_place))}
    ranks = [-1 if section_id is None else rank[section_id] for _pk, section_id in order]
    if ranks != sorted(ranks):
        raise refuse(_("Keep each section's questions together, under its title."))
    ordered = []
    for pk, section_id in order:
        question = questions[pk]
        if question.section_id != section_id:
            question.section_id = section_id
            question.save(update_fields=["section", "updated_at"])
        ordered.append(question)
    check_order(ordered)
    start_version_if_answered(questionnaire)
    renumber(ordered)
    record_event(
        action="questionnaire.reordered",
        request=request,
        study_id=questionnaire.study_id,
        target=questionnaire,
        detail={"questionnaire": questionnaire.pk},
    )


@transaction.atomic
def delete_question(*, question: Question, request: HttpRequest | None = None) -> None:
    """Delete a question nothing depends on; later questions move up. Answers given to it stay with the version
    they answered."""
    questionnaire = lock_questionnaire(question.questionnaire)
    questions = current_questions(questionnaire)
    target = questions[_find(questions, question.pk)]
    if problems := usage.deletion_problems(questionnaire=questionnaire, question=target, questions=questions):
        raise QuestionnaireError([(None, message) for message in problems])
    start_version_if_answered(questionnaire)
    _audit("question.deleted", request, target)
    target.delete()
    renumber([other for other in questions if other.pk != target.pk])


def _fresh(rule: EligibilityRule) -> EligibilityRule:
    fresh = EligibilityRule.objects.select_related("questionnaire").filter(pk=rule.pk).first()
    if fresh is None:
        raise refuse(_("This rule was deleted meanwhile."))
    return fresh


def _check_rule(questionnaire: Questionnaire, key: str, operator: str, value: Any) -> None:
    targets = rule_targets(questionnaire)
    if errors := rule_errors(questionnaire=questionnaire, key=key, operator=operator, value=value, targets=targets):
        raise QuestionnaireError([("key" if key not in targets else "value", message) for message in errors])


@transaction.atomic
def create_rule(
    *,
    questionnaire: Questionnaire,
    key: str,
    operator: str,
    value: Any,
    description: str,
    request: HttpRequest | None = None,
) -> EligibilityRule:
    """Add a rule after checking it against the questions (studies.services.rules)."""
    questionnaire = lock_questionnaire(questionnaire)
    if questionnaire.kind != Questionnaire.Kind.SCREENING:
        raise refuse(
            _("Eligibility rules belong to the screening questionnaire: only its answers decide who may take part.")
        )
    _check_rule(questionnaire, key, operator, value)
    gaps = coverage_gaps(questionnaire.study)
    rule = add_rule(questionnaire=questionnaire, key=key, operator=operator, value=value, description=description)
    _keep_crisis_cover(questionnaire.study, gaps)
    _audit("rule.created", request, rule, operator=operator)
    return rule


@transaction.atomic
def edit_rule(
    *,
    rule: EligibilityRule,
    key: str,
    operator: str,
    value: Any,
    description: str,
    request: HttpRequest | None = None,
) -> EligibilityRule:
    """Change a rule; the new version must hold up like a new rule."""
    questionnaire = lock_questionnaire(rule.questionnaire)
    rule = _fresh(rule)
    _check_rule(questionnaire, key, operator, value)
    gaps = coverage_gaps(questionnaire.study)
    new = {"key": key, "operator": operator, "value": value, "description": description}
    changed = [name for name, item in new.items() if getattr(rule, name) != item]
    for name in changed:
        setattr(rule, name, new[name])
    rule.save(update_fields=[*changed, "updated_at"])
    _keep_crisis_cover(questionnaire.study, gaps)
    _audit("rule.updated", request, rule, operator=operator, fields=changed)
    return rule


@transaction.atomic
def delete_rule(*, rule: EligibilityRule, request: HttpRequest | None = None) -> None:
    lock_questionnaire(rule.questionnaire)
    rule = _fresh(rule)
    _audit("rule.deleted", request, rule, operator=rule.operator)
    rule.delete()
