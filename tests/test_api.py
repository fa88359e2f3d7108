"""The REST API's authentication, study scoping and error bodies (personal tokens and sessions)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken, AuditEntry, User
from accounts.tokens import create_api_token
from studies.models import Role, Study
from studies.tests.factories import MembershipFactory, StudyFactory

pytestmark = pytest.mark.django_db


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def issue(user: User, studies: list[Study], **options: object) -> str:
    defaults: dict[str, object] = {"name": "notebook", "read_only": True, "expires_at": None}
    defaults.update(options)
    return create_api_token(user=user, study_ids=[s.pk for s in studies], **defaults).plaintext  # type: ignore[arg-type]


def test_the_token_secret_is_shown_once_and_stored_only_as_a_hash(owner: User, study: Study) -> None:
    plaintext = issue(owner, [study])
    stored = ApiToken.objects.get(user=owner)
    secret = plaintext.split("_", 2)[2]
    assert secret not in stored.key_hash
    assert plaintext.startswith(f"ipt_{stored.prefix}_")


def test_a_token_lists_only_its_studies_and_each_use_is_audited(owner: User, study: Study) -> None:
    other = StudyFactory()
    MembershipFactory(study=other, user=owner, role=Role.OWNER)
    token = issue(owner, [study])
    response = bearer(token).get("/api/v1/studies/")
    assert response.status_code == 200
    assert [item["slug"] for item in response.json()["results"]] == [study.slug]
    assert bearer(token).get(f"/api/v1/studies/{other.slug}/").status_code == 404
    assert AuditEntry.objects.filter(action="api.token.used", actor=owner).count() == 2


def test_a_session_sees_every_study_with_a_role_and_an_outsider_gets_404(
    study: Study, owner: User, outsider: User
) -> None:
    client = Client()
    client.force_login(owner)
    assert client.get(f"/api/v1/studies/{study.slug}/").json()["slug"] == study.slug
    client.force_login(outsider)
    response = client.get(f"/api/v1/studies/{study.slug}/")
    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "code": "not_found", "message": "Not found."}}


def test_expired_revoked_and_wrong_tokens_are_refused_with_401(owner: User, study: Study) -> None:
    expired = issue(owner, [study], expires_at=timezone.now() - timedelta(minutes=1))
    assert bearer(expired).get("/api/v1/studies/").status_code == 401
    valid = issue(owner, [study])
    ApiToken.objects.filter(prefix=valid.split("_")[1]).update(revoked_at=timezone.now())
    assert bearer(valid).get("/api/v1/studies/").status_code == 401
    forged = valid[:-4] + "AAAA"
    response = bearer(forged).get("/api/v1/studies/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert bearer("ipt_nothing_here").get("/api/v1/studies/").status_code == 401


def test_a_token_stops_working_when_its_owner_loses_the_role(owner: User, study: Study) -> None:
    token = issue(owner, [study])
    study.memberships.filter(user=owner).delete()
    assert bearer(token).get(f"/api/v1/studies/{study.slug}/").status_code == 404
    assert bearer(token).get("/api/v1/studies/").json()["results"] == []


def test_anonymous_callers_get_a_json_401_or_403() -> None:
    response = Client().get("/api/v1/studies/")
    assert response.status_code in (401, 403)
    assert set(response.json()["error"]) == {"status", "code", "message"}


def test_the_openapi_schema_and_offline_docs_are_served() -> None:
    schema = Client().get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/studies/" in schema.content
    docs = Client().get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
