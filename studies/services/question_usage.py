"""What depends on a question: eligibility rules, quotas, later questions' skip logic and the answers given.

Deleting a question, renaming it, changing its type or removing a choice must not leave a rule, a quota or a skip
condition pointing at nothing (a rule that can never hold makes every applicant ineligible, silently), nor make
stored answers disagree with the questions that exports label them with. These reads say what an edit would break;
`studies.services.questionnaires` refuses the edit with their messages. Quotas are only read here: they belong to
the quota pages, so a key they use is never changed from here.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from studies.logic import answer_names, question_refs, rename_refs
from studies.models import EligibilityRule, Question, Questionnaire, ScreeningResponse, Stratum
from studies.services.question_checks import fields_of, logic_errors
from studies.services.rules import Target, question_target, rule_errors, rule_in_words, targets_of


@dataclass(frozen=True)
class Dependents:
    rules: list[EligibilityRule]
    strata: list[Stratum]
    questions: list[Question]

    def __bool__(self) -> bool:
        return bool(self.rules or self.strata or self.questions)

    def named(self) -> str:
        """“rule “age ≥ 18”, quota “Adults”, question “followup””: what the team sees in a refusal."""
        names = [_("rule “%(rule)s”") % {"rule": in_words(rule)} for rule in self.rules]
        names += [_("quota “%(name)s”") % {"name": stratum.name} for stratum in self.strata]
        names += [_("question “%(key)s”") % {"key": question.key} for question in self.questions]
        return ", ".join(names)


def in_words(rule: EligibilityRule) -> str:
    return rule_in_words(key=rule.key, operator=rule.operator, value=rule.value)


def stratum_dimensions(stratum: Stratum) -> list[tuple[str, list[str]]]:
    """A quota cell's (key, values) pairs: its own and those of its conditions."""
    pairs = [(stratum.key, stratum.values), *((c.get("key", ""), c.get("values", [])) for c in stratum.conditions)]
    return [(str(key), [str(value) for value in values]) for key, values in pairs]


def _strata(questionnaire: Questionnaire) -> list[Stratum]:
    # Quotas count screening answers only (studies.services.quotas).
    if questionnaire.kind != Questionnaire.Kind.SCREENING:
        return []
    return list(questionnaire.study.strata.order_by("name"))


def dependents_of_deletion(*, questionnaire: Questionnaire, question: Question, before: list[Question]) -> Dependents:
    """What uses the question or a derived value (age, region…) that no other question would still provide."""
    after = [other for other in before if other.pk != question.pk]
    keys = (set(targets_of(before)) - set(targets_of(after))) | {question.key}
    return Dependents(
        rules=[rule for rule in questionnaire.rules.order_by("id") if rule.key in keys],
        strata=[s for s in _strata(questionnaire) if {key for key, _values in stratum_dimensions(s)} & keys],
        questions=[other for other in after if question_refs(other) & set(answer_names(question))],
    )


def deletion_problems(*, questionnaire: Questionnaire, question: Question, questions: list[Question]) -> list[str]:
    """Why the question cannot be deleted (nothing when it can): what depends on it. Answers given to it stay with
    the questionnaire's version they answered (studies.services.questionnaire_versions), readable and exported.
    `questions` are the questionnaire's questions, in order."""
    problems = []
    if dependents := dependents_of_deletion(questionnaire=questionnaire, question=question, before=questions):
        problems.append(
            _("%(things)s use “%(key)s”: change or delete them first.")
            % {"things": dependents.named(), "key": question.key}
        )
    return problems


def answered(*, questionnaire: Questionnaire, question: Question) -> bool:
    """Whether any response to the questionnaire holds an answer to this question (by its saved key)."""
    responses = ScreeningResponse.objects.filter(questionnaire=questionnaire)
    if question.kind not in Question.FREE_TEXT_KINDS:
        # Closed answers are kept in plain attributes too (studies.services.eligibility.stored_attributes).
        return responses.filter(attributes__has_key=question.key).exists()
    # Free text lives only in the sealed answers: read them (the texts are not kept or logged).
    return any(question.key in answers for answers in responses.values_list("answers", flat=True).iterator())


def used_values(*, questionnaire: Questionnaire, key: str) -> set[str]:
    """The closed answers responses gave to a question, as texts (items of multiple-choice answers one by one)."""
    used: set[str] = set()
    rows = ScreeningResponse.objects.filter(questionnaire=questionnaire, attributes__has_key=key)
    for attributes in rows.values_list("attributes", flat=True).iterator():
        value = attributes.get(key)
        used.update(map(str, value) if isinstance(value, list) else [str(value)])
    return used


@dataclass(frozen=True)
class Edit:
    """A question before and after an edit, within the whole questionnaire."""

    questionnaire: Questionnaire
    before: list[Question]
    after: list[Question]
    old: Question
    new: Question

    @property
    def renamed(self) -> bool:
        return self.old.key != self.new.key

    def carried_rules(self) -> list[EligibilityRule]:
        """Rules that follow a renamed key (unless the old key stays meaningful, such as a derived `age`)."""
        if not self.renamed or self.old.key in targets_of(self.after):
            return []
        return [rule for rule in self.questionnaire.rules.order_by("id") if rule.key == self.old.key]

    def renames(self) -> dict[str, str]:
        """Old answer name -> new one, for each name the edit renames (a matrix's rows follow its key)."""
        if not self.renamed:
            return {}
        old, new = answer_names(self.old), answer_names(self.new)
        return dict(zip(old, new, strict=False)) if len(old) == len(new) else {self.old.key: self.new.key}

    def carried_questions(self) -> list[Question]:
        """Later questions whose logic (conditions, calculation, piped answers) names the renamed question; each
        is returned with the new names in place (studies.logic reads answers by name)."""
        renames = self.renames()
        carried = []
        for question in self.after:
            if question.pk == self.new.pk or not question_refs(question) & renames.keys():
                continue
            carried.append(carry_names(question, renames))
        return carried


