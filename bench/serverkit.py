"""Shared by the HTTP load benchmarks (api_list_bench, screening_load): gunicorn's CPU time and its start-up."""

from __future__ import annotations

import http.client
import os
import subprocess
import time
from pathlib import Path


def server_cpu_seconds(master: int) -> float:
    """CPU time (user + system) of gunicorn's master and workers so far, from /proc (Linux only)."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if master in (int(stat.parent.name), int(fields[1])):
            total += int(fields[11]) + int(fields[12])
    return total / ticks


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
