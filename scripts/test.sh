#!/usr/bin/env bash
# The whole test suite against real PostgreSQL and Redis, with lint and type checks first.
# DATABASE_URL / REDIS_URL override the defaults (127.0.0.1:5432 user postgres, 127.0.0.1:6379).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_debian_packages chromium chromium-driver espeak-ng ffmpeg postgresql-client redis-tools fonts-dejavu-core fonts-noto-core gettext
ensure_local_services
ensure_venv requirements-dev.txt
ensure_test_javascript
export PATH="$VENV/bin:$PATH" CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
# Derandomized property-based tests, so CI never goes red by chance (random draws: scripts/fuzz.sh).
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"

say "ruff format --check"; ruff format --check .
say "ruff check"; ruff check .
say "mypy"; mypy .
say "lint-imports (apps in one-way layers)"; lint-imports
say "pytest"
# pytest exits 5 when it collected no test: that is a failure here too.
pytest "$@"
