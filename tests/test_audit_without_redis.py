"""Killing Redis loses no audit entry: an API token request's entry is written to PostgreSQL in the request itself
and sealed from there, so Redis is nowhere on the way (it had been: entries waiting in a Redis list died with it).

A private redis-server on a free port serves the cache, the broker setting and the API throttle, and is killed with
SIGKILL half-way.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
import redis
from django.core.cache import cache
from django.test import Client

from accounts.audit import seal_audit_entries
from accounts.audit_verify import verify_chain
from accounts.models import AuditEntry, User
from accounts.tokens import create_api_token
from studies.models import Study

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def private_redis(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
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
    settings.REDIS_URL = settings.CELERY_BROKER_URL = url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    monkeypatch.setattr("config.redis_client._client", None)  # the throttle's client connects to this server
    yield url, server
    server.kill()
    server.wait(10)


def test_killing_redis_loses_no_audit_entry_of_an_api_token_request(
    private_redis: tuple[str, subprocess.Popen[bytes]],
    study: Study,
    owner: User,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> None:
    url, server = private_redis
    cache.clear()
    plaintext = create_api_token(user=owner, name="sync", study_ids=[study.pk], read_only=True, expires_at=None)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext.plaintext}", raise_request_exception=False)
    path = f"/api/v1/studies/{study.slug}/transcripts/"
    assert [client.get(path).status_code for _ in range(10)] == [200] * 10
    assert redis.Redis.from_url(url).dbsize() > 0  # the throttle did count in this server
    server.kill()
    server.wait(10)
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    for _ in range(10):
        client.get(path)  # the throttle needs Redis: these fail, after authentication has written their entry
    used = AuditEntry.objects.filter(action="api.token.used", actor=owner)
    assert list(used.values_list("detail", flat=True)) == [{"method": "GET", "path": path}] * 20
    with django_capture_on_commit_callbacks(execute=True):
        assert seal_audit_entries() == 21  # and the token's creation
    report = verify_chain()
    assert (report.intact, report.sealed, report.unsealed) == (True, 21, 0)
