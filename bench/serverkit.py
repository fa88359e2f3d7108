"""Shared by the HTTP load benchmarks (api_list_bench, screening_load): gunicorn's CPU time and its start-up."""

from __future__ import annotations

import http.client
import os
import subprocess
import time
from pathlib import Path


def _processes() -> list[tuple[int, str, list[str]]]:
    """(pid, command name, the /proc stat fields after the name) of every process (Linux only)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _, rest = stat.read_text().rpartition(")")
        except OSError:
            continue
        found.append((int(stat.parent.name), head.partition("(")[2], rest.split()))
    return found


def server_cpu_seconds(master: int) -> float:
    """CPU time (user + system) of gunicorn's master and workers so far, from /proc (Linux only)."""
    ticks = os.sysconf("SC_CLK_TCK")
    return (
        sum(int(fields[11]) + int(fields[12]) for pid, _, fields in _processes() if master in (pid, int(fields[1])))
        / ticks
    )


def cpu_seconds_of(command: str) -> float:
    """CPU time so far of every process with this command name (such as postgres or redis-server)."""
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(fields[11]) + int(fields[12]) for _, name, fields in _processes() if name == command) / ticks


def wait_until_up(process: subprocess.Popen[bytes], port: int, path: str) -> None:
    """Until gunicorn answers on 127.0.0.1:port (about 30 s at most)."""
    for _ in range(150):
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", path)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")
