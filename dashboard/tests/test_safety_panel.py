"""The dashboard's safety panel: the count of events awaiting follow-up and the list of unresolved ones."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from dashboard import selectors
from studies.models import SafetyEvent, Study
from studies.services.safety import follow_up_safety_event
from studies.tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db
FollowUp = SafetyEvent.FollowUp
NOTE = "Called her back; she is safe with her sister tonight and has the helpline number."


def make_event(study: Study) -> SafetyEvent:
    participant = ParticipantFactory(study=study)
    return SafetyEvent.objects.create(study=study, participant=participant, question_key="crisis")


def test_the_dashboard_counts_open_events_and_lists_only_unresolved_ones(study: Study, researcher: User) -> None:
    open_event, contacted, resolved = make_event(study), make_event(study), make_event(study)
    follow_up_safety_event(event=contacted, to=FollowUp.CONTACTED, note="", user=researcher)
    follow_up_safety_event(event=resolved, to=FollowUp.RESOLVED, note=NOTE, user=researcher)
    panel = selectors.safety_events(study=study)
    assert (panel.open, panel.contacted, panel.resolved, panel.total) == (1, 1, 1, 3)
    assert [event.id for event in panel.events] == [open_event.id, contacted.id]
    client = Client()
    client.force_login(researcher)
    html = client.get(reverse("dashboard:panel", args=[study.slug, "safety"])).content.decode()
    assert "1 safety event awaiting follow-up." in html
    assert "1 contacted, not yet resolved." in html
    assert f'data-event="{resolved.id}"' not in html
    assert f"/safety/#event-{open_event.id}" in html
    assert NOTE not in html
