"""Setting up a study's quotas in the browser: strata (add, edit, delete), the stage at which people count, and
the read behind the quotas page (live counts beside each target).

A stratum names a closed screening question or a derived value (`age_band`, `region`, `country`) and some of
the values it can take; `conditions` narrow it to an intersectional cell (women in Africa). A key nobody answers,
or a value no answer can take, would make a stratum that never fills and quietly steers selection, so each is
refused with a message that says what to fix: here, for every caller, and by the form (studies.forms.quotas),
which shows the same messages beside the fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.audit import record_event
from studies.models import Questionnaire, QuotaStage, Stratum, Study
from studies.services.quotas import stratum_counts
from studies.services.rules import Target, rule_targets
from studies.services.safety_setup import SafetySetupError, coverage_gaps, keep_covered

# The kinds of key a quota can use: a value out of a closed list. Numbers go through their band (`age_band`);
# a confirmation checkbox holds one value for everyone who may take part.
QUOTA_KINDS = frozenset({"choice", "multiple"})
MAX_CONDITIONS = 3
# A key with more possible values than this (countries, languages) is typed as a list of codes, not ticked.
LONG_LIST = 30


class QuotaSetupError(Exception):
    """A change to the quotas that cannot be made; the message is for the team member, in their language."""


@dataclass(frozen=True)
class StratumDraft:
    """A stratum as the team describes it; `conditions` as stored: [{"key": ..., "values": [...]}]."""

    name: str
    key: str
    values: list[str]
    target: int
    maximum: int
    conditions: list[dict[str, Any]] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        return {
            "name": self.name.strip(),
            "key": self.key,
            "values": list(self.values),
            "conditions": [{"key": c["key"], "values": list(c["values"])} for c in self.conditions],
            "target": self.target,
            "maximum": self.maximum,
        }


def screening_of(study: Study) -> Questionnaire | None:
    """The study's screening questionnaire with its questions loaded (one query each), or None before it has one."""
    return (
        Questionnaire.objects.prefetch_related("questions")
        .filter(study=study, kind=Questionnaire.Kind.SCREENING)
        .first()
    )


def quota_targets(questionnaire: Questionnaire | None) -> dict[str, Target]:
    """Every key a stratum may name, with the values it can take (studies.services.rules knows both). Risk items
    and attention checks are left out: they screen people, they do not describe the sample."""
    if questionnaire is None:
        return {}
    checks = {q.key for q in questionnaire.questions.all() if q.is_risk_item or q.is_attention_check}
    targets = rule_targets(questionnaire)
    return {
        key: target
        for key, target in targets.items()
        if target.kind in QUOTA_KINDS and target.allowed and key not in checks
    }


def key_problem(key: str, targets: dict[str, Target]) -> str | None:
    """Why a stratum cannot use this key (it names no closed screening question or derived value), or None."""
    if key in targets:
        return None
    known = ", ".join(sorted(targets)) or _("none yet: add a choice, country or language question to the screening")
    message = _(
        "No screening question or derived value called “%(key)s” can hold a quota. Keys you can use: %(known)s."
    )
    return message % {"key": key, "known": known}


def values_problem(key: str, values: list[str], targets: dict[str, Target]) -> str | None:
    """Why these values do not fit the key (none picked, or one no answer can take), or None."""
    target = targets.get(key)
    if target is None:
        return None  # the key's own problem says it
    if not values:
        return _("Pick at least one value of “%(key)s”.") % {"key": key}
    impossible = [value for value in values if value not in (target.allowed or ())]
    if not impossible:
        return None
    allowed = sorted(target.allowed or ())
    if len(allowed) > LONG_LIST:
        return _("No answer to “%(key)s” can be %(values)s: check the codes (for example %(examples)s).") % {
            "key": key, "values": ", ".join(impossible), "examples": ", ".join(allowed[:3])}  # fmt: skip
    return _("No answer to “%(key)s” can be %(values)s. Possible values: %(choices)s.") % {
        "key": key, "values": ", ".join(impossible), "choices": ", ".join(allowed)}  # fmt: skip


