"""One Redis client per process for the hot paths that talk to Redis directly: the API throttle's counts and the
audit trail's queue of token uses (Django's cache API would add a round trip or lack the commands)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

_client: Any = None


def redis_client() -> Any:
    """The process's client for settings.REDIS_URL (redis-py pools its connections and is thread-safe)."""
    global _client
    if _client is None:
        import redis

        _client = redis.Redis.from_url(settings.REDIS_URL)
    return _client
