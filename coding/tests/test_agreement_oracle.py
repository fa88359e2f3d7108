"""Cohen's kappa in NumPy against scikit-learn's `cohen_kappa_score`, the implementation it replaced.

scikit-learn is a development requirement only (requirements-dev.txt): the runtime computes kappa itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sklearn.metrics import cohen_kappa_score  # type: ignore[import-untyped]

from coding.agreement import Category, cohen_kappa

# Fixed cases: binary and three categories, balanced and skewed margins, perfect, chance-level and negative
# agreement, strings and integers, and units that one coder skipped (None).
CASES: dict[str, tuple[Sequence[Category | None], Sequence[Category | None]]] = {
    "wikipedia example": ([1] * 25 + [0] * 25, [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15),
    "perfect": ([0, 1, 1, 0, 1], [0, 1, 1, 0, 1]),
    "always opposite": ([0, 1, 0, 1], [1, 0, 1, 0]),
    "one coder constant": ([1, 1, 1, 1, 1], [1, 0, 1, 1, 0]),
    "skewed margins": ([1] * 45 + [0] * 15 + [1] * 25 + [0] * 15, [1] * 45 + [1] * 15 + [0] * 25 + [0] * 15),
    "three categories": (list("aabbccabcabcaa"), list("abbbcaabccbcab")),
    "integers of three kinds": ([3, 7, 7, 9, 3, 9, 9, 7], [3, 7, 9, 9, 3, 3, 9, 7]),
    "skipped units": ([1, None, 0, 1, 0, 1, None, 0], [1, 0, None, 1, 1, 1, 0, 0]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_kappa_equals_scikit_learns_to_twelve_decimals(name: str) -> None:
    a, b = CASES[name]
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    theirs = cohen_kappa_score([str(x) for x, _ in pairs], [str(y) for _, y in pairs])

    ours = cohen_kappa(a, b).value

    assert ours is not None
    assert abs(ours - float(theirs)) <= 1e-12
