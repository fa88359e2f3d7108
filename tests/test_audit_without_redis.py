"""Killing Redis loses no audit entry: an API token request's entry is written to PostgreSQL in the request itself
and sealed from there, so Redis is nowhere on the way (it had been: entries waiting in a Redis list died with it).

A private redis-server on a free port serves the cache, the broker setting and the API throttle, and is killed with
SIGKILL half-way.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
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
from tests.faultkit import private_redis

__all__ = ["private_redis"]

pytestmark = pytest.mark.django_db


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
