"""The PostgreSQL backend (config.postgresql) checks an idle connection's health and trusts a busy one, and prepares
the API's fixed statements (only those).

The health tests drive its own connection to the real test database through the calls Django makes around a request
(`close_if_unusable_or_obsolete` as it starts and ends) and kills that connection's server process with
pg_terminate_backend, as a database restart would. Only the clock is the test's: it is moved instead of waited.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import OperationalError, connection, connections

from accounts.models import User
from accounts.tokens import ApiTokenAuthentication, create_api_token
from config.postgresql.base import TRUSTED_FOR, DatabaseWrapper
from studies.models import Study

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def own(clock: Clock) -> Iterator[DatabaseWrapper]:
    wrapper = connections.create_connection("default")
    assert isinstance(wrapper, DatabaseWrapper)
    assert wrapper.settings_dict["CONN_HEALTH_CHECKS"] is True
    wrapper.clock = clock
    yield wrapper
    wrapper.close()


def request(wrapper: DatabaseWrapper) -> int:
    """One request's worth of use: the start signal, a query (the server process's id), the end signal."""
    wrapper.close_if_unusable_or_obsolete()
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return int(cursor.fetchone()[0])
    finally:
        wrapper.close_if_unusable_or_obsolete()


def kill(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        assert cursor.fetchone()[0] is True


def test_a_connection_that_died_while_idle_is_replaced_before_the_request_uses_it(
    own: DatabaseWrapper, clock: Clock
) -> None:
    first = request(own)
    kill(first)
    clock.now += TRUSTED_FOR + 0.5  # idle for longer than a busy connection is trusted
    second = request(own)
    assert second != first  # a new connection, and the request succeeded
    assert request(own) == second  # kept for the next request


def test_a_connection_used_within_the_second_goes_without_the_check(own: DatabaseWrapper, clock: Clock) -> None:
    first = request(own)
    clock.now += TRUSTED_FOR / 2
    assert request(own) == first
    kill(first)
    clock.now += TRUSTED_FOR / 2  # the last request ended less than TRUSTED_FOR ago
    # The documented price: no SELECT 1 went first, so the query meets the dead connection.
    with pytest.raises(OperationalError):
        request(own)
    # The failed request's end closed it (Django: errors occurred and the connection is unusable); the next
    # request opens a new one, even at once.
    assert own.connection is None
    assert request(own) not in (first, 0)


def test_an_idle_connection_keeps_the_time_of_its_last_use_across_request_starts(
    own: DatabaseWrapper, clock: Clock
) -> None:
    first = request(own)
    for _ in range(3):  # requests that never touched the database (a static file, a redirect)
        clock.now += TRUSTED_FOR / 2
        own.close_if_unusable_or_obsolete()
        own.close_if_unusable_or_obsolete()
    kill(first)
    assert request(own) != first  # checked, so replaced instead of failing


def test_the_api_lookups_are_prepared_once_per_connection_and_the_orms_queries_never(study: Study, owner: User) -> None:
    raw = create_api_token(user=owner, name="sync", study_ids=[study.pk], read_only=True, expires_at=None).plaintext
    for _ in range(3):
        token = ApiTokenAuthentication()._token_for(raw, study.slug)
        assert token.study_lookup.membership.study == study  # type: ignore[attr-defined]
        assert Study.objects.filter(slug=study.slug).count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert len([statement for statement in prepared if "accounts_apitoken" in statement]) == 1
    assert not [statement for statement in prepared if "COUNT(" in statement]  # Django binds on the client
