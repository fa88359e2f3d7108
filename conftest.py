"""Shared fixtures: real services, persona users with study roles.

The run fails at once, loudly, when PostgreSQL or Redis cannot be reached: tests never fall back to SQLite
or an in-memory broker.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

from accounts.models import User
from review.redaction import entities, gazetteers
from studies.models import Role, Study
from studies.tests.factories import MembershipFactory, StudyFactory
from tests.chromium import launched_chromium
from tests.hypothesis_profiles import load_hypothesis_profile

# Before any test module is imported (tests/hypothesis_profiles.py says why): ci by default, fuzz on request.
load_hypothesis_profile()


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    database = settings.DATABASES["default"]
    try:
        psycopg.connect(
            host=database["HOST"],
            port=database["PORT"] or 5432,
            user=database["USER"],
            password=database["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except psycopg.Error as error:
        raise pytest.UsageError(f"PostgreSQL is not reachable for the tests: {error}") from error
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        raise pytest.UsageError(f"Redis is not reachable at {settings.REDIS_URL}: {error}") from error


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def audit_checkpoints_per_test(settings: Any, tmp_path: Path) -> None:
    """The audit chain starts over with each test's database; the file of its checkpoints (accounts.audit), which
    would outlive it, starts over with it."""
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.log"


@pytest.fixture
def production_two_factor_roles(settings: Any) -> None:
    """The production value of TWO_FACTOR_REQUIRED_ROLES (the test settings turn it off for other tests)."""
    settings.TWO_FACTOR_REQUIRED_ROLES = ["owner", "researcher"]


@pytest.fixture
def study(db: None) -> Study:
    return StudyFactory()


def _member(study: Study, role: Role) -> User:
    return MembershipFactory(study=study, role=role).user


@pytest.fixture
def owner(study: Study) -> User:
    return _member(study, Role.OWNER)


@pytest.fixture
def researcher(study: Study) -> User:
    return _member(study, Role.RESEARCHER)


@pytest.fixture
def interviewer(study: Study) -> User:
    return _member(study, Role.INTERVIEWER)


@pytest.fixture
def coder(study: Study) -> User:
    return _member(study, Role.CODER)


@pytest.fixture
def viewer(study: Study) -> User:
    return _member(study, Role.VIEWER)


@pytest.fixture
def outsider(db: None) -> User:
    """A signed-in person with a role on another study only."""
    other = StudyFactory()
    return MembershipFactory(study=other, role=Role.OWNER).user


@pytest.fixture(scope="session")
def deid_finder_loaded() -> None:
    """The de-identification finder's models and name lists, loaded once per test session before a browser test
    opens a page that proposes redactions: a live server loading them on the first request (several seconds on a
    loaded machine) could outlast the browser's wait."""
    entities.analyzer()
    gazetteers.places()


@pytest.fixture
def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def allow_sync_orm_beside_playwright(request: pytest.FixtureRequest) -> Iterator[None]:
    """Browser tests: Playwright's sync API runs an event loop in the test's thread, which makes Django refuse
    synchronous ORM calls; the calls here are synchronous, so allow them for tests marked `browser` only."""
    if request.node.get_closest_marker("browser") is None:
        yield
        return
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser(chromium_path: str) -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    with launched_chromium(chromium_path) as instance:
        yield instance
        instance.close()


@pytest.fixture(autouse=True)
def site_language_after_each_test() -> Iterator[None]:
    """A request in Spanish (LocaleMiddleware) leaves Spanish active in the thread; the next test starts over."""
    yield
    from django.utils import translation

    translation.deactivate()
