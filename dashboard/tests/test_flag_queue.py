"""The flag queue in the dashboard's recruitment panel: people flagged for review (a family behind one router, a
too-fast answer), oldest first, for owners and researchers, who decide on each; the other roles see only the count
in the funnel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from studies.models import Participant, Study
from studies.tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def funnel_panel(user: User, study: Study) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("dashboard:panel", args=[study.slug, "funnel"])).content.decode()


def test_owners_see_the_flagged_people_oldest_first_with_a_link_to_each(study: Study, owner: User) -> None:
    newer = ParticipantFactory(study=study, status=Participant.Status.FLAGGED)
    older = ParticipantFactory(study=study, status=Participant.Status.FLAGGED)
    Participant.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=3))
    ParticipantFactory(study=study, status=Participant.Status.ELIGIBLE)

    page = funnel_panel(owner, study)

    assert "2 responses flagged for review" in page
    assert page.index(older.code) < page.index(newer.code)
    assert reverse("studies:participant", args=[study.slug, older.code]) in page
    assert "?status=flagged" in page


def test_coders_and_viewers_see_no_queue_and_no_codes(study: Study, coder: User, viewer: User) -> None:
    flagged = ParticipantFactory(study=study, status=Participant.Status.FLAGGED)
    for user in (coder, viewer):
        page = funnel_panel(user, study)
        assert 'id="flag-queue"' not in page
        assert flagged.code not in page


def test_no_queue_is_shown_when_nobody_waits(study: Study, researcher: User) -> None:
    ParticipantFactory(study=study, status=Participant.Status.ELIGIBLE)
    assert 'id="flag-queue"' not in funnel_panel(researcher, study)
