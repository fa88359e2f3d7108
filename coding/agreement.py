"""Inter-coder agreement for double-coded transcripts: pure functions over plain data, no database.

The unit of analysis is the presence of a code in a transcript segment. For every segment and every code, each
coder's decision is 1 if any of their codings of that code overlaps the segment and 0 if none does; a segment a
coder has not coded at all (not in their mapping) is missing, not 0. On these binary decisions we report, per code
and for each pair of coders:

- percent agreement: the share of segments both coders rated on which they made the same decision;
- Cohen's kappa, which corrects that share for chance agreement (NumPy, the formula of scikit-learn's
  `cohen_kappa_score`, which coding/tests/test_agreement_oracle.py checks it against where scikit-learn is
  installed: a development requirement only);

and per code across all coders, Krippendorff's alpha for nominal data (the `krippendorff` package), which allows
any number of coders and missing decisions. "Overall" pools every (segment, code) decision into one set of units.
Agreement per codebook version is these same functions called on the codings made under one version.

A statistic that is undefined (no units, or no variation at all, so chance agreement is 1 and the formula would
divide by zero) comes back with value None and a note saying why, never as NaN or a made-up number.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TypeVar

import krippendorff
import numpy as np

Category = Hashable
SegmentKey = TypeVar("SegmentKey", bound=Hashable)
CodeKey = TypeVar("CodeKey", bound=Hashable)
NO_UNITS = "undefined: no segment was coded by both coders"
NO_PAIRABLE_UNITS = "undefined: no segment was coded by two or more coders"
NO_VARIATION = "undefined: every decision was the same, so chance agreement is total"


@dataclass(frozen=True)
class Statistic:
    """A figure, or None with `note` explaining why it is undefined."""

    value: float | None
    note: str = ""

    @property
    def defined(self) -> bool:
        return self.value is not None


def _pairs(a: Sequence[Category | None], b: Sequence[Category | None]) -> list[tuple[Category, Category]]:
    if len(a) != len(b):
        raise ValueError("Both coders need one decision (or None) per unit.")
    return [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]


def percent_agreement(a: Sequence[Category | None], b: Sequence[Category | None]) -> Statistic:
    """Share (0..1) of units rated by both on which the two coders chose the same category; None skips a unit."""
    pairs = _pairs(a, b)
    if not pairs:
        return Statistic(None, NO_UNITS)
    return Statistic(sum(x == y for x, y in pairs) / len(pairs))


def cohen_kappa(a: Sequence[Category | None], b: Sequence[Category | None]) -> Statistic:
    """Cohen's (1960) kappa for two coders over the units both rated (None skips a unit)."""
    pairs = _pairs(a, b)
    if not pairs:
        return Statistic(None, NO_UNITS)
    if len({category for pair in pairs for category in pair}) < 2:
        return Statistic(None, NO_VARIATION)
    index = {category: number for number, category in enumerate({c for pair in pairs for c in pair})}
    confusion = np.zeros((len(index), len(index)))
    np.add.at(confusion, ([index[x] for x, _ in pairs], [index[y] for _, y in pairs]), 1.0)
    # Cohen (1960): kappa = 1 - observed disagreement / disagreement expected from the two coders' own margins.
    expected = np.outer(confusion.sum(axis=1), confusion.sum(axis=0)) / len(pairs)
    disagreement = 1.0 - np.eye(len(index))
    return Statistic(float(1.0 - np.sum(disagreement * confusion) / np.sum(disagreement * expected)))


def krippendorff_alpha_nominal(reliability_data: Sequence[Sequence[Category | None]]) -> Statistic:
    """Krippendorff's alpha, nominal, for a coders x units table (None: the coder did not rate the unit)."""
    categories = sorted({c for row in reliability_data for c in row if c is not None}, key=repr)
    index = {category: float(number) for number, category in enumerate(categories)}
    table = np.array(
        [[np.nan if c is None else index[c] for c in row] for row in reliability_data], dtype=float, ndmin=2
    )
    pairable = table[:, np.sum(~np.isnan(table), axis=0) >= 2]
    if pairable.size == 0:
        return Statistic(None, NO_PAIRABLE_UNITS)
    if len(np.unique(pairable[~np.isnan(pairable)])) < 2:
        return Statistic(None, NO_VARIATION)
    return Statistic(float(krippendorff.alpha(reliability_data=table, level_of_measurement="nominal")))


@dataclass(frozen=True)
class PairAgreement:
    coder_a: str
    coder_b: str
    units: int
    percent_agreement: Statistic
    kappa: Statistic


@dataclass(frozen=True)
class CodeAgreement:
    """Agreement on one code (or, for `AgreementReport.overall`, code None: all codes pooled)."""

    code: Hashable | None
    pairs: list[PairAgreement]
    alpha: Statistic


@dataclass(frozen=True)
class AgreementReport:
    coders: list[str]
    segments: int
    codes: list[CodeAgreement] = field(default_factory=list)
    overall: CodeAgreement | None = None


def _decisions(
    coder_codings: Mapping[SegmentKey, Collection[CodeKey]], segments: Sequence[SegmentKey], code: CodeKey
) -> list[int | None]:
    return [None if s not in coder_codings else int(code in coder_codings[s]) for s in segments]


def _code_agreement(code: Hashable | None, decisions: Mapping[str, list[int | None]]) -> CodeAgreement:
    pairs = []
    for coder_a, coder_b in combinations(sorted(decisions), 2):
        a, b = decisions[coder_a], decisions[coder_b]
        units = len(_pairs(a, b))
        pairs.append(PairAgreement(coder_a, coder_b, units, percent_agreement(a, b), cohen_kappa(a, b)))
    alpha = krippendorff_alpha_nominal([decisions[coder] for coder in sorted(decisions)])
    return CodeAgreement(code=code, pairs=pairs, alpha=alpha)


def presence_agreement(
    *,
    segments: Sequence[SegmentKey],
    codes: Sequence[CodeKey],
    codings: Mapping[str, Mapping[SegmentKey, Collection[CodeKey]]],
) -> AgreementReport:
    """Agreement on code presence per segment (module docstring), per code and pooled over all codes.

    `codings[coder][segment]` is the set of codes that coder applied somewhere in that segment; a segment missing
    from a coder's mapping counts as not rated by them. Needs at least two coders.
    """
    if len(codings) < 2:
        raise ValueError("Agreement needs at least two coders.")
    per_code = {code: {coder: _decisions(codings[coder], segments, code) for coder in codings} for code in codes}
    pooled = {coder: [d for code in codes for d in per_code[code][coder]] for coder in codings}
    return AgreementReport(
        coders=sorted(codings),
        segments=len(segments),
        codes=[_code_agreement(code, per_code[code]) for code in codes],
        overall=_code_agreement(None, pooled),
    )
