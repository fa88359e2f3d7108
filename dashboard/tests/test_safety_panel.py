"""The dashboard's safety panel: the counts of events awaiting follow-up and overdue, and the list of unresolved ones
by follow-up due time, for owners and researchers only."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from dashboard import selectors
from studies.models import Interview, SafetyEvent, Study
from studies.services import distress
from studies.services.safety import follow_up_safety_event
from studies.tests.factories import InterviewFactory, ParticipantFactory

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


# --- Follow-ups of the distress protocol ------------------------------------------------------------------------


def assessed(study: Study, user: User, outcome: str = SafetyEvent.Outcome.STOP, **fields: object) -> SafetyEvent:
    interview = InterviewFactory(participant__study=study, status=Interview.Status.SCHEDULED)
    event = distress.record_assessment(
        event=distress.mark_distress(interview=interview, user=user), outcome=outcome, note=NOTE, user=user
    )
    SafetyEvent.objects.filter(id=event.id).update(**fields)
    event.refresh_from_db()
    return event


def panel_html(user: User, study: Study) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("dashboard:panel", args=[study.slug, "safety"]))
    assert response.status_code == 200
    return response.content.decode()


def row_text(html: str, event: SafetyEvent) -> str:
    found = re.search(rf'<tr id="follow-up-{event.id}".*?</tr>', html, flags=re.S)
    assert found is not None, f"no follow-up row for event {event.id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def test_open_follow_ups_are_listed_by_due_time_with_overdue_ones_counted_and_marked(
    study: Study, owner: User, interviewer: User
) -> None:
    User.objects.filter(pk=interviewer.pk).update(display_name="Ines Marquez")
    now = timezone.now()
    later = assessed(study, interviewer, follow_up_due_at=now + timedelta(hours=3))
    late = assessed(study, interviewer, SafetyEvent.Outcome.URGENT_HELP, follow_up_due_at=now - timedelta(hours=2))
    support = distress.stop_voice_interview(
        event=distress.open_support(interview=InterviewFactory(participant__study=study), question=None)
    )
    SafetyEvent.objects.filter(id=support.id).update(follow_up_due_at=now + timedelta(hours=1))

    panel = selectors.safety_events(study=study)
    html = panel_html(owner, study)

    assert (panel.open, panel.overdue) == (3, 1)
    assert [event.id for event in panel.events] == [late.id, support.id, later.id]
    assert "1 follow-up overdue." in html
    order = [html.index(f'id="follow-up-{event.id}"') for event in (late, support, later)]
    assert order == sorted(order)
    late_row = row_text(html, late)
    assert late.participant.code in late_row
    assert "Distress during an interview: Get urgent help" in late_row
    assert "overdue" in late_row
    assert "Ines Marquez" in late_row
    assert "overdue" not in row_text(html, later)
    assert "Participant asked for support: Stop the interview" in row_text(html, support)
    assert "owners and researchers" in row_text(html, support)
    assert NOTE not in html


def test_a_follow_up_recorded_as_done_leaves_the_panel(study: Study, researcher: User, interviewer: User) -> None:
    event = assessed(study, interviewer, follow_up_due_at=timezone.now() - timedelta(hours=1))
    assert f'id="follow-up-{event.id}"' in panel_html(researcher, study)

    follow_up_safety_event(event=event, to=FollowUp.RESOLVED, note="Called; she is well.", user=researcher)

    html = panel_html(researcher, study)
    assert f'id="follow-up-{event.id}"' not in html
    panel = selectors.safety_events(study=study)
    assert (panel.open, panel.overdue, panel.resolved) == (0, 0, 1)


def test_the_panel_reads_in_two_queries_however_many_events_there_are(
    study: Study, interviewer: User, django_assert_num_queries: Any
) -> None:
    for hours in range(6):
        assessed(study, interviewer, follow_up_due_at=timezone.now() + timedelta(hours=hours))
    make_event(study)
    with django_assert_num_queries(2):
        panel = selectors.safety_events(study=study)
        assert [event.follow_up_assignee for event in panel.events].count(interviewer) == 6
        assert all(event.participant.code for event in panel.events)


@pytest.mark.parametrize("persona", ["interviewer", "coder", "viewer"])
def test_other_roles_get_neither_the_panel_nor_its_fragment(
    study: Study, interviewer: User, persona: str, request: pytest.FixtureRequest
) -> None:
    event = assessed(study, interviewer)
    client = Client()
    client.force_login(request.getfixturevalue(persona))

    fragment = client.get(reverse("dashboard:panel", args=[study.slug, "safety"]))
    page = client.get(reverse("dashboard:page", args=[study.slug])).content.decode()

    assert fragment.status_code == 403
    assert 'id="panel-safety"' not in page
    assert f"follow-up-{event.id}" not in page
