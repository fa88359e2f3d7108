"""Sample diversity: the counted sample along each quota dimension and the usual demographic ones.

People count once they reach the study's quota stage (studies.services.quotas.COUNTED); invited people are
shown beside them, as selection for invitation counts them too. Each person's attributes are those of their
latest screening response. Matching a stratum follows `Stratum.matches`: a text answer equal to one of the
stratum's values, or a multiple-choice answer that includes one, for its key and for each of its conditions
(an intersectional cell). All counting is done by PostgreSQL, one aggregate for every stratum and one grouped
query per dimension.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import HasAnyKeys, KeyTextTransform, KeyTransform
from django.db.models.lookups import Contains, In
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from studies.models import Question, Questionnaire, QuotaStage, ScreeningResponse, Stratum, Study
from studies.services.eligibility import REGION_LABELS
from studies.services.quotas import COUNTED, PENDING

# Dimensions shown even without a quota on them, when the screening holds them (derived or asked).
USUAL_DIMENSIONS = ("region", "gender", "age_band", "main_language", "chatbots")
DERIVED_LABELS: dict[str, Promise] = {
    "region": _("World region"),
    "age_band": _("Age band"),
    "country": _("Country"),
    "age": _("Age"),
}
MISSING = "—"


@dataclass(frozen=True)
class StratumFill:
    name: str
    key: str
    counted: int
    invited: int
    target: int
    maximum: int

    @property
    def gap(self) -> int:
        return max(0, self.target - self.counted)

    @property
    def state(self) -> str:
        if self.counted >= self.maximum:
            return "full"
        return "met" if self.counted >= self.target else "under"

    @property
    def share(self) -> float:
        return self.counted / self.target if self.target else 1.0


@dataclass(frozen=True)
class ValueCount:
    value: str
    label: str
    count: int
    target: int | None = None


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    strata: list[StratumFill] = field(default_factory=list)
    outside: int = 0  # counted people in none of this dimension's strata
    values: list[ValueCount] = field(default_factory=list)
    # The answers' own breakdown adds nothing when every stratum is one answer (the strata table shows it).
    show_values: bool = True


@dataclass(frozen=True)
class Diversity:
    stage: str
    counted: int
    invited: int
    dimensions: list[Dimension]
    under_filled: list[StratumFill]
    regions: list[ValueCount]


def _latest_responses(study: Study) -> QuerySet[ScreeningResponse]:
    """Each person's latest screening response (an anti-join: PostgreSQL hashes it, no sort per query)."""
    screening = ScreeningResponse.objects.filter(study=study, questionnaire__kind=Questionnaire.Kind.SCREENING)
    newer = screening.filter(participant=OuterRef("participant"), submitted_at__gt=OuterRef("submitted_at"))
    return screening.filter(~Exists(newer)).order_by()


def _matches(key: str, values: list[str], *, listed: bool | None = None) -> Q:
    """Stratum membership as SQL: the text value is one of `values`, or the list value includes one.

    `listed` says which of the two the key holds (True: a multiple-choice answer); None tests both.
    """
    if not values:
        return Q(pk__in=[])
    text = Q(In(KeyTextTransform(key, "attributes"), values))
    if connection.vendor == "postgresql":
        includes = Q(HasAnyKeys(KeyTransform(key, "attributes"), values))
    else:
        # SQLite (the demo's embedded database) has no test for a JSON array element; a list of choice values
        # is matched on its JSON text, where each element appears quoted.
        as_text = KeyTextTransform(key, "attributes")
        includes = reduce(or_, (Q(Contains(as_text, json.dumps(value))) for value in values))
    return includes if listed else text if listed is False else text | includes


def _listed(key: str, questions: dict[str, Question]) -> bool | None:
    """Whether the key holds a list (a multiple-choice answer), a text or number, or (None) either."""
    if key in DERIVED_LABELS:
        return False
    question = questions.get(key)
    return None if question is None else question.kind == Question.Kind.MULTIPLE


def _questions(study: Study) -> dict[str, Question]:
    questions = Question.objects.filter(questionnaire__study=study, questionnaire__kind=Questionnaire.Kind.SCREENING)
    return {question.key: question for question in questions}


def _text(labels: dict[str, str], fallback: str) -> str:
    """A per-language text in the current language, else English, else any, else the fallback."""
    language = (get_language() or "en").split("-")[0]
    return labels.get(language) or labels.get("en") or next(iter(labels.values()), "") or fallback


def _label(key: str, questions: dict[str, Question]) -> str:
    if key in DERIVED_LABELS:
        return str(DERIVED_LABELS[key])
    question = questions.get(key)
    return _text(question.text, key) if question is not None else key


def _value_label(key: str, value: str, question: Question | None) -> str:
    if key == "region":
        return str(REGION_LABELS.get(value, value))
    for choice in question.choices if question is not None else []:
        if str(choice.get("value")) == value:
            return _text(choice.get("labels") or {}, value)
    return value


def _stratum_match(stratum: Stratum, questions: dict[str, Question]) -> Q:
    """`Stratum.matches` as SQL: its key holds one of its values AND each of its conditions holds."""
    dimensions = [(stratum.key, stratum.values), *((c["key"], c["values"]) for c in stratum.conditions)]
    return reduce(
        and_, (_matches(key, [str(v) for v in values], listed=_listed(key, questions)) for key, values in dimensions)
    )


