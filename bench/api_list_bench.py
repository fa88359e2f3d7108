"""Load benchmark of the transcripts list endpoint under gunicorn (not a test: it prints figures).

It creates a throw-away PostgreSQL database (DATABASE_URL's name + `_api_bench`, dropped at the end), migrates it,
fills a study with 500 approved transcripts and issues a read-only personal API token of its owner; then starts
gunicorn on 127.0.0.1 with DEBUG off (sync workers, 2 per CPU by default) and sends GET
/api/v1/studies/<slug>/transcripts/ (first page of 50, authenticated by the token, so each request also inserts its
audit entry) from a bounded number of client threads with keep-alive connections. It prints requests per second,
latency percentiles, errors, and the CPU time per request of gunicorn, PostgreSQL, Redis and the client.
Afterwards `seal_audit_log` seals the entries (outside the measured time; in production the beat task does it every
few seconds) and `verify_audit_log` checks that the chain holds every request, intact.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ip_api REDIS_URL=redis://127.0.0.1:6379/11 \\
        .venv/bin/python bench/api_list_bench.py [--requests 4000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
from serverkit import cpu_seconds_of, server_cpu_seconds, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
PORT = 8791
SETUP = """
from accounts.models import User
from accounts.tokens import create_api_token
from studies.models import Interview, Participant, Role, Study, StudyMembership
from transcription.models import Recording, Transcript
study = Study.objects.create(title="API bench", slug="api-bench", languages=["en", "es"])
owner = User.objects.create_user("owner@bench.example")
StudyMembership.objects.create(study=study, user=owner, role=Role.OWNER)
people = Participant.objects.bulk_create([Participant(study=study, code=f"A-{n:05d}") for n in range(500)])
interviews = Interview.objects.bulk_create([Interview(study=study, participant=p, status="completed") for p in people])
recordings = Recording.objects.bulk_create([Recording(interview=i) for i in interviews])
Transcript.objects.bulk_create(
    [Transcript(recording=r, state="approved", language="en", duration=3600) for r in recordings]
)
print(create_api_token(user=owner, name="bench", study_ids=[study.pk], read_only=True, expires_at=None).plaintext)
# Planner statistics, as autovacuum would gather them within a minute of such a bulk load (without them PostgreSQL
# believes the tables nearly empty and joins all 500 rows for every page).
from django.db import connection
connection.cursor().execute("ANALYZE")
"""


def environment(var_dir: str, database_url: str) -> dict[str, str]:
    key = lambda: base64.urlsafe_b64encode(os.urandom(32)).decode()  # noqa: E731
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        FIELD_ENCRYPTION_KEYS=key(),
        MEDIA_ENCRYPTION_KEYS=key(),
        IDENTIFIER_HASH_KEY=key(),
        AUDIT_HMAC_KEYS=f"bench:{key()}",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        API_RATE_LIMIT="10000000/hour",
        VAR_DIR=var_dir,
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="ERROR",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    return env


def recreate(database_url: str, name: str, *, drop_only: bool = False) -> None:
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def get(connection: http.client.HTTPConnection, path: str, token: str) -> tuple[int, float]:
    started = time.perf_counter()
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    response = connection.getresponse()
    response.read()
    return response.status, time.perf_counter() - started


def client(count: int, path: str, token: str) -> list[tuple[int, float]]:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    results = []
    for _ in range(count):
        try:
            results.append(get(connection, path, token))
        except OSError:
            results.append((0, 0.0))
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    connection.close()
    return results


def _cpu_split(server: int) -> dict[str, float]:
    """CPU seconds so far of everything that shares the machine's cores during the run."""
    return {
        "gunicorn": server_cpu_seconds(server),
        "PostgreSQL": cpu_seconds_of("postgres"),
        "Redis": cpu_seconds_of("redis-server"),
        "this client": time.process_time(),
    }


def run(args: argparse.Namespace, env: dict[str, str], token: str) -> None:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(args.workers),
            *(["--worker-class", "gthread", "--threads", str(args.threads)] if args.threads > 1 else []),
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(server, PORT, "/api/schema/")
        path = "/api/v1/studies/api-bench/transcripts/"
        client(20, path, token)  # warm every worker: imports, connections
        before = _cpu_split(server.pid)
        started = time.perf_counter()
        share = [args.requests // args.concurrency] * args.concurrency
        with ThreadPoolExecutor(args.concurrency) as pool:
            results = [r for batch in pool.map(lambda n: client(n, path, token), share) for r in batch]
        wall = time.perf_counter() - started
        spent = {part: after - before[part] for part, after in _cpu_split(server.pid).items()}
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies = sorted(latency for status, latency in results if status == 200)
    errors = sum(1 for status, _ in results if status != 200)
    threads = f" of {args.threads} threads" if args.threads > 1 else ""
    print(
        f"{len(results)} requests, concurrency {args.concurrency}, {args.workers} gunicorn workers{threads}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before the end"
    )
    print(f"throughput: {len(latencies) / wall:.0f} requests/s (target >= 200); errors: {errors}")
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"latency: p50 {quantiles[49] * 1000:.1f} ms, p95 {quantiles[94] * 1000:.1f} ms")
    split = ", ".join(f"{part} {seconds / max(len(results), 1) * 1000:.1f}" for part, seconds in spent.items())
    available = (os.cpu_count() or 1) * wall / max(len(latencies), 1) * 1000
    print(f"CPU per request (ms): {split}; all {os.cpu_count()} cores offer {available:.1f} per request")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2)
    parser.add_argument("--threads", type=int, default=1, help="more than 1: gthread workers (with keep-alive)")
    args = parser.parse_args()
    base = os.environ["DATABASE_URL"]
    name = f"{base.rsplit('/', 1)[1]}_api_bench"
    recreate(base, name)
    try:
        with tempfile.TemporaryDirectory(prefix="api-bench-") as var_dir:
            env = environment(var_dir, base.rsplit("/", 1)[0] + f"/{name}")
            python = sys.executable
            subprocess.run([python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
            subprocess.run(
                [python, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
            )
            out = subprocess.run(
                [python, "manage.py", "shell", "-c", SETUP],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            run(args, env, out.stdout.strip().splitlines()[-1])
            subprocess.run([python, "manage.py", "seal_audit_log"], cwd=ROOT, env=env, check=True)
            check = [python, "manage.py", "verify_audit_log"]
            print(subprocess.run(check, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout.strip())
    finally:
        recreate(base, name, drop_only=True)


if __name__ == "__main__":
    main()
