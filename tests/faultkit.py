"""Real processes to break in fault tests: a private redis-server on a free port, killed or frozen by the test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def private_redis(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of this test's own, serving the cache, the broker setting and the direct client."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.05)
    timeout = settings.REDIS_TIMEOUT_SECONDS
    settings.REDIS_URL = settings.CELERY_BROKER_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        }
    }
    monkeypatch.setattr("config.redis_client._client", None)  # the throttle's client connects to this server
    yield url, server
    if server.poll() is None:  # not killed by the test
        os.kill(server.pid, signal.SIGCONT)  # a frozen server must be able to die
        server.kill()
    server.wait(10)


@contextmanager
def frozen(server: subprocess.Popen[bytes]) -> Iterator[None]:
    """The server stopped (SIGSTOP): it still accepts connections, in the kernel, and never answers."""
    os.kill(server.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(server.pid, signal.SIGCONT)
