"""The API's hot path in hand-written SQL (config.sqlrows) gives what the ORM and the serializers gave.

Every API request looks up its token with the user and the caller's membership with the study; the transcripts list
is what sync scripts poll. These run hand-written SQL (see the benchmark in bench/api_list_bench.py); the tests
hold them to the ORM's and DRF's own answers, on the real PostgreSQL.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict

from accounts.models import User
from accounts.tokens import ApiTokenAuthentication, StudyLookup, create_api_token
from config.api import FastJSONRenderer
from config.sqlrows import JoinedRows, KeysetRows, iso_datetime
from studies.models import ContactDetails, Participant, Study, StudyMembership
from studies.permissions import membership_for
from studies.tests.factories import ParticipantFactory, StudyFactory
from tests.exportkit import make_transcript
from transcription.api import TranscriptSerializer
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


@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 11, 26, 3, 56, 7, tzinfo=UTC), datetime(2026, 11, 26, 3, 56, 7, 5, tzinfo=UTC)],
    ids=["whole-second", "with-microseconds"],
)
def test_the_database_writes_a_datetime_exactly_as_drf_does(moment: datetime) -> None:
    drf = serializers.DateTimeField().to_representation(moment)
    expression = iso_datetime("moment", "postgresql")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression} FROM (SELECT %s::timestamptz AS moment) m", [moment])  # noqa: S608
        assert cursor.fetchone()[0] == drf
    # SQLite (the embedded run) holds the text Django's SQLite backend writes: the naive UTC datetime's str().
    stored = str(moment.replace(tzinfo=None))
    lite = sqlite3.connect(":memory:")
    assert lite.execute(f"SELECT {iso_datetime('?', 'sqlite')}", [stored]).fetchone()[0] == drf


def test_joined_rows_build_each_model_with_the_orms_converters_and_the_extra_columns() -> None:
    participant = ParticipantFactory(study=StudyFactory(languages=["en", "ar"]))
    ContactDetails.objects.create(participant=participant, name="Amal Haddad", email="amal@example.org")
    rows = JoinedRows(
        "SELECT {participant}, {study}, {contact}, p.id > 0 FROM {participant_table} p"
        " JOIN {study_table} s ON s.id = p.study_id JOIN {contact_table} c ON c.participant_id = p.id"
        " WHERE p.id = %s",
        participant=(Participant, "p"),
        study=(Study, "s"),
        contact=(ContactDetails, "c"),
    ).fetch([participant.pk])
    [(loaded, study, contact, positive)] = rows
    assert loaded == participant
    assert loaded.code == participant.code
    assert loaded.status == participant.status
    assert study.languages == ["en", "ar"]  # JSON decoded
    assert (contact.name, contact.email) == ("Amal Haddad", "amal@example.org")  # decrypted
    assert positive is True
    assert not loaded._state.adding
    assert loaded._state.db == "default"


def test_the_token_and_membership_lookups_give_what_the_orm_gives(study: Study, owner: User) -> None:
    other = StudyFactory()
    raw = create_api_token(user=owner, name="sync", study_ids=[study.pk], read_only=True, expires_at=None).plaintext
    token = ApiTokenAuthentication()._token_for(raw)
    assert token.user == owner
    assert token.user.email == owner.email
    assert token.read_only is True
    membership = membership_for(owner, study.slug, token)
    assert membership.study == study
    assert membership.study.title == study.title
    assert membership.in_token_scope is True  # type: ignore[attr-defined]
    assert membership_for(owner, study.slug).in_token_scope is True  # type: ignore[attr-defined]
    other.memberships.create(user=owner, role=study.memberships.get(user=owner).role)
    assert membership_for(owner, other.slug, token).in_token_scope is False  # type: ignore[attr-defined]


def test_the_tokens_query_looks_up_the_membership_of_the_study_its_url_names(study: Study, owner: User) -> None:
    in_scope, outside_scope, not_a_member = StudyFactory(), StudyFactory(), StudyFactory()
    role = study.memberships.get(user=owner).role
    for joined in (in_scope, outside_scope):
        joined.memberships.create(user=owner, role=role)
    raw = create_api_token(
        user=owner, name="sync", study_ids=[study.pk, in_scope.pk], read_only=True, expires_at=None
    ).plaintext
    for slug in (study.slug, in_scope.slug, outside_scope.slug, not_a_member.slug, "no-such-study"):
        token = ApiTokenAuthentication()._token_for(raw, slug)
        assert token.user == owner
        lookup = token.study_lookup  # type: ignore[attr-defined]
        assert isinstance(lookup, StudyLookup)
        assert lookup.slug == slug
        if slug in (not_a_member.slug, "no-such-study"):
            assert lookup.membership is None
            with pytest.raises(Http404):
                membership_for(owner, slug, token)
            continue
        expected = StudyMembership.objects.select_related("study").get(user=owner, study__slug=slug)
        with CaptureQueriesContext(connection) as queries:
            found = membership_for(owner, slug, token)
        assert len(queries) == 0  # already looked up
        assert found == expected
        assert found.role == expected.role
        assert found.study.title == expected.study.title
        assert found.in_token_scope is (slug != outside_scope.slug)  # type: ignore[attr-defined]
        # The lookup answers only for its own study and the token's own user; anything else asks the database.
        elsewhere = in_scope if slug == study.slug else study
        with CaptureQueriesContext(connection) as queries:
            assert membership_for(owner, elsewhere.slug, token).study == elsewhere
        assert len(queries) == 1
    token = ApiTokenAuthentication()._token_for(raw, not_a_member.slug)
    stranger = not_a_member.memberships.create(user=User.objects.create_user("stranger@example.org"), role=role).user
    with pytest.raises(Http404):
        membership_for(owner, not_a_member.slug, token)
    assert membership_for(stranger, not_a_member.slug, token).user == stranger  # not the token's user: its own query


def test_a_token_request_under_a_study_costs_one_query_for_token_and_membership(study: Study, owner: User) -> None:
    make_transcript(study)
    raw = create_api_token(user=owner, name="sync", study_ids=[study.pk], read_only=True, expires_at=None).plaintext
    client = Client(headers={"authorization": f"Bearer {raw}"})
    url = f"/api/v1/studies/{study.slug}/transcripts/"
    client.get(url)  # the first use also writes "last used"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
    # The token with the membership, the request's audit entry (one insert), then the page.
    assert len(queries) == 3, [query["sql"] for query in queries]
    assert queries[1]["sql"].startswith('INSERT INTO "accounts_auditentry"')


def test_joined_rows_give_none_for_the_empty_side_of_a_left_join() -> None:
    study = StudyFactory()
    rows = JoinedRows(
        "SELECT {study}, {participant} FROM {study_table} s LEFT JOIN {participant_table} p ON p.study_id = s.id"
        " WHERE s.id = %s",
        study=(Study, "s"),
        participant=(Participant, "p"),
    ).fetch([study.pk])
    assert rows == [(study, None)]


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


def test_keyset_rows_refuse_what_they_cannot_do() -> None:
    rows = KeysetRows("SELECT 1 AS id WHERE TRUE", [], key="id", column="id")
    with pytest.raises(ValueError, match="ordering"):
        rows.order_by("created_at")
    with pytest.raises(ValueError, match="id__gt"):
        rows.filter(id__gte=3)
