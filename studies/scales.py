"""Scored scales (PHQ-9, PHQ-2, GAD-7, GAD-2, WHO-5): their structure, scoring, severity bands and risk items.

The platform ships the structure and the scoring only, never the items' wording: a team enters the wording it is
licensed to use on each question's page. Options carry their numeric values and short neutral labels the team
can edit. Scores are pure functions of the answers; `scale_attributes` turns a response's answers into the plain
attributes (`phq9_total`, `phq9_band`, ...) that rules, quotas, dashboards and exports read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from studies.models import Question


@dataclass(frozen=True)
class Option:
    value: int
    label: Promise


@dataclass(frozen=True)
class Band:
    """Totals from `low` to `high` (inclusive, after the multiplier) get this band."""

    key: str
    low: int
    high: int
    label: Promise


@dataclass(frozen=True)
class ScaleDefinition:
    key: str
    name: str
    items: int
    options: tuple[Option, ...]
    bands: tuple[Band, ...]
    reverse_items: frozenset[int] = frozenset()
    subscales: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    multiplier: int = 1
    # Item number → the answer values that count as a risk (they start the study's safety flow).
    risk_items: Mapping[int, tuple[int, ...]] = field(default_factory=dict)

    def item_key(self, item: int) -> str:
        return f"{self.key}_{item}"

    @property
    def values(self) -> frozenset[int]:
        return frozenset(option.value for option in self.options)


@dataclass(frozen=True)
class ScaleScore:
    total: int
    band: str
    subscales: dict[str, int]


_FREQUENCY = (
    Option(0, _("Not at all")),
    Option(1, _("Several days")),
    Option(2, _("More than half the days")),
    Option(3, _("Nearly every day")),
)
_WELLBEING = (
    Option(0, _("At no time")),
    Option(1, _("Some of the time")),
    Option(2, _("Less than half of the time")),
    Option(3, _("More than half of the time")),
    Option(4, _("Most of the time")),
    Option(5, _("All of the time")),
)
_SCREEN = (Band("negative", 0, 2, _("Below the cut-off")), Band("positive", 3, 6, _("Positive screen (3 or more)")))
_ANXIETY = (
    Band("minimal", 0, 4, _("Minimal")),
    Band("mild", 5, 9, _("Mild")),
    Band("moderate", 10, 14, _("Moderate")),
    Band("severe", 15, 21, _("Severe")),
)

PHQ9 = ScaleDefinition(
    key="phq9",
    name="PHQ-9",
    items=9,
    options=_FREQUENCY,
    bands=(
        Band("minimal", 0, 4, _("Minimal")),
        Band("mild", 5, 9, _("Mild")),
        Band("moderate", 10, 14, _("Moderate")),
        Band("moderately_severe", 15, 19, _("Moderately severe")),
        Band("severe", 20, 27, _("Severe")),
    ),
    # Item 9 asks about thoughts of self-harm: any answer above 0 reaches the safety contact.
    risk_items={9: (1, 2, 3)},
)
PHQ2 = ScaleDefinition(key="phq2", name="PHQ-2", items=2, options=_FREQUENCY, bands=_SCREEN)
GAD7 = ScaleDefinition(key="gad7", name="GAD-7", items=7, options=_FREQUENCY, bands=_ANXIETY)
GAD2 = ScaleDefinition(key="gad2", name="GAD-2", items=2, options=_FREQUENCY, bands=_SCREEN)
WHO5 = ScaleDefinition(
    key="who5",
    name="WHO-5",
    items=5,
    options=_WELLBEING,
    multiplier=4,  # the raw 0-25 becomes a percentage, 0-100
    # Lower is worse: 28 or less suggests likely depression, 50 or less poor well-being.
    bands=(
        Band("likely_depression", 0, 28, _("Likely depression (28 or less)")),
        Band("poor", 29, 50, _("Poor well-being (50 or less)")),
        Band("adequate", 51, 100, _("Above 50")),
    ),
)
SCALES: dict[str, ScaleDefinition] = {scale.key: scale for scale in (PHQ9, PHQ2, GAD7, GAD2, WHO5)}


def _item_value(definition: ScaleDefinition, item: int, answer: Any) -> int | None:
    try:
        value = int(str(answer))
    except ValueError:
        return None
    if value not in definition.values:
        return None
    top = max(definition.values)
    return top - value if item in definition.reverse_items else value


def score(definition: ScaleDefinition, answers: Mapping[int, Any]) -> ScaleScore | None:
    """The total (raw sum times the multiplier), subscale totals and band, from answers by item number (1-based).

    None when an item is unanswered or holds a value that is not one of the scale's options: a partial sum would
    understate severity.
    """
    values: dict[int, int] = {}
    for item in range(1, definition.items + 1):
        value = _item_value(definition, item, answers.get(item))
        if value is None:
            return None
        values[item] = value
    total = sum(values.values()) * definition.multiplier
    subscales = {name: sum(values[i] for i in items) for name, items in definition.subscales.items()}
    band = next((b.key for b in definition.bands if b.low <= total <= b.high), "")
    return ScaleScore(total=total, band=band, subscales=subscales)


def band_label(definition: ScaleDefinition, band: str) -> str:
    return next((str(b.label) for b in definition.bands if b.key == band), band)


def scale_attributes(questions: Iterable[Question], answers: Mapping[str, Any]) -> dict[str, Any]:
    """`<scale>_total`, `<scale>_band` and `<scale>_<subscale>` for each scale whose items are all answered."""
    by_scale: dict[str, dict[int, Any]] = {}
    for question in questions:
        if question.scale_key in SCALES and question.scale_item:
            by_scale.setdefault(question.scale_key, {})[question.scale_item] = answers.get(question.key)
    attributes: dict[str, Any] = {}
    for key, items in by_scale.items():
        found = score(SCALES[key], items)
        if found is None:
            continue
        attributes[f"{key}_total"] = found.total
        attributes[f"{key}_band"] = found.band
        attributes.update({f"{key}_{name}": total for name, total in found.subscales.items()})
    return attributes


@dataclass(frozen=True)
class ShownScore:
    name: str
    total: int
    band: str


def shown_scores(attributes: Mapping[str, Any]) -> list[ShownScore]:
    """The scores stored in a response's attributes, named for the team (band labels in the active language)."""
    return [
        ShownScore(scale.name, int(attributes[f"{key}_total"]), band_label(scale, str(attributes.get(f"{key}_band"))))
        for key, scale in SCALES.items()
        if f"{key}_total" in attributes
    ]


def score_columns(scale_keys: Iterable[str]) -> list[str]:
    """The attribute names a questionnaire with these scales stores, in a stable order (export columns)."""
    columns = []
    for key in sorted(set(scale_keys) & SCALES.keys()):
        columns += [f"{key}_total", f"{key}_band", *(f"{key}_{name}" for name in SCALES[key].subscales)]
    return columns
