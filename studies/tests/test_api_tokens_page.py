"""The API token page: a token is created for chosen studies, shown once, and can be revoked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import ApiToken, User
from accounts.tests.factories import verified_client
from studies.models import Study
from studies.tests.factories import StudyFactory

pytestmark = pytest.mark.django_db


def test_a_new_token_is_shown_once_and_limited_to_the_chosen_study(owner: User, study: Study) -> None:
    client = verified_client(owner)
    url = reverse("api_tokens:list")
    created = client.post(url, {"name": "R notebook", "studies": [study.pk], "read_only": "on"})
    assert created.status_code == 200
    token = ApiToken.objects.get(user=owner)
    assert f"ipt_{token.prefix}_" in created.content.decode()
    assert list(token.studies.all()) == [study]
    again = client.get(url).content.decode()
    assert f"ipt_{token.prefix}_" not in again.replace(f"<code>ipt_{token.prefix}</code>", "")

    client.post(reverse("api_tokens:revoke", args=[token.prefix]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_token_cannot_reach_a_study_without_a_role_or_expire_in_the_past(owner: User) -> None:
    foreign = StudyFactory()
    client = verified_client(owner)
    url = reverse("api_tokens:list")
    response = client.post(url, {"name": "x", "studies": [foreign.pk], "expires_on": "2000-01-01"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Select a valid choice" in body
    assert "Choose a date in the future." in body
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(("language", "shown"), [("en", "Send it as: Authorization: Bearer"), ("es", "Envíelo así")])
def test_the_help_shows_the_header_with_its_token_placeholder(owner: User, language: str, shown: str) -> None:
    client = verified_client(owner)
    page = client.get(reverse("api_tokens:list"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert "Authorization: Bearer &lt;token&gt;.</p>" in page
    assert shown in page
    assert "<token>" not in page
