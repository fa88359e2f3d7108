"""Per-token rate limits: a sliding-window count in Redis (and through Django's cache API without Redis)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings

from accounts.models import User
from accounts.tokens import create_api_token
from config.api import TokenRateThrottle
from studies.models import Study

pytestmark = pytest.mark.django_db

MINUTE_START = 1_800_000_000 - 1_800_000_000 % 60  # a window boundary of a 60-second period


def rest_framework(rate: str) -> dict[str, object]:
    return {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": rate}}


@pytest.fixture(params=["redis", "cache api"])
def three_a_minute(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Three requests a minute, on a clock the test moves (the API reads nothing else from it)."""
    cache.clear()
    now = [float(MINUTE_START)]
    monkeypatch.setattr(TokenRateThrottle, "clock", staticmethod(lambda: now[0]))
    redis_url = settings.REDIS_URL if request.param == "redis" else ""
    with override_settings(REST_FRAMEWORK=rest_framework("3/minute"), REDIS_URL=redis_url):
        yield now
    cache.clear()


def client_for(user: User, study: Study) -> Client:
    token = create_api_token(user=user, name="n", study_ids=[study.pk], read_only=True, expires_at=None)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token.plaintext}")


def statuses(client: Client, study: Study, count: int) -> list[int]:
    return [client.get(f"/api/v1/studies/{study.slug}/").status_code for _ in range(count)]


def test_a_token_over_its_limit_gets_429_with_a_json_body_and_retry_after(
    three_a_minute: list[float], owner: User, study: Study
) -> None:
    client = client_for(owner, study)
    assert statuses(client, study, 3) == [200, 200, 200]
    refused = client.get(f"/api/v1/studies/{study.slug}/")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 120


def test_each_token_has_its_own_bucket(three_a_minute: list[float], owner: User, study: Study) -> None:
    first, second = client_for(owner, study), client_for(owner, study)
    assert statuses(first, study, 4) == [200, 200, 200, 429]
    assert statuses(second, study, 3) == [200, 200, 200]


def test_the_window_slides_and_refused_requests_do_not_count(
    three_a_minute: list[float], owner: User, study: Study
) -> None:
    client = client_for(owner, study)
    three_a_minute[0] += 50
    assert statuses(client, study, 6) == [200, 200, 200, 429, 429, 429]
    # Half-way through the next minute half of the previous three still count: room for one more, not two.
    three_a_minute[0] += 40
    assert statuses(client, study, 2) == [200, 429]
    # Two minutes on, no earlier request lies in the sliding window: three again.
    three_a_minute[0] += 120
    assert statuses(client, study, 4) == [200, 200, 200, 429]