def stratum_problems(*, draft: StratumDraft, targets: dict[str, Target]) -> dict[str, str]:
    """What is wrong with a stratum, by the part it concerns ("key", "values", "condition_<n>_key",
    "condition_<n>_values", "maximum"; the form's field names), or nothing when it is sound."""
    problems: dict[str, str] = {}
    seen = {draft.key}
    parts = [("key", "values", draft.key, draft.values)]
    parts += [
        (f"condition_{n}_key", f"condition_{n}_values", c["key"], c["values"]) for n, c in enumerate(draft.conditions)
    ]
    for key_part, values_part, key, values in parts:
        if problem := key_problem(key, targets):
            problems[key_part] = problem
        elif problem := values_problem(key, [str(v) for v in values], targets):
            problems[values_part] = problem
        if key_part != "key" and key in seen:
            problems[key_part] = _("The stratum already uses “%(key)s”; a condition needs another key.") % {"key": key}
        seen.add(key)
    if len(draft.conditions) > MAX_CONDITIONS:
        problems["conditions"] = _("A stratum takes at most %(count)s conditions.") % {"count": MAX_CONDITIONS}
    if draft.maximum < draft.target:
        problems["maximum"] = _("The maximum (%(maximum)s) cannot be below the target (%(target)s).") % {
            "maximum": draft.maximum, "target": draft.target}  # fmt: skip
    return problems


def name_taken(*, study: Study, name: str, stratum: Stratum | None = None) -> bool:
    """Whether another stratum of the study has this name (ignoring case: "Women" and "women" would confuse)."""
    others = Stratum.objects.filter(study=study, name__iexact=name.strip())
    return others.exclude(pk=stratum.pk).exists() if stratum is not None else others.exists()


def duplicate_name_message(name: str) -> str:
    return _("This study already has a stratum called “%(name)s”; give each stratum its own name.") % {"name": name}


def _lock_for_change(study: Study) -> Study:
    """The study row, locked: two people editing quotas at once take turns (names stay unique, checks hold)."""
    locked = Study.objects.select_for_update().get(pk=study.pk)
    if locked.status == Study.Status.ARCHIVED:
        raise QuotaSetupError(_("This study is archived: its quotas can no longer change."))
    return locked


def _check(study: Study, draft: StratumDraft, stratum: Stratum | None = None) -> None:
    if not draft.name.strip():
        raise QuotaSetupError(_("Give the stratum a name."))
    if name_taken(study=study, name=draft.name, stratum=stratum):
        raise QuotaSetupError(duplicate_name_message(draft.name.strip()))
    problems = stratum_problems(draft=draft, targets=quota_targets(screening_of(study)))
    if problems:
        raise QuotaSetupError(next(iter(problems.values())))


def _still_there(stratum: Stratum, study: Study) -> Stratum:
    """The stratum as it is now, read under the study's lock; someone may have deleted it meanwhile."""
    try:
        return Stratum.objects.get(pk=stratum.pk, study=study)
    except Stratum.DoesNotExist:
        raise QuotaSetupError(_("Someone deleted this stratum meanwhile.")) from None


def _codes(stratum: Stratum) -> dict[str, Any]:
    """What the audit trail keeps of a stratum: keys, value codes and numbers, never its (free-text) name."""
    return {
        "key": stratum.key,
        "values": stratum.values,
        "conditions": stratum.conditions,
        "target": stratum.target,
        "maximum": stratum.maximum,
    }


def _keep_crisis_cover(study: Study, before: set[str]) -> None:
    """A stratum that names a new recruiting country needs its crisis resource first while the study recruits."""
    try:
        keep_covered(study, before)
    except SafetySetupError as error:
        raise QuotaSetupError(str(error)) from error


@transaction.atomic
def create_stratum(*, study: Study, draft: StratumDraft, request: HttpRequest | None = None) -> Stratum:
    """Add a stratum after checking it against the screening questions. The caller has checked the role."""
    study = _lock_for_change(study)
    _check(study, draft)
    gaps = coverage_gaps(study)
    stratum = Stratum.objects.create(study=study, **draft.fields())
    _keep_crisis_cover(study, gaps)
    record_event(action="quota.created", request=request, study_id=study.pk, target=stratum, detail=_codes(stratum))
    return stratum


