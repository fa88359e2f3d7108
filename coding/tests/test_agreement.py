"""Agreement figures checked against published worked examples (sources named in each test)."""

from __future__ import annotations

import pytest

from coding.agreement import (
    NO_PAIRABLE_UNITS,
    NO_UNITS,
    NO_VARIATION,
    cohen_kappa,
    krippendorff_alpha_nominal,
    percent_agreement,
    presence_agreement,
)


def test_cohen_kappa_matches_the_wikipedia_worked_example() -> None:
    """Wikipedia, "Cohen's kappa", section "Simple example": 50 proposals read by A and B; both yes 20, A yes and
    B no 5, A no and B yes 10, both no 15. p_o = 0.7, p_e = 0.5, kappa = 0.4."""
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert percent_agreement(a, b).value == pytest.approx(35 / 50)
    assert cohen_kappa(a, b).value == pytest.approx(0.4)


def test_cohen_kappa_matches_the_second_wikipedia_example_with_equal_agreement() -> None:
    """Wikipedia, "Cohen's kappa", "Same percentages but different numbers": 45/15/25/15 gives 0.1304 and
    25/35/5/35 gives 0.2593, though both tables agree on 60% of cases."""
    a = ["yes"] * 60 + ["no"] * 40
    b = ["yes"] * 45 + ["no"] * 15 + ["yes"] * 25 + ["no"] * 15
    assert cohen_kappa(a, b).value == pytest.approx(0.1304, abs=1e-4)
    c = ["yes"] * 60 + ["no"] * 40
    d = ["yes"] * 25 + ["no"] * 35 + ["yes"] * 5 + ["no"] * 35
    assert cohen_kappa(c, d).value == pytest.approx(0.2593, abs=1e-4)
    assert percent_agreement(a, b).value == percent_agreement(c, d).value == pytest.approx(0.6)


def test_alpha_matches_krippendorffs_nominal_example_with_missing_values() -> None:
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers, twelve units,
    values 1-5 with missing data; nominal alpha = 0.743."""
    m = None
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, m, m, m],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, m, 3],
        [m, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, m],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, m],
    ]
    assert krippendorff_alpha_nominal(data).value == pytest.approx(0.743, abs=5e-4)


def test_alpha_matches_krippendorffs_binary_two_observer_example() -> None:
    """Krippendorff (2011), section A, binary data, two observers, no missing data: alpha = 0.095."""
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha_nominal([a, b]).value == pytest.approx(0.095, abs=5e-4)
    # Checked by hand: the observers agree on units 2, 4, 5, 7, 8 and 10.
    assert percent_agreement(a, b).value == pytest.approx(0.6)


def test_no_variation_is_undefined_rather_than_a_division_by_zero() -> None:
    same = [1, 1, 1]
    assert cohen_kappa(same, same).value is None
    assert cohen_kappa(same, same).note == NO_VARIATION
    assert krippendorff_alpha_nominal([same, same]).note == NO_VARIATION
    assert percent_agreement(same, same).value == 1.0


def test_no_shared_units_is_undefined() -> None:
    assert percent_agreement([1, None], [None, 0]).note == NO_UNITS
    assert cohen_kappa([], []).note == NO_UNITS
    assert krippendorff_alpha_nominal([[1, None], [None, 0]]).note == NO_PAIRABLE_UNITS


def test_presence_agreement_reports_per_code_per_pair_and_pooled() -> None:
    """Three segments, two codes. Decisions for 'trust': A 1,0,1 / B 1,0,1 (all agree). For 'advice': A 0,0,1 /
    B 0,1,0: agreement on segment 1 only, 1/3; by hand kappa = (1/3 - 5/9) / (1 - 5/9) = -0.5."""
    report = presence_agreement(
        segments=["s1", "s2", "s3"],
        codes=["trust", "advice"],
        codings={
            "A": {"s1": {"trust"}, "s2": set(), "s3": {"trust", "advice"}},
            "B": {"s1": {"trust"}, "s2": {"advice"}, "s3": {"trust"}},
        },
    )
    trust, advice = report.codes
    assert (trust.pairs[0].percent_agreement.value, trust.pairs[0].kappa.value) == (1.0, 1.0)
    assert advice.pairs[0].percent_agreement.value == pytest.approx(1 / 3)
    assert advice.pairs[0].kappa.value == pytest.approx(-0.5)
    assert report.overall is not None
    assert report.overall.pairs[0].units == 6
    assert report.overall.pairs[0].percent_agreement.value == pytest.approx(4 / 6)


def test_presence_agreement_treats_unrated_segments_as_missing_and_pairs_every_coder() -> None:
    codings = {"A": {"s1": {"x"}, "s2": set()}, "B": {"s1": {"x"}}, "C": {"s1": set(), "s2": {"x"}}}
    report = presence_agreement(segments=["s1", "s2"], codes=["x"], codings=codings)
    pairs = {(p.coder_a, p.coder_b): p for p in report.codes[0].pairs}
    assert sorted(pairs) == [("A", "B"), ("A", "C"), ("B", "C")]
    assert pairs[("A", "B")].units == 1
    assert pairs[("A", "C")].percent_agreement.value == 0.0
    assert report.codes[0].alpha.defined


def test_presence_agreement_needs_two_coders() -> None:
    with pytest.raises(ValueError, match="two coders"):
        presence_agreement(segments=["s1"], codes=["x"], codings={"A": {"s1": {"x"}}})
