"""Recording an interview as done refuses one still in the future; every interview, recorded or not, links to its
interview page (and so to its upload) from the pages that list interviews."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, User
from studies.models import Interview, Participant, Study
from studies.tests.factories import InterviewFactory, ParticipantFactory, SlotFactory


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def booked(study: Study, *, starts_in: timedelta, interviewer: User | None = None) -> Interview:
    participant = ParticipantFactory(study=study, status=Participant.Status.SCHEDULED)
    slot = SlotFactory(study=study, start=timezone.now() + starts_in, interviewer=interviewer)
    return InterviewFactory(
        participant=participant,
        status=Interview.Status.SCHEDULED,
        scheduled_start=slot.start,
        slot=slot,
        interviewer=interviewer,
    )


def done_url(interview: Interview) -> str:
    return reverse("studies:interview_done", args=[interview.study.slug, interview.participant.code, interview.pk])


@pytest.mark.django_db
def test_an_interview_still_in_the_future_is_not_recorded_as_done(study: Study, interviewer: User) -> None:
    interview = booked(study, starts_in=timedelta(days=2))
    response = client_for(interviewer).post(done_url(interview), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This interview is scheduled for" in page
    assert "record it as done once it has taken place" in page
    interview.refresh_from_db()
    assert interview.status == Interview.Status.SCHEDULED
    assert Participant.objects.get(pk=interview.participant_id).status == Participant.Status.SCHEDULED
    assert not AuditEntry.objects.filter(action="interview.recorded_done").exists()


@pytest.mark.django_db
def test_an_interview_whose_time_has_come_or_that_was_started_early_is_recorded_as_done(
    study: Study, interviewer: User
) -> None:
    past = booked(study, starts_in=timedelta(minutes=-30))
    early = booked(study, starts_in=timedelta(minutes=10))
    Interview.objects.filter(pk=early.pk).update(started_at=timezone.now())
    client = client_for(interviewer)
    for interview in (past, early):
        response = client.post(done_url(interview), follow=True)
        assert "The interview was recorded as done." in response.content.decode()
        interview.refresh_from_db()
        assert interview.status == Interview.Status.COMPLETED
        assert Participant.objects.get(pk=interview.participant_id).status == Participant.Status.INTERVIEWED
    assert AuditEntry.objects.filter(action="interview.recorded_done").count() == 2


@pytest.mark.django_db
def test_the_participant_page_and_list_link_every_interview_to_its_page(study: Study, researcher: User) -> None:
    upcoming = booked(study, starts_in=timedelta(days=1))
    participant = upcoming.participant
    earlier = InterviewFactory(participant=participant, status=Interview.Status.CANCELLED)
    voice = InterviewFactory(participant=participant, mode=Interview.Mode.ASYNC_VOICE, scheduled_start=None)
    client = client_for(researcher)
    page = client.get(reverse("studies:participant", args=[study.slug, participant.code])).content.decode()
    for interview in (upcoming, earlier, voice):
        assert f'href="{reverse("transcription:interview", args=[study.slug, interview.pk])}"' in page
    listing = client.get(reverse("studies:participants", args=[study.slug])).content.decode()
    assert f'href="{reverse("transcription:interview", args=[study.slug, upcoming.pk])}"' in listing


@pytest.mark.django_db
def test_a_booked_slot_links_to_its_interview_page_for_those_who_see_the_booking(
    study: Study, owner: User, interviewer: User, coder: User
) -> None:
    interview = booked(study, starts_in=timedelta(days=1), interviewer=interviewer)
    link = f'href="{reverse("transcription:interview", args=[study.slug, interview.pk])}"'
    for user in (owner, interviewer):
        client = client_for(user)
        assert link in client.get(reverse("studies:slots", args=[study.slug])).content.decode()
        assert link in client.get(reverse("studies:slot", args=[study.slug, interview.slot_id])).content.decode()
    assert link not in client_for(coder).get(reverse("studies:slots", args=[study.slug])).content.decode()


@pytest.mark.django_db
def test_the_interview_page_offers_the_upload_before_any_recording(study: Study, interviewer: User) -> None:
    interview = booked(study, starts_in=timedelta(days=1))
    page = client_for(interviewer).get(reverse("transcription:interview", args=[study.slug, interview.pk]))
    html = page.content.decode()
    assert "No recording yet." in html
    assert reverse("transcription:upload-start", args=[study.slug, interview.pk]) in html
