#!/usr/bin/env bash
# Run the platform on its embedded defaults (SQLite, filesystem broker, local media): web, worker, beat.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_venv requirements.txt
export PATH="$VENV/bin:$PATH"
embedded_env  # DEBUG, PORT and a SITE_URL that follows PORT (scripts/lib.sh)
# The local demo signs in without a second factor; set TWO_FACTOR_REQUIRED_ROLES=owner,researcher to try it.
export TWO_FACTOR_REQUIRED_ROLES="${TWO_FACTOR_REQUIRED_ROLES-}"
python manage.py migrate --noinput
python manage.py setup_demo
echo
say "The platform is starting at http://127.0.0.1:$PORT/  (stop with Ctrl-C)"
python manage.py setup_demo --print-login
say "(printed again once everything has started, and kept in ${VAR_DIR:-var}/demo-logins.txt)"
echo
exec honcho --procfile Procfile.dev start
