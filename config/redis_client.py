"""One Redis client per process for the hot path that talks to Redis directly: the API throttle's counts (Django's
cache API would add a round trip)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

_client: Any = None


def redis_client() -> Any:
    """The process's client for settings.REDIS_URL (redis-py pools its connections and is thread-safe)."""
    global _client
    if _client is None:
        import redis

        timeout = settings.REDIS_TIMEOUT_SECONDS
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout)
    return _client