def carry_names(question: Question, renames: dict[str, str]) -> Question:
    """The question with every reference to an old name rewritten to the new one."""
    question.conditions = [
        {**condition, "key": renames.get(condition["key"], condition["key"])} for condition in question.conditions
    ]

    def texts(mapping: dict[str, str]) -> dict[str, str]:
        return {language: _renamed(text, renames) for language, text in (mapping or {}).items()}

    question.calculation = _renamed(question.calculation, renames)
    question.text, question.help_text = texts(question.text), texts(question.help_text)
    question.choices = [{**choice, "labels": texts(choice.get("labels", {}))} for choice in question.choices]
    question.rows = [{**row, "labels": texts(row.get("labels", {}))} for row in question.rows]
    return question


def _renamed(text: str, renames: dict[str, str]) -> str:
    for old, new in renames.items():
        text = rename_refs(text, old, new)
    return text


def edit_problems(edit: Edit) -> list[str]:
    """What the edit would break that was sound before it: rules, later questions' logic, quotas."""
    return [*_rule_problems(edit), *_logic_problems(edit), *_stratum_problems(edit)]


def _rule_problems(edit: Edit) -> list[str]:
    before, after = targets_of(edit.before), targets_of(edit.after)
    carried = {rule.pk for rule in edit.carried_rules()}
    problems = []
    for rule in edit.questionnaire.rules.order_by("id"):
        key = edit.new.key if rule.pk in carried else rule.key
        was = rule_errors(
            questionnaire=edit.questionnaire, key=rule.key, operator=rule.operator, value=rule.value, targets=before
        )
        now = rule_errors(
            questionnaire=edit.questionnaire, key=key, operator=rule.operator, value=rule.value, targets=after
        )
        if now and not was:
            problems.append(
                _("The rule “%(rule)s” would no longer hold: %(reason)s") % {"rule": in_words(rule), "reason": now[0]}
            )
    return problems


def _logic_problems(edit: Edit) -> list[str]:
    """Later questions whose conditions, calculation or piped answers the edit would break (a renamed question's
    references are carried, so only a new type or new values can break them)."""
    names = set(answer_names(edit.old)) | set(answer_names(edit.new))
    renames = edit.renames()
    problems = []
    for position, question in enumerate(edit.after):
        if question.pk == edit.new.pk or not question_refs(question) & names:
            continue
        was = logic_errors(fields_of(question), _earlier(edit.before, question))
        now = logic_errors(fields_of(carry_names(copy.copy(question), renames)), edit.after[:position])
        if now and not was:
            problems.append(
                _("Question “%(key)s” depends on this one: %(reason)s") % {"key": question.key, "reason": now[0][1]}
            )
    return problems


def _earlier(questions: list[Question], question: Question) -> list[Question]:
    index = next(i for i, other in enumerate(questions) if other.pk == question.pk)
    return questions[:index]


def _stratum_problems(edit: Edit) -> list[str]:
    before, after = targets_of(edit.before), targets_of(edit.after)
    mine = set(targets_of([edit.old]))
    problems = []
    for stratum in _strata(edit.questionnaire):
        for key, values in stratum_dimensions(stratum):
            if key in mine and _fits(before.get(key), values) and not _fits(after.get(key), values):
                problems.append(
                    _("The quota “%(name)s” uses “%(key)s” with the answers %(values)s: change the quota first.")
                    % {"name": stratum.name, "key": key, "values": ", ".join(values)}
                )
                break
    return problems


def _fits(target: Target | None, values: Iterable[str]) -> bool:
    return target is not None and (target.allowed is None or set(values) <= target.allowed)


def answer_problems(*, questionnaire: Questionnaire, old: Question, new: Question) -> list[tuple[str, str]]:
    """(field, message) for changes that stored answers forbid: the key, the type, a choice value they used."""
    if old.key == new.key and old.kind == new.kind and _kept_values(old, new):
        return []
    if not answered(questionnaire=questionnaire, question=old):
        return []
    problems = []
    if old.key != new.key:
        problems.append(
            (
                "key",
                _("People have answered this question, so its key stays “%(key)s” (exports and past answers use it).")
                % {"key": old.key},
            )
        )
    if old.kind != new.kind:
        problems.append(("kind", _("People have answered this question, so its type cannot change.")))
    removed = _removed_values(old, new) & used_values(questionnaire=questionnaire, key=old.key)
    if removed and old.kind == new.kind:
        problems.append(
            (
                "choices",
                _("People have answered %(values)s: keep these choices (you may change their labels).")
                % {"values": ", ".join(sorted(removed))},
            )
        )
    return problems


def _removed_values(old: Question, new: Question) -> set[str]:
    before, after = question_target(old), question_target(new)
    if before is None or before.allowed is None:
        return set()
    return set(before.allowed - (after.allowed or frozenset()) if after is not None else before.allowed)


def _kept_values(old: Question, new: Question) -> bool:
    return not _removed_values(old, new)
