"""Scored scales on the dashboard: how many people fall in each severity band, overall and per quota stratum.

A person's band is from their latest response holding that scale's score (studies.scales; screening or a later
questionnaire); their stratum follows `Stratum.matches` on their latest screening response, as the quotas do.
Bands are health information: the panel is for owners and researchers only (dashboard.views).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from studies.models import Question, Questionnaire, ScreeningResponse, Study
from studies.scales import SCALES, ScaleDefinition


@dataclass(frozen=True)
class BandRow:
    label: str
    counts: list[int]  # one per band, in the scale's order

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class ScaleBands:
    scale: ScaleDefinition
    bands: list[str]  # band labels, in the scale's order
    rows: list[BandRow]  # everyone first, then each stratum


def _latest(study: Study) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Per participant: their latest screening attributes, and every score attribute, latest winning."""
    screening: dict[int, dict[str, Any]] = {}
    scores: dict[int, dict[str, Any]] = {}
    rows = (
        ScreeningResponse.objects.filter(study=study)
        .order_by("submitted_at", "id")
        .values_list("participant_id", "questionnaire__kind", "attributes")
    )
    for participant_id, kind, attributes in rows.iterator(chunk_size=500):
        if kind == Questionnaire.Kind.SCREENING:
            screening[participant_id] = attributes
        found = {key: value for key, value in attributes.items() if key.endswith("_band")}
        scores.setdefault(participant_id, {}).update(found)
    return screening, scores


def _row(label: str, scale: ScaleDefinition, bands: list[str | None]) -> BandRow:
    counted = Counter(bands)
    return BandRow(label, [counted[band.key] for band in scale.bands])


def scale_bands(*, study: Study) -> list[ScaleBands]:
    """Each scale the study's questionnaires hold, with the people per band overall and per stratum."""
    keys = set(Question.objects.filter(questionnaire__study=study).values_list("scale_key", flat=True))
    scales = [scale for key, scale in SCALES.items() if key in keys]
    if not scales:
        return []
    screening, scores = _latest(study)
    strata = list(study.strata.all())
    found = []
    for scale in scales:
        band_of = {pid: attrs.get(f"{scale.key}_band") for pid, attrs in scores.items()}
        banded = {pid: band for pid, band in band_of.items() if band is not None}
        rows = [_row(_("Everyone with a score"), scale, list(banded.values()))]
        for stratum in strata:
            members = [band for pid, band in banded.items() if stratum.matches(screening.get(pid, {}))]
            rows.append(_row(stratum.name, scale, members))
        found.append(ScaleBands(scale, [str(band.label) for band in scale.bands], rows))
    return found
