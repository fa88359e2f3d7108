"""Fixtures of the studies tests."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings


def forget_rate_limits() -> None:
    """Every test starts under the public forms' per-IP limit (the counters live in the shared Redis)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        for key in client.scan_iter("*screening-rate:*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    forget_rate_limits()
