"""Hypothesis profiles, picked by HYPOTHESIS_PROFILE (default `ci`) and loaded by the root conftest.

`ci` (scripts/test.sh, so CI): derandomized and without an example database, so a fresh clone draws exactly the
examples every other run draws and a red run is red for everyone; a failure prints the blob that replays it.
`fuzz` (scripts/fuzz.sh): random draws, FUZZ_FACTOR times as many, with failures remembered in var/hypothesis and
tried first next time. A failure fuzz finds becomes an explicit `@example(...)` on the test, so ci runs it always.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

CI_EXAMPLES = 100
FUZZ_FACTOR = 20
EXAMPLE_DATABASE = Path(__file__).resolve().parent.parent / "var" / "hypothesis"


def load_hypothesis_profile() -> str:
    """Registers both profiles and loads the one HYPOTHESIS_PROFILE names.

    Must run before any test module is imported: a test's `@settings(...)` copies the profile loaded when the
    decorator runs."""
    # deadline None: the property tests go through real PostgreSQL, so one slow example is the machine, not a bug.
    settings.register_profile(
        "ci", derandomize=True, database=None, max_examples=CI_EXAMPLES, print_blob=True, deadline=None
    )
    settings.register_profile(
        "fuzz",
        max_examples=CI_EXAMPLES * FUZZ_FACTOR,
        database=DirectoryBasedExampleDatabase(str(EXAMPLE_DATABASE)),
        print_blob=True,
        deadline=None,
    )
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    settings.load_profile(name)
    return name


def examples(ci: int) -> int:
    """A property test's number of examples: `ci` under the ci profile (the test's share of the suite's run
    time), and as many times more as the loaded profile's max_examples exceeds ci's (fuzz: FUZZ_FACTOR times)."""
    return max(1, ci * settings().max_examples // CI_EXAMPLES)  # settings(): the loaded profile's values
