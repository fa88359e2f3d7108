"""The API's busiest path in plain Django: what a token request costs in queries, and what the transcripts list
gives through DRF's cursor pagination.

Every API request looks up its token with the user, the caller's membership with the study and, for a token, its
scope; the transcripts list is what sync scripts poll. Each lookup is one ORM query, and a request makes a fixed
number of them however many rows its page holds (timings are bench/api_list_bench.py's, not the tests').
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.utils.translation import gettext_lazy
from pytest_django import DjangoAssertNumQueries
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict

from accounts.models import User
from accounts.tokens import ApiTokenAuthentication, create_api_token
from config.api import FastJSONRenderer
from review.api import TranscriptSerializer
from studies.models import Study, StudyMembership
from studies.permissions import check_token_scope, membership_for
from studies.tests.factories import StudyFactory
from tests.exportkit import make_transcript
from transcription.models import Transcript

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttle() -> None:
    cache.clear()  # token ids restart with each test database while Redis keeps throttle history


def _json(data: ReturnDict) -> object:
    return json.loads(JSONRenderer().render(data))


def _walk(client: Client, url: str | None, link: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    while url:
        page = client.get(url).json()
        rows += page["results"] if link == "next" else list(reversed(page["results"]))
        url = page[link]
    return rows


def test_the_transcripts_list_gives_the_serializers_rows_forward_backward_and_filtered(
    study: Study, owner: User
) -> None:
    made = [make_transcript(study, language=language) for language in ("en", "es", "en", "pt-BR", "en")]
    Transcript.objects.filter(pk=made[0].pk).update(updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))  # no fraction
    Transcript.objects.filter(pk=made[1].pk).update(updated_at=datetime(2026, 1, 2, 3, 4, 5, 120, tzinfo=UTC))
    Transcript.objects.filter(pk=made[2].pk).update(state=Transcript.State.IN_REVIEW)
    make_transcript(StudyFactory())  # another study's transcript never shows
    expected = [
        _json(TranscriptSerializer(t).data)
        for t in Transcript.objects.filter(pk__in=[t.pk for t in made])
        .select_related("recording__interview__participant")
        .order_by("id")
    ]
    assert expected[0]["updated_at"] == "2026-01-02T03:04:05Z"  # type: ignore[index]
    assert expected[1]["updated_at"] == "2026-01-02T03:04:05.000120Z"  # type: ignore[index]

    client = Client()
    client.force_login(owner)
    url = f"/api/v1/studies/{study.slug}/transcripts/"
    forward = _walk(client, f"{url}?page_size=2", "next")
    assert forward == expected
    last_page = client.get(f"{url}?page_size=2").json()
    while last_page["next"]:
        last_page = client.get(last_page["next"]).json()
    backward = list(reversed(last_page["results"])) + _walk(client, last_page["previous"], "previous")
    assert list(reversed(backward)) == expected

    english = client.get(url, {"language": "en", "status": "approved"}).json()["results"]
    assert english == [row for row in expected if row["language"] == "en" and row["status"] == "approved"]  # type: ignore[index]
    recent = client.get(url, {"updated_since": "2026-01-02T03:04:05.000001Z"}).json()["results"]
    assert [row["id"] for row in recent] == [row["id"] for row in expected[1:]]  # type: ignore[index]
    same_moment = client.get(url, {"updated_since": "2026-01-02T08:04:05.000001+05:00"}).json()["results"]
    assert same_moment == recent


def test_a_forged_cursor_is_a_404_with_the_error_body_not_a_server_error(study: Study, owner: User) -> None:
    make_transcript(study)
    client = Client()
    client.force_login(owner)
    for position in ("abc", "1;DROP", "9" * 40):
        cursor = base64.b64encode(f"p={position}".encode()).decode()
        response = client.get(f"/api/v1/studies/{study.slug}/transcripts/", {"cursor": cursor})
        assert response.status_code == 404, position
        assert response.json()["error"]["message"] == "Invalid cursor"


def test_the_token_comes_with_its_user_in_one_query(
    study: Study, owner: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    raw = create_api_token(user=owner, name="sync", study_ids=[study.pk], read_only=True, expires_at=None).plaintext
    with django_assert_num_queries(1):
        token = ApiTokenAuthentication()._token_for(raw)
        assert token.user == owner
        assert token.user.email == owner.email
        assert token.read_only is True


def test_the_membership_comes_with_its_study_in_one_query(
    study: Study, owner: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    expected = StudyMembership.objects.get(user=owner, study=study)
    with django_assert_num_queries(1):
        membership = membership_for(owner, study.slug)
        assert membership == expected
        assert membership.role == expected.role
        assert membership.study.title == study.title
    stranger = User.objects.create_user("stranger@example.org")
    for user, slug in ((stranger, study.slug), (owner, StudyFactory().slug), (owner, "no-such-study")):
        with pytest.raises(Http404):
            membership_for(user, slug)


def test_a_token_reaches_only_its_studies_and_a_read_only_one_only_reads(
    study: Study, owner: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    elsewhere = StudyFactory()
    elsewhere.memberships.create(user=owner, role=study.memberships.get(user=owner).role)
    issued = create_api_token(user=owner, name="sync", study_ids=[study.pk], read_only=True, expires_at=None)
    token = issued.token
    with django_assert_num_queries(1):
        check_token_scope(token, study_id=study.pk, method="GET")
    for method in ("GET", "POST"):
        with pytest.raises(Http404):  # outside its studies a study does not exist for the token
            check_token_scope(token, study_id=elsewhere.pk, method=method)
    with pytest.raises(PermissionDenied):
        check_token_scope(token, study_id=study.pk, method="POST")
    writer = create_api_token(user=owner, name="w", study_ids=[study.pk], read_only=False, expires_at=None).token
    check_token_scope(writer, study_id=study.pk, method="POST")


@pytest.mark.parametrize("transcripts", [1, 12], ids=["one-row", "twelve-rows"])
def test_a_token_request_for_the_transcripts_list_makes_the_same_few_queries_for_any_page(
    study: Study, owner: User, transcripts: int, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for _ in range(transcripts):
        make_transcript(study)
    raw = create_api_token(user=owner, name="sync", study_ids=[study.pk], read_only=True, expires_at=None).plaintext
    client = Client(headers={"authorization": f"Bearer {raw}"})
    url = f"/api/v1/studies/{study.slug}/transcripts/"
    client.get(url)  # the first use also writes "last used"
    # The token with its user, the request's audit entry (one insert), the membership with its study, the
    # token's scope, then the page with each row's recording, interview and participant joined in.
    with django_assert_num_queries(5) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) == transcripts
    assert queries.captured_queries[1]["sql"].startswith('INSERT INTO "accounts_auditentry"')


@pytest.mark.parametrize(
    "data",
    [
        {
            "results": [
                {"id": 1, "at": datetime(2026, 11, 26, 3, 4, 5, 120, tzinfo=UTC), "text": "Sí, ñ 日本 \u2028 \u2029"}
            ]
        },
        {"when": date(2026, 1, 2), "at": time(3, 4, 5), "took": timedelta(seconds=1.5), "id": uuid.UUID(int=7)},
        {"price": Decimal("1.25"), "label": gettext_lazy("Name"), 7: "integer key", "pair": (1, 2), "none": None},
        {"huge": 2**70},  # beyond 64 bits: orjson refuses, DRF's encoder writes it
    ],
    ids=["datetimes-and-unicode", "dates-times-uuids", "decimals-lazy-text-int-keys", "huge-integer"],
)
def test_the_fast_json_renderer_writes_the_bytes_drfs_renderer_writes(data: dict[object, object]) -> None:
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)
    indented = "application/json; indent=4"  # what the browsable API asks for: DRF's renderer itself
    assert FastJSONRenderer().render(data, indented) == JSONRenderer().render(data, indented)
    assert FastJSONRenderer().render(None) == b""


def test_the_api_answers_with_the_fast_json_renderer(study: Study, owner: User) -> None:
    client = Client()
    client.force_login(owner)
    response = client.get(f"/api/v1/studies/{study.slug}/transcripts/", headers={"accept": "application/json"})
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, FastJSONRenderer)  # type: ignore[attr-defined]
