"""The study-role check on sample views: 404 for outsiders, 403 for members without the role."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from studies.models import Role, Study, StudyMembership
from studies.services.emails import send_membership_email

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


def test_the_team_page_is_for_owners_and_researchers(
    study: Study, owner: User, researcher: User, coder: User, outsider: User
) -> None:
    url = reverse("studies:team", args=[study.slug])
    assert client_for(owner).get(url).status_code == 200
    assert client_for(researcher).get(url).status_code == 200
    assert client_for(coder).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404


def test_only_an_owner_changes_the_team(
    study: Study, owner: User, researcher: User, django_capture_on_commit_callbacks: object
) -> None:
    newcomer = UserFactory()
    url = reverse("studies:team", args=[study.slug])
    denied = client_for(researcher).post(url, {"email": newcomer.email, "role": Role.CODER})
    assert denied.status_code == 403
    assert not StudyMembership.objects.filter(user=newcomer).exists()

    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        response = client_for(owner).post(url, {"email": newcomer.email.upper(), "role": Role.CODER})
    assert response.status_code == 302
    membership = StudyMembership.objects.get(user=newcomer)
    assert membership.role == Role.CODER
    assert len(callbacks) == 1

    send_membership_email(membership.id)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [newcomer.email]
    assert study.title in mail.outbox[0].subject


def test_an_unknown_email_gets_a_clear_message_and_changes_nothing(study: Study, owner: User) -> None:
    url = reverse("studies:team", args=[study.slug])
    response = client_for(owner).post(url, {"email": "nobody@example.org", "role": Role.CODER})
    assert response.status_code == 400
    assert "No active account uses this email address." in response.content.decode()
    assert study.memberships.count() == 1


def test_the_last_owner_cannot_be_demoted(study: Study, owner: User) -> None:
    url = reverse("studies:team", args=[study.slug])
    response = client_for(owner).post(url, {"email": owner.email, "role": Role.VIEWER})
    assert response.status_code == 400
    assert "at least one owner" in response.content.decode()
    assert StudyMembership.objects.get(user=owner).role == Role.OWNER
