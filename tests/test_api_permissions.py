"""Every API endpoint, walked with every role, an outsider, anonymous callers and misfit tokens.

The endpoints come from the router itself: a new endpoint without a row in EXPECTED fails the first test, so
nobody adds one without saying who may reach it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tokens import create_api_token
from coding.models import Code
from config.routers import api_router
from studies.models import Role, Study
from studies.tests.factories import MembershipFactory, StudyFactory
from tests.exportkit import code_span, make_transcript, screen
from transcription.models import TranscriptionJob
from transcription.tests.factories import MediaFileFactory, TranscriptionJobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttle() -> None:
    # Token ids restart with each test database while Redis keeps throttle history: start every test afresh.
    cache.clear()


ROLES = ("owner", "researcher", "interviewer", "coder", "viewer")
ALL = dict.fromkeys(ROLES, 200)


def only(*allowed: str) -> dict[str, int]:
    return {role: 200 if role in allowed else 403 for role in ROLES}


# url name -> role -> status of a GET. Study-scoped endpoints are 404 for outsiders and wrong-study tokens.
EXPECTED: dict[str, dict[str, int]] = {
    "api-root": ALL,
    "study-list": ALL,
    "study-detail": ALL,
    "code-list": ALL,
    "code-detail": ALL,
    "coding-list": only("owner", "researcher", "coder"),
    "coding-detail": only("owner", "researcher", "coder"),
    "excerpt-list": only("owner", "researcher"),
    "agreement-list": only("owner", "researcher"),
    "participant-list": only("owner", "researcher", "interviewer"),
    "participant-detail": only("owner", "researcher", "interviewer"),
    "interview-list": ALL,
    "interview-detail": ALL,
    "recording-list": ALL,
    "recording-detail": ALL,
    "job-list": ALL,
    "job-detail": ALL,
    "transcript-list": ALL,
    "transcript-detail": ALL,
    "transcript-export": ALL,
    "segment-list": ALL,
}
UNSCOPED = {"api-root", "study-list"}


@pytest.fixture
def world(study: Study, owner: User, researcher: User, interviewer: User, coder: User, viewer: User) -> dict[str, Any]:
    """One of everything in the study, and the URL of every endpoint."""
    transcript = make_transcript(study)
    screen(transcript.recording.interview.participant, {"region": "europe"})
    MediaFileFactory(recording=transcript.recording)
    job = TranscriptionJobFactory(recording=transcript.recording, status=TranscriptionJob.Status.SUCCEEDED)
    code = Code.objects.create(study=study, name="Trust")
    coding = code_span(transcript.versions.get(number=2), coder=coder, code=code, start=0, end=5)
    ids: dict[str, dict[str, Any]] = {
        "study-detail": {},
        "code-detail": {"guid": code.guid},
        "coding-detail": {"pk": coding.pk},
        "participant-detail": {"pseudonym": transcript.recording.interview.participant.code},
        "interview-detail": {"pk": transcript.recording.interview_id},
        "recording-detail": {"pk": transcript.recording_id},
        "job-detail": {"pk": job.pk},
        "transcript-detail": {"pk": transcript.pk},
        "transcript-export": {"pk": transcript.pk},
        "segment-list": {"transcript_id": transcript.pk},
    }
    urls = {
        name: reverse(f"api:{name}", kwargs=None if name in UNSCOPED else {"slug": study.slug, **ids.get(name, {})})
        for name in EXPECTED
    }
    users = dict(zip(ROLES, (owner, researcher, interviewer, coder, viewer), strict=True))
    return {"urls": urls, "users": users}


def router_names() -> set[str]:
    return {name for pattern in api_router.urls if (name := getattr(pattern, "name", None))}


def test_every_endpoint_of_the_router_has_an_expectation() -> None:
    assert router_names() == set(EXPECTED)


def test_each_role_gets_what_the_table_says(world: dict[str, Any]) -> None:
    for role, user in world["users"].items():
        client = Client()
        client.force_login(user)
        for name, url in world["urls"].items():
            assert client.get(url).status_code == EXPECTED[name][role], (role, name)


def test_an_outsider_sees_no_study_endpoint(world: dict[str, Any], outsider: User) -> None:
    client = Client()
    client.force_login(outsider)
    for name, url in world["urls"].items():
        response = client.get(url)
        assert response.status_code == (200 if name in UNSCOPED else 404), name
        assert set(response.json()) != {"error"} or response.json()["error"]["status"] == 404


def test_anonymous_callers_and_expired_tokens_get_401_everywhere(world: dict[str, Any], study: Study) -> None:
    owner = world["users"]["owner"]
    expired = create_api_token(
        user=owner, name="old", study_ids=[study.pk], read_only=True, expires_at=timezone.now() - timedelta(seconds=1)
    ).plaintext
    for name, url in world["urls"].items():
        assert Client().get(url).status_code == 401, name
        assert Client(HTTP_AUTHORIZATION=f"Bearer {expired}").get(url).status_code == 401, name


def test_a_token_for_another_study_reaches_nothing_here(world: dict[str, Any]) -> None:
    owner = world["users"]["owner"]
    elsewhere = StudyFactory()
    MembershipFactory(study=elsewhere, user=owner, role=Role.OWNER)
    token = create_api_token(user=owner, name="other", study_ids=[elsewhere.pk], read_only=True, expires_at=None)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token.plaintext}")
    for name, url in world["urls"].items():
        assert client.get(url).status_code == (200 if name in UNSCOPED else 404), name


def test_a_token_of_the_study_reaches_what_its_role_may(world: dict[str, Any], study: Study) -> None:
    for role, user in world["users"].items():
        token = create_api_token(user=user, name=role, study_ids=[study.pk], read_only=True, expires_at=None)
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token.plaintext}")
        for name, url in world["urls"].items():
            assert client.get(url).status_code == EXPECTED[name][role], (role, name)


def test_a_read_only_token_never_writes(world: dict[str, Any], study: Study) -> None:
    coder = world["users"]["coder"]
    token = create_api_token(user=coder, name="ro", study_ids=[study.pk], read_only=True, expires_at=None)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token.plaintext}")
    for name, url in world["urls"].items():
        assert client.post(url, {}, content_type="application/json").status_code in (403, 405), name