def _aggregate(
    rows: QuerySet[ScreeningResponse], strata: list[Stratum], stage: str, questions: dict[str, Question]
) -> dict[str, int]:
    """One query: counted ("c:") and invited ("p:") people in all ("n"), per stratum ("s<id>") and per
    dimension in any of its strata ("in:<key>"). Grouped by status, so each figure is one FILTER clause."""
    counted = COUNTED[QuotaStage(stage)]
    aggregates = {"n": Count("id")}
    by_key: dict[str, list[Q]] = {}
    for stratum in strata:
        match = _stratum_match(stratum, questions)
        aggregates[f"s{stratum.id}"] = Count("id", filter=match)
        by_key.setdefault(stratum.key, []).append(match)
    for key, matches in by_key.items():
        aggregates[f"in:{key}"] = Count("id", filter=reduce(or_, matches))
    grouped = (
        rows.filter(participant__status__in=counted + PENDING).values("participant__status").annotate(**aggregates)
    )
    totals: dict[str, int] = defaultdict(int)
    counted_values = {str(status) for status in counted}
    for row in grouped:
        prefix = "c" if row["participant__status"] in counted_values else "p"
        for name in aggregates:
            totals[f"{prefix}:{name}"] += int(row[name])  # type: ignore[literal-required]
    return totals


def _value_counts(rows: QuerySet[ScreeningResponse], key: str, question: Question | None) -> list[ValueCount]:
    """How many counted people gave each value; multiple-choice answers count once per chosen option."""
    if question is not None and question.kind == Question.Kind.MULTIPLE:
        options = [str(choice.get("value")) for choice in question.choices]
        matches = {f"o{i}": Count("id", filter=_matches(key, [v], listed=True)) for i, v in enumerate(options)}
        totals = rows.aggregate(**matches)
        found = [(value, totals[f"o{i}"]) for i, value in enumerate(options)]
    else:
        grouped = rows.annotate(value=KeyTextTransform(key, "attributes")).values("value").annotate(n=Count("id"))
        found = [(row["value"] if row["value"] not in (None, "") else MISSING, row["n"]) for row in grouped]
    found.sort(key=lambda item: (-item[1], item[0]))
    return [ValueCount(value, _value_label(key, value, question), count) for value, count in found if count]


def _available(key: str, questions: dict[str, Question]) -> bool:
    kinds = {question.kind for question in questions.values()}
    if key == "region":
        return Question.Kind.COUNTRY in kinds
    if key == "age_band":
        return bool(kinds & {Question.Kind.AGE, Question.Kind.BIRTH_YEAR})
    return key in questions


def _regions(values: list[ValueCount], strata: list[Stratum]) -> list[ValueCount]:
    """Every world region with people or a target, in a fixed order; a target comes from a one-region stratum
    (an intersectional cell such as women in Africa is only part of its region, so it gives none)."""
    targets: dict[str, int] = {}
    for stratum in strata:
        if stratum.key == "region" and len(stratum.values) == 1 and not stratum.conditions:
            region = str(stratum.values[0])
            targets[region] = targets.get(region, 0) + stratum.target
    counts = {item.value: item.count for item in values}
    order = list(REGION_LABELS) + sorted(set(counts) - set(REGION_LABELS))
    return [
        ValueCount(region, str(REGION_LABELS.get(region, region)), counts.get(region, 0), targets.get(region))
        for region in order
        if counts.get(region) or region in targets
    ]


def diversity(*, study: Study) -> Diversity:
    """The counted sample per quota stratum (with invited people beside) and per dimension, against targets."""
    stage = study.quota_stage
    rows = _latest_responses(study)
    strata = list(study.strata.all())
    questions = _questions(study)
    totals = _aggregate(rows, strata, stage, questions)
    fills = [
        StratumFill(s.name, s.key, totals[f"c:s{s.id}"], totals[f"p:s{s.id}"], s.target, s.maximum) for s in strata
    ]
    counted_rows = rows.filter(participant__status__in=COUNTED[QuotaStage(stage)])
    keys = list(dict.fromkeys(s.key for s in strata))
    keys += [key for key in USUAL_DIMENSIONS if key not in keys and _available(key, questions)]
    dimensions = []
    for key in keys:
        mine = [fill for fill in fills if fill.key == key]
        outside = totals["c:n"] - totals[f"c:in:{key}"] if mine else 0
        values = _value_counts(counted_rows, key, questions.get(key))
        grouped = any(len(s.values) > 1 for s in strata if s.key == key)
        dimensions.append(Dimension(key, _label(key, questions), mine, outside, values, not mine or grouped))
    region_values = next((d.values for d in dimensions if d.key == "region"), [])
    return Diversity(
        stage=str(QuotaStage(stage).label),
        counted=totals["c:n"],
        invited=totals["p:n"],
        dimensions=dimensions,
        under_filled=sorted((f for f in fills if f.state == "under"), key=lambda f: (f.share, f.name)),
        regions=_regions(region_values, strata),
    )
