"""A frozen Redis (SIGSTOP: connections are accepted, nothing is answered) fails fast instead of hanging requests:
/healthz says 503 within its own limit, and a cache call gives up after REDIS_TIMEOUT_SECONDS."""

from __future__ import annotations

import subprocess
import time

import pytest
import redis
from django.core.cache import cache
from django.test import Client

from tests.faultkit import frozen, private_redis

__all__ = ["private_redis"]
# A regression hangs rather than fails: the time-out turns it into a failure quickly.
pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


def test_healthz_answers_503_within_its_limit_while_redis_is_frozen(
    private_redis: tuple[str, subprocess.Popen[bytes]], settings: object
) -> None:
    _url, server = private_redis
    assert Client().get("/healthz").status_code == 200
    with frozen(server):
        started = time.monotonic()
        response = Client().get("/healthz")
        took = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]
    assert took < settings.CELERY_BROKER_CONNECTION_TIMEOUT + 2  # type: ignore[attr-defined]


def test_a_cache_call_gives_up_within_the_redis_timeout(
    private_redis: tuple[str, subprocess.Popen[bytes]], settings: object
) -> None:
    _url, server = private_redis
    cache.set("alive", 1)
    with frozen(server):
        started = time.monotonic()
        with pytest.raises(redis.TimeoutError):
            cache.get("alive")
        took = time.monotonic() - started
    assert took < settings.REDIS_TIMEOUT_SECONDS + 1  # type: ignore[attr-defined]
    assert cache.get("alive") == 1  # thawed, the same server answers again
