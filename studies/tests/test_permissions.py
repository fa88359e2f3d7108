"""The study-role check on sample views: 404 for outsiders, 403 for members without the role."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from studies.models import Study

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_anonymous_visitor_is_sent_to_sign_in(study: Study) -> None:
    response = Client().get(reverse("studies:detail", args=[study.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_owner_and_researcher_see_the_study(study: Study, owner: User, researcher: User) -> None:
    for user in (owner, researcher):
        response = client_for(user).get(reverse("studies:detail", args=[study.slug]))
        assert response.status_code == 200
        assert study.title in response.content.decode()


def test_an_outsider_gets_404_not_403_so_the_study_does_not_leak(study: Study, outsider: User) -> None:
    response = client_for(outsider).get(reverse("studies:detail", args=[study.slug]))
    assert response.status_code == 404
    assert study.title not in response.content.decode()


def test_a_missing_study_and_a_hidden_study_look_the_same(outsider: User) -> None:
    response = client_for(outsider).get(reverse("studies:detail", args=["no-such-study"]))
    assert response.status_code == 404
