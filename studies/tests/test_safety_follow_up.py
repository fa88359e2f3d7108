"""Following up safety events: the allowed moves, who may make them, the audit entry, the encrypted note
and the follow-up page (the dashboard's count of open events: dashboard/tests/test_safety_panel.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from config.crypto import decrypt_text
from studies.models import SafetyEvent, Study
from studies.services.safety import SafetyFollowUpError, follow_up_safety_event
from studies.tests.factories import ParticipantFactory, StudyFactory

pytestmark = pytest.mark.django_db
FollowUp = SafetyEvent.FollowUp
NOTE = "Called her back; she is safe with her sister tonight and has the helpline number."


def make_event(study: Study, **fields: object) -> SafetyEvent:
    participant = ParticipantFactory(study=study)
    return SafetyEvent.objects.create(study=study, participant=participant, question_key="crisis", **fields)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def state_of(event: SafetyEvent) -> tuple[str, int | None, bool, str]:
    event.refresh_from_db()
    return event.follow_up, event.followed_up_by_id, event.followed_up_at is not None, event.follow_up_note


# --- The service --------------------------------------------------------------------------------------------


def test_an_open_event_is_marked_contacted_then_resolved_with_who_and_when(study: Study, researcher: User) -> None:
    event = make_event(study)
    follow_up_safety_event(event=event, to=FollowUp.CONTACTED, note="", user=researcher)
    assert state_of(event) == ("contacted", researcher.id, True, "")
    follow_up_safety_event(event=event, to=FollowUp.RESOLVED, note=f"  {NOTE}\n", user=researcher)
    assert state_of(event) == ("resolved", researcher.id, True, NOTE)


def test_an_open_event_can_be_resolved_at_once_by_an_owner(study: Study, owner: User) -> None:
    event = make_event(study)
    follow_up_safety_event(
        event=event, to=FollowUp.RESOLVED, note="Answered by mistake; confirmed by phone.", user=owner
    )
    assert state_of(event)[:3] == ("resolved", owner.id, True)


def test_each_move_leaves_an_audit_entry_with_the_states_and_never_the_note(study: Study, researcher: User) -> None:
    event = make_event(study)
    follow_up_safety_event(event=event, to=FollowUp.RESOLVED, note=NOTE, user=researcher)
    entry = AuditEntry.objects.get(action="safety_event.followed_up")
    assert (entry.actor_id, entry.study_id, entry.target_type, entry.target_id) == (
        researcher.id,
        study.id,
        "studies.safetyevent",
        str(event.id),
    )
    assert entry.detail == {"from": "open", "to": "resolved"}
    assert "sister" not in str(entry.__dict__)


def test_resolving_without_a_note_is_refused_and_changes_nothing(study: Study, researcher: User) -> None:
    event = make_event(study)
    follow_up_safety_event(event=event, to=FollowUp.CONTACTED, note="Left a message.", user=researcher)
    with pytest.raises(SafetyFollowUpError, match=r"Write a short note on how the event was resolved\."):
        follow_up_safety_event(event=event, to=FollowUp.RESOLVED, note="   ", user=researcher)
    assert state_of(event) == ("contacted", researcher.id, True, "Left a message.")
    assert AuditEntry.objects.filter(action="safety_event.followed_up").count() == 1


@pytest.mark.parametrize(
    ("start", "to", "message"),
    [
        ("contacted", "contacted", "The event is already marked as contacted."),
        ("resolved", "resolved", "The event is already marked as resolved."),
        ("open", "open", "Only a resolved event can be reopened."),
        ("contacted", "open", "Only a resolved event can be reopened."),
        ("resolved", "contacted", "A resolved event must be reopened before it is marked as contacted."),
        ("open", "closed", "Choose a follow-up status."),
        ("open", "", "Choose a follow-up status."),
    ],
)
def test_a_move_that_is_not_allowed_is_refused_with_a_clear_message_and_changes_nothing(
    study: Study, owner: User, researcher: User, start: str, to: str, message: str
) -> None:
    event = make_event(study)
    if start != "open":
        follow_up_safety_event(event=event, to=start, note="Earlier note.", user=owner)
    before = state_of(event)
    entries = AuditEntry.objects.count()
    with pytest.raises(SafetyFollowUpError) as refused:
        follow_up_safety_event(event=event, to=to, note="A new note.", user=researcher)
    assert str(refused.value) == message
    assert state_of(event) == before
    assert AuditEntry.objects.count() == entries


def test_a_note_over_the_limit_is_refused(study: Study, researcher: User) -> None:
    event = make_event(study)
    with pytest.raises(SafetyFollowUpError, match="at most 1000 characters"):
        follow_up_safety_event(event=event, to=FollowUp.RESOLVED, note="x" * 1001, user=researcher)
    assert state_of(event) == ("open", None, False, "")


def test_a_resolved_event_can_be_reopened_and_keeps_its_note(study: Study, researcher: User, owner: User) -> None:
    event = make_event(study)
    follow_up_safety_event(event=event, to=FollowUp.RESOLVED, note=NOTE, user=researcher)
    follow_up_safety_event(event=event, to=FollowUp.OPEN, note=NOTE + " Reopened: she wrote again.", user=owner)
    assert state_of(event) == ("open", None, False, NOTE + " Reopened: she wrote again.")
    assert AuditEntry.objects.filter(action="safety_event.followed_up", actor=owner).get().detail["to"] == "open"


@pytest.mark.parametrize("persona", ["interviewer", "coder", "viewer"])
def test_the_service_refuses_team_roles_that_do_not_follow_up(
    study: Study, persona: str, request: pytest.FixtureRequest
) -> None:
    event = make_event(study)
    with pytest.raises(PermissionDenied):
        follow_up_safety_event(event=event, to=FollowUp.CONTACTED, note="", user=request.getfixturevalue(persona))
    assert state_of(event) == ("open", None, False, "")


def test_the_service_treats_people_of_another_study_as_strangers(study: Study, outsider: User) -> None:
    event = make_event(study)
    with pytest.raises(Http404):
        follow_up_safety_event(event=event, to=FollowUp.CONTACTED, note="", user=outsider)
    assert not AuditEntry.objects.filter(action="safety_event.followed_up").exists()


def test_the_note_is_encrypted_in_the_database(study: Study, researcher: User) -> None:
    event = make_event(study)
    follow_up_safety_event(event=event, to=FollowUp.RESOLVED, note=NOTE, user=researcher)
    with connection.cursor() as cursor:
        cursor.execute("SELECT follow_up_note FROM studies_safetyevent WHERE id = %s", [event.id])
        (stored,) = cursor.fetchone()
    assert "sister" not in stored
    assert stored != NOTE
    assert decrypt_text(stored) == NOTE


def test_the_database_refuses_a_resolution_without_a_note_or_a_handled_event_without_a_date(study: Study) -> None:
    event = make_event(study)
    with pytest.raises(IntegrityError), transaction.atomic():
        SafetyEvent.objects.filter(id=event.id).update(follow_up=FollowUp.CONTACTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        SafetyEvent.objects.filter(id=event.id).update(follow_up=FollowUp.RESOLVED, followed_up_at=event.created_at)


# --- The page and the form ----------------------------------------------------------------------------------


def test_the_page_lists_open_events_first_and_hides_resolved_ones_until_asked(study: Study, researcher: User) -> None:
    resolved = make_event(study)
    follow_up_safety_event(event=resolved, to=FollowUp.RESOLVED, note=NOTE, user=researcher)
    contacted = make_event(study)
    follow_up_safety_event(event=contacted, to=FollowUp.CONTACTED, note="Left a voicemail.", user=researcher)
    older_open, newer_open = make_event(study), make_event(study)
    url = reverse("studies:safety", args=[study.slug])
    page = client_for(researcher).get(url).content.decode()
    order = [page.index(f'id="event-{event.id}"') for event in (newer_open, older_open, contacted)]
    assert order == sorted(order)
    assert f'id="event-{resolved.id}"' not in page
    assert "Left a voicemail." in page  # the current note is offered for editing
    assert "Show resolved events (1)" in page
    everything = client_for(researcher).get(url, {"show": "resolved"}).content.decode()
    assert everything.index(f'id="event-{contacted.id}"') < everything.index(f'id="event-{resolved.id}"')
    assert NOTE in everything
    assert AuditEntry.objects.filter(action="safety_events.viewed", actor=researcher).count() == 2


def test_a_researcher_resolves_an_event_from_the_page(study: Study, researcher: User) -> None:
    event = make_event(study)
    url = reverse("studies:safety_follow_up", args=[study.slug, event.id])
    response = client_for(researcher).post(url, {"follow_up": "resolved", "note": NOTE}, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/safety/#event-{event.id}")
    assert f"Follow-up of {event.participant.code} saved: resolved." in response.content.decode()
    assert state_of(event)[:2] == ("resolved", researcher.id)


def test_a_refused_move_shows_the_page_again_with_the_error_and_what_was_typed(study: Study, owner: User) -> None:
    event = make_event(study)
    url = reverse("studies:safety_follow_up", args=[study.slug, event.id])
    response = client_for(owner).post(url, {"follow_up": "open", "note": "Typed & kept"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Only a resolved event can be reopened." in html
    assert "Typed &amp; kept</textarea>" in html
    assert state_of(event) == ("open", None, False, "")


@pytest.mark.parametrize("persona", ["interviewer", "coder", "viewer"])
def test_other_team_roles_get_403_for_the_page_and_the_form(
    study: Study, persona: str, request: pytest.FixtureRequest
) -> None:
    event = make_event(study)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("studies:safety", args=[study.slug])).status_code == 403
    post = client.post(reverse("studies:safety_follow_up", args=[study.slug, event.id]), {"follow_up": "contacted"})
    assert post.status_code == 403
    assert state_of(event)[0] == "open"


def test_outsiders_get_404_and_an_event_of_another_study_is_not_found(
    study: Study, outsider: User, researcher: User
) -> None:
    event = make_event(study)
    elsewhere = make_event(StudyFactory())
    client = client_for(outsider)
    assert client.get(reverse("studies:safety", args=[study.slug])).status_code == 404
    assert client.post(reverse("studies:safety_follow_up", args=[study.slug, event.id])).status_code == 404
    # A member of this study cannot reach another study's event through this study's address.
    url = reverse("studies:safety_follow_up", args=[study.slug, elsewhere.id])
    assert client_for(researcher).post(url, {"follow_up": "contacted"}).status_code == 404
    assert state_of(elsewhere)[0] == "open"


@pytest.mark.parametrize(
    ("persona", "shown"), [("owner", True), ("researcher", True), ("coder", False), ("viewer", False)]
)
def test_a_participants_page_shows_safety_events_only_to_those_who_follow_them_up(
    study: Study, persona: str, shown: bool, request: pytest.FixtureRequest
) -> None:
    event = make_event(study)
    url = reverse("studies:participant", args=[study.slug, event.participant.code])

    page = client_for(request.getfixturevalue(persona)).get(url)

    assert page.status_code == 200
    assert ("crisis" in page.content.decode()) is shown