@transaction.atomic
def update_stratum(*, stratum: Stratum, draft: StratumDraft, request: HttpRequest | None = None) -> Stratum:
    """Change a stratum. Nobody's status changes: people already waitlisted stay there until someone invites them."""
    study = _lock_for_change(stratum.study)
    stratum = _still_there(stratum, study)
    _check(study, draft, stratum)
    new = draft.fields()
    changed = sorted(name for name, value in new.items() if getattr(stratum, name) != value)
    gaps = coverage_gaps(study)
    for name, value in new.items():
        setattr(stratum, name, value)
    stratum.save()
    _keep_crisis_cover(study, gaps)
    detail = {"changed": changed, **_codes(stratum)}
    record_event(action="quota.updated", request=request, study_id=study.pk, target=stratum, detail=detail)
    return stratum


@transaction.atomic
def delete_stratum(*, stratum: Stratum, request: HttpRequest | None = None) -> None:
    """Delete a stratum. Nobody's status changes; selection simply stops weighing it."""
    study = _lock_for_change(stratum.study)
    stratum = _still_there(stratum, study)
    detail = {"stratum": stratum.pk, **_codes(stratum)}
    stratum.delete()
    record_event(action="quota.deleted", request=request, study_id=study.pk, detail=detail)


@transaction.atomic
def set_quota_stage(*, study: Study, stage: str, request: HttpRequest | None = None) -> bool:
    """Choose the stage from which people count towards quotas; False when it was already that stage."""
    if stage not in QuotaStage.values:
        raise QuotaSetupError(_("Pick a stage from the list."))
    locked = _lock_for_change(study)
    if locked.quota_stage == stage:
        return False
    previous, locked.quota_stage = locked.quota_stage, stage
    locked.save(update_fields=["quota_stage", "updated_at"])
    study.quota_stage = stage
    detail = {"from": previous, "to": stage}
    record_event(action="study.quota_stage_changed", request=request, study_id=locked.pk, target=locked, detail=detail)
    return True


@dataclass(frozen=True)
class StratumRow:
    stratum: Stratum
    counted: int
    invited: int
    problems: list[str]

    @property
    def state(self) -> str:
        """ "full" at the maximum (new eligible people are waitlisted), "met" at the target, else "under"."""
        if self.counted >= self.stratum.maximum:
            return "full"
        return "met" if self.counted >= self.stratum.target else "under"


@dataclass(frozen=True)
class QuotaGroup:
    """The strata over the same keys (one dimension, or one intersection of several), and their targets' sum."""

    keys: tuple[str, ...]
    rows: list[StratumRow]

    @property
    def target_sum(self) -> int:
        return sum(row.stratum.target for row in self.rows)


@dataclass(frozen=True)
class QuotaOverview:
    stage: str
    sample: int
    groups: list[QuotaGroup]


def quota_overview(*, study: Study, targets: dict[str, Target]) -> QuotaOverview:
    """Every stratum with the people counted in it at the study's stage and those invited (counted by
    studies.services.quotas, as waitlisting and selection count them), grouped by the keys they use."""
    counted = stratum_counts(study=study)
    invited = stratum_counts(study=study, include_pending=True) - counted
    groups: dict[tuple[str, ...], list[StratumRow]] = {}
    for stratum in study.strata.order_by("name"):
        draft = StratumDraft(
            stratum.name, stratum.key, [str(v) for v in stratum.values], stratum.target, stratum.maximum,
            stratum.conditions,
        )  # fmt: skip
        problems = list(stratum_problems(draft=draft, targets=targets).values())
        keys = (stratum.key, *sorted(c["key"] for c in stratum.conditions))
        groups.setdefault(keys, []).append(StratumRow(stratum, counted[stratum.id], invited[stratum.id], problems))
    ordered = sorted(groups.items(), key=lambda item: (len(item[0]), item[0]))
    return QuotaOverview(
        stage=study.quota_stage,
        sample=study.target_sample_size,
        groups=[QuotaGroup(keys, rows) for keys, rows in ordered],
    )


def counts_of(*, stratum: Stratum) -> tuple[int, int]:
    """People counted in one stratum at its study's stage, and people invited into it."""
    counted = stratum_counts(study=stratum.study)[stratum.id]
    return counted, stratum_counts(study=stratum.study, include_pending=True)[stratum.id] - counted
