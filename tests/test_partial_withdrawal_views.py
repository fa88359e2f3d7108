"""The team applies a partial withdrawal from the safety page (studies:apply_cut): owners and researchers confirm it,
record a request the participant made by phone in the same step, and a refusal shows the form again with the reason,
changing nothing. What the cut deletes is proven in tests/test_partial_withdrawal.py; here, transcripts built from
known segments (tests/exportkit.py, each segment four seconds long) and no stored media."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from studies.models import SafetyEvent, Study
from studies.tests.factories import ParticipantFactory
from tests.exportkit import make_transcript
from transcription.models import Segment, Transcript

pytestmark = pytest.mark.django_db
MARK = 3.8  # seconds: after the first segment (0-3.5 s), before the second (4-7.5 s)


def _stopped(study: Study, *, requested: bool = True, offset: float | None = MARK) -> SafetyEvent:
    participant = ParticipantFactory(study=study)
    transcript = make_transcript(study, participant=participant)
    return SafetyEvent.objects.create(
        study=study,
        participant=participant,
        kind=SafetyEvent.Kind.INTERVIEW_DISTRESS,
        interview=transcript.recording.interview,
        marked_at=timezone.now(),
        recording_offset=offset,
        outcome=SafetyEvent.Outcome.STOP,
        cut_requested_at=timezone.now() if requested else None,
    )


def _post(user: User, event: SafetyEvent, **data: str) -> Any:  # the test client's response
    client = Client()
    client.force_login(user)
    return client.post(reverse("studies:apply_cut", args=[event.study.slug, event.pk]), data)


def _segments(event: SafetyEvent) -> int:
    return Segment.objects.filter(version__transcript__recording__interview=event.interview).count()


def test_an_owner_confirms_and_returns_to_the_event_on_the_safety_page(study: Study, owner: User) -> None:
    event = _stopped(study)
    response = _post(owner, event, confirm="yes")
    assert response.status_code == 302
    assert response["Location"] == reverse("studies:safety", args=[study.slug]) + f"#event-{event.pk}"
    event.refresh_from_db()
    assert event.cut_applied_by == owner
    assert _segments(event) == 2  # one segment kept in each of the two versions
    assert Transcript.objects.get(recording__interview=event.interview).duration == MARK


def test_without_the_confirmation_the_form_comes_back_and_nothing_changes(study: Study, researcher: User) -> None:
    event = _stopped(study)
    response = _post(researcher, event)
    assert response.status_code == 400
    page = response.content.decode()
    assert "error-summary" in page
    assert "Tick the box to confirm" in page
    event.refresh_from_db()
    assert (event.cut_applied_at, _segments(event)) == (None, 4)


def test_a_request_taken_by_phone_is_recorded_and_applied_in_one_step(study: Study, researcher: User) -> None:
    event = _stopped(study, requested=False)
    refused = _post(researcher, event, confirm="yes")
    assert refused.status_code == 400
    assert "has not asked" in refused.content.decode()
    assert 'name="asked"' in refused.content.decode()
    event.refresh_from_db()
    assert (event.cut_requested_at, event.cut_applied_at, _segments(event)) == (None, None, 4)

    assert _post(researcher, event, confirm="yes", asked="yes").status_code == 302
    event.refresh_from_db()
    assert event.cut_requested_at is not None
    assert event.cut_applied_at is not None
    assert _segments(event) == 2


def test_a_refusal_of_the_service_is_shown_with_its_reason_and_changes_nothing(study: Study, owner: User) -> None:
    event = _stopped(study, offset=None)
    response = _post(owner, event, confirm="yes")
    assert response.status_code == 400
    assert "Set where the mark falls in the recording first" in response.content.decode()
    event.refresh_from_db()
    assert (event.cut_applied_at, _segments(event)) == (None, 4)


def test_interviewers_and_coders_may_not_apply_it(study: Study, interviewer: User, coder: User) -> None:
    event = _stopped(study)
    assert [_post(user, event, confirm="yes").status_code for user in (interviewer, coder)] == [403, 403]
    event.refresh_from_db()
    assert event.cut_applied_at is None


def test_an_interview_that_went_on_after_the_mark_is_not_cut(study: Study, owner: User) -> None:
    event = _stopped(study, requested=False)
    SafetyEvent.objects.filter(pk=event.pk).update(outcome=SafetyEvent.Outcome.CONTINUE)
    response = _post(owner, event, confirm="yes", asked="yes")
    assert response.status_code == 400
    assert "Only an interview that stopped after a distress mark" in response.content.decode()
    event.refresh_from_db()
    assert (event.cut_requested_at, event.cut_applied_at, _segments(event)) == (None, None, 4)
