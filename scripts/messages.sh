#!/usr/bin/env bash
# Refresh the Spanish and Hindi catalogs from the code, then compile them (.mo files are committed).
# Fill in the new or fuzzy entries in locale/*/LC_MESSAGES/django.po before compiling for real;
# tests/test_translations.py fails while any entry is empty or fuzzy.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_venv requirements-dev.txt
# Catalog work needs no secrets: the development settings (DEBUG=1) load without a SECRET_KEY.
export DEBUG=1
"$VENV/bin/python" manage.py makemessages -l es -l hi -l ar --ignore=.venv --ignore=tests --ignore='*/tests/*'
"$VENV/bin/python" manage.py compilemessages --ignore=.venv
