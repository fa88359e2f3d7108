"""Two checkouts' transcripts list side by side, in alternating rounds (not a test: it prints figures).

This machine's speed drifts by up to 2x from one minute to the next, so two benchmark runs a minute apart compare
the machine as much as the code. Here both checkouts' gunicorns (4 sync workers each) serve one database, filled
as `api_list_bench.py` fills it, and the load (16 client threads, a personal token) goes to one at a
time in short rounds, alternating which goes first. It prints each checkout's median requests/s and CPU per
request (gunicorn plus PostgreSQL), and the per-round ratio of B to A: the drift cancels out in the ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ip_api REDIS_URL=redis://127.0.0.1:6379/11 \\
        .venv/bin/python bench/api_list_ab.py A_CHECKOUT B_CHECKOUT [--rounds 12] [--requests 1600]

A checkout is a folder with this repository's code at some commit (`git worktree add /tmp/old <commit>`), run
with this interpreter; both must share the database schema (no migration between them). Port 8791 serves A and
8792 serves B.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import api_list_bench as single
from serverkit import cpu_seconds_of, server_cpu_seconds, wait_until_up

PATH = "/api/v1/studies/api-bench/transcripts/"
CLIENTS = 16


def _round(port: int, server: subprocess.Popen[bytes], requests: int, token: str) -> tuple[float, float]:
    """(requests/s, ms of gunicorn and PostgreSQL CPU per request) of one round against one server."""
    single.PORT = port
    cpu_before = server_cpu_seconds(server.pid) + cpu_seconds_of("postgres")
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        shares = [requests // CLIENTS] * CLIENTS
        results = [r for batch in pool.map(lambda n: single.client(n, PATH, token), shares) for r in batch]
    wall = time.perf_counter() - started
    cpu = server_cpu_seconds(server.pid) + cpu_seconds_of("postgres") - cpu_before
    errors = sum(1 for status, _ in results if status != 200)
    if errors:
        raise SystemExit(f"{errors} of {len(results)} requests to port {port} failed")
    return len(results) / wall, cpu / len(results) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--requests", type=int, default=1600, help="per round and checkout")
    args = parser.parse_args()
    checkouts = [args.a.resolve(), args.b.resolve()]
    base = os.environ["DATABASE_URL"]
    name = f"{base.rsplit('/', 1)[1]}_api_ab"
    single.recreate(base, name)
    servers: list[tuple[Path, int, subprocess.Popen[bytes]]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="api-ab-") as var_dir:
            env = single.environment(var_dir, base.rsplit("/", 1)[0] + f"/{name}")
            python = sys.executable
            for command in (["migrate", "--no-input", "-v", "0"], ["collectstatic", "--no-input", "-v", "0"]):
                subprocess.run([python, "manage.py", *command], cwd=checkouts[1], env=env, check=True)
            filled = subprocess.run(
                [python, "manage.py", "shell", "-c", single.SETUP],
                cwd=checkouts[1],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            token = filled.stdout.strip().splitlines()[-1]
            for index, checkout in enumerate(checkouts):
                port = single.PORT + index
                gunicorn = ["-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
                server = subprocess.Popen(
                    [python, *gunicorn, "--workers", "4", "--log-level", "error"], cwd=checkout, env=env
                )
                servers.append((checkout, port, server))
                wait_until_up(server, port, "/api/schema/")
                _round(port, server, 4 * CLIENTS, token)  # warm every worker: imports, connections
            figures: dict[Path, list[tuple[float, float]]] = {checkout: [] for checkout in checkouts}
            for number in range(args.rounds):
                for checkout, port, server in servers if number % 2 == 0 else servers[::-1]:
                    figures[checkout].append(_round(port, server, args.requests, token))
                a, b = figures[checkouts[0]][-1][0], figures[checkouts[1]][-1][0]
                print(f"round {number + 1}: A {a:.0f}, B {b:.0f} requests/s", flush=True)
    finally:
        for _, _, server in servers:
            server.terminate()
            server.wait(timeout=30)
        single.recreate(base, name, drop_only=True)
    for label, checkout in zip("AB", checkouts, strict=True):
        speeds, costs = [s for s, _ in figures[checkout]], [c for _, c in figures[checkout]]
        print(
            f"{label} {checkout}: {statistics.median(speeds):.0f} requests/s median ({min(speeds):.0f} to "
            f"{max(speeds):.0f}); gunicorn + PostgreSQL CPU {statistics.median(costs):.2f} ms per request median"
        )
    ratios = [b[0] / a[0] for a, b in zip(figures[checkouts[0]], figures[checkouts[1]], strict=True)]
    print(f"B/A per round: median {statistics.median(ratios):.2f} ({', '.join(f'{r:.2f}' for r in ratios)})")


if __name__ == "__main__":
    main()
