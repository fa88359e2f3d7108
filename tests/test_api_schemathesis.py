"""Schemathesis against the live OpenAPI schema: no server error, no response that violates the schema.

Requests go through the real WSGI application in-process, against the test PostgreSQL database, signed in
with a real personal API token of a study owner whose study holds data.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from accounts.models import User
from accounts.tokens import create_api_token
from studies.models import Study
from tests.hypothesis_profiles import examples

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# Every request holding NUL is refused with 400 (config/edge.py, tested in tests/test_edge_text.py), so a string
# with NUL is never data the API should accept.
schema.config.generation.update(allow_x00=False)


@pytest.fixture(autouse=True)
def keep_the_test_connection_open() -> Iterator[None]:
    # Django's test Client does the same: a raw WSGI call would close the test transaction's connection.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def auth_headers(owner: User, study: Study) -> dict[str, str]:
    issued = create_api_token(user=owner, name="fuzz", study_ids=[study.pk], read_only=False, expires_at=None)
    return {"Authorization": f"Bearer {issued.plaintext}"}


@pytest.mark.slow
@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_api_honours_its_schema(case: schemathesis.Case, auth_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=auth_headers)
