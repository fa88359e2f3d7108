#!/usr/bin/env bash
# The property-based tests (Hypothesis, schemathesis) with random draws and 20 times the examples: the `fuzz`
# profile of tests/hypothesis_profiles.py, against real PostgreSQL and Redis as in scripts/test.sh. CI runs the
# same tests derandomized (the `ci` profile), so it never goes red by chance; this script is where new cases are
# found, by hand or on a schedule. Draws that failed are kept in var/hypothesis and tried first on the next run.
#
# A failure found here becomes an explicit `@example(...)` on the failing test, with a comment saying what it
# broke (see coding/tests/test_autosave_hostile.py), so every CI run checks that case from then on; then fix the
# code. Extra arguments go to pytest, e.g. `bash scripts/fuzz.sh -x -k autosave`.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_local_services
ensure_venv requirements-dev.txt
export PATH="$VENV/bin:$PATH" HYPOTHESIS_PROFILE=fuzz

# Found afresh each run, so a new property-based test module is never left out.
mapfile -t modules < <(grep -rlE --include='test_*.py' --exclude-dir=.venv --exclude-dir=var \
  '^(from|import) (hypothesis|schemathesis)\b' . | sort)
[ ${#modules[@]} -gt 0 ] || die "No property-based test modules were found."
say "pytest, Hypothesis profile fuzz: ${modules[*]}"
pytest -p no:cacheprovider "${modules[@]}" "$@"
