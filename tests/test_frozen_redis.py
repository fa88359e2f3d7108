"""A frozen Redis (SIGSTOP: connections are accepted, nothing is answered) fails fast instead of hanging requests:
/healthz says 503 within its own limit, and a cache call gives up after REDIS_TIMEOUT_SECONDS. A Redis that is gone
degrades gracefully: the API answers JSON 503 with Retry-After, and the screening form's rate limit fails open."""

from __future__ import annotations

import subprocess
import time

import pytest
import redis
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from accounts.tokens import create_api_token
from studies.models import Study
from studies.services.fraud import allow_submission
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


def test_with_redis_gone_an_api_request_gets_a_json_503_and_a_participant_is_still_let_through(
    private_redis: tuple[str, subprocess.Popen[bytes]], study: Study, owner: User
) -> None:
    _url, server = private_redis
    token = create_api_token(user=owner, name="sync", study_ids=[study.pk], read_only=True, expires_at=None)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token.plaintext}", raise_request_exception=False)
    path = f"/api/v1/studies/{study.slug}/transcripts/"
    assert client.get(path).status_code == 200
    server.kill()
    server.wait(10)
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["error"]["code"] == "unavailable"
    # The screening form's hourly limit cannot count without Redis: it lets the person through (answers kept).
    assert allow_submission(ip="203.0.113.9") is True
