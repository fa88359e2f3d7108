"""Load benchmark of the public screening form under gunicorn (not a test: it prints figures).

It starts gunicorn on 127.0.0.1 with a production-like configuration (DEBUG off), on PostgreSQL when
DATABASE_URL names one (Redis for the cache when REDIS_URL is set) or on the embedded defaults in a
temporary folder. It creates a recruiting study with the demo screening questionnaire, fetches one form
per response (token + CSRF cookie: what a browser does first), then posts valid responses with bounded
concurrency and reports throughput, latency percentiles, errors, and lost responses (a 302 whose
response is not in the database, or a response saved twice).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ip_bench REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/screening_load.py --responses 3000 --concurrency 16
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from serverkit import server_cpu_seconds, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765
COUNTRIES = ["IN", "ES", "MX", "BR", "NG", "US", "GB", "JP", "KE", "PH"]


def server_environment(var_dir: str) -> dict[str, str]:
    key = lambda: base64.urlsafe_b64encode(os.urandom(32)).decode()  # noqa: E731
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        FIELD_ENCRYPTION_KEYS=env.get("FIELD_ENCRYPTION_KEYS") or key(),
        MEDIA_ENCRYPTION_KEYS=env.get("MEDIA_ENCRYPTION_KEYS") or key(),
        IDENTIFIER_HASH_KEY=env.get("IDENTIFIER_HASH_KEY") or key(),
        AUDIT_HMAC_KEYS=env.get("AUDIT_HMAC_KEYS") or f"bench:{key()}",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SCREENING_RATE_LIMIT_PER_HOUR="1000000",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="ERROR",
    )
    env.setdefault("VAR_DIR", var_dir)
    return env


def prepare(env: dict[str, str]) -> str:
    """Migrate and create a study with the demo screening; returns its slug."""
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    slug = f"bench-{secrets.token_hex(4)}"
    code = (
        "from studies.models import Study; from studies.tests.factories import build_screening; "
        f"s = Study.objects.create(title='Load benchmark', slug='{slug}', status='recruiting', languages=['en']); "
        "build_screening(s)"
    )
    subprocess.run([python, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True)
    return slug


@dataclass
class Form:
    token: str
    csrf: str


def fetch_form(slug: str) -> Form:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    connection.request("GET", f"/p/{slug}/")
    response = connection.getresponse()
    body = response.read().decode()
    cookie = response.getheader("Set-Cookie") or ""
    connection.close()
    token = re.search(r'name="token" value="([^"]+)"', body)
    csrf = re.search(r"csrftoken=([^;]+)", cookie)
    if response.status != 200 or token is None or csrf is None:
        raise RuntimeError(f"The form did not load: HTTP {response.status}")
    return Form(token.group(1), csrf.group(1))


def post_response(slug: str, form: Form, n: int) -> tuple[int, float]:
    data = {
        "csrfmiddlewaretoken": form.csrf,
        "token": form.token,
        "q_age": str(18 + n % 50),
        "q_country": COUNTRIES[n % len(COUNTRIES)],
        "q_used_chatbot": "yes",
        "q_crisis": "no",
        "q_attention": "no",
        "email": f"bench{n}@example.org",
        "website": "",
    }
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={form.csrf}",
        "User-Agent": f"screening-load/{n}",
        "Referer": f"http://127.0.0.1:{PORT}/p/{slug}/",
    }
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    try:
        connection.request("POST", f"/p/{slug}/", urllib.parse.urlencode(data), headers)
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        connection.close()
    return status, time.perf_counter() - started


def saved_responses(env: dict[str, str], slug: str) -> tuple[int, int]:
    code = (
        "from studies.models import ScreeningResponse as R; "
        f"q = R.objects.filter(study__slug='{slug}'); "
        "print(q.count(), q.values('form_token').distinct().count())"
    )
    out = (
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
        .split()
    )
    return int(out[0]), int(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="screening-load-") as var_dir:
        env = server_environment(var_dir)
        slug = prepare(env)
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{PORT}", "--workers", str(args.workers), "--worker-class", "gthread",
            "--threads", str(args.threads), "--log-level", "warning",
        ]  # fmt: skip
        server = subprocess.Popen(command, cwd=ROOT, env=env)
        try:
            wait_until_up(server, PORT, "/healthz")
            with ThreadPoolExecutor(args.concurrency) as pool:
                forms = list(pool.map(lambda _n: fetch_form(slug), range(args.responses)))
                cpu_before, started = server_cpu_seconds(server.pid), time.perf_counter()
                results = list(pool.map(lambda n: post_response(slug, forms[n], n), range(args.responses)))
                elapsed = time.perf_counter() - started
                cpu = server_cpu_seconds(server.pid) - cpu_before
        finally:
            server.terminate()
            server.wait(timeout=30)
        saved, distinct = saved_responses(env, slug)

    accepted = sum(1 for status, _ in results if status == 302)
    latencies = sorted(seconds * 1000 for _, seconds in results)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    database = env.get("DATABASE_URL", "sqlite (embedded default)").split("@")[-1]
    print(f"database: {database}; cores: {os.cpu_count()}; gunicorn {args.workers} workers x {args.threads} threads")
    print(f"responses: {args.responses}, concurrency: {args.concurrency}, elapsed: {elapsed:.2f} s")
    print(f"throughput: {args.responses / elapsed:.1f} responses/s")
    print(f"latency ms: median {statistics.median(latencies):.1f}, p95 {p95:.1f}, max {latencies[-1]:.1f}")
    print(f"gunicorn CPU per response: {cpu / args.responses * 1000:.1f} ms (PostgreSQL's own CPU not included); "
          f"load average now: {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"errors (not 302): {args.responses - accepted}; saved: {saved}; lost: {accepted - distinct}; "
          f"duplicates: {saved - distinct}")  # fmt: skip


if __name__ == "__main__":
    main()
