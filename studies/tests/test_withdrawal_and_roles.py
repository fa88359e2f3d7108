"""Withdrawal with either scope, and the role check on every researcher page (outsiders get 404)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, User
from studies.models import Consent, ContactDetails, Interview, Participant, ScreeningResponse, Study
from studies.services.scheduling import book_slot
from studies.services.withdrawal import withdraw_participant
from studies.tests.factories import ConsentFactory, SlotFactory, build_screening
from studies.tests.test_portal_and_consent import portal_client
from studies.tests.test_screening import submit

pytestmark = pytest.mark.django_db


def screened_and_booked(study: Study) -> Participant:
    build_screening(study)
    submit(Client(), study)
    participant = Participant.objects.get(study=study)
    ConsentFactory(participant=participant, signature_name="Ana Pérez")
    Participant.objects.filter(pk=participant.pk).update(status=Participant.Status.CONSENTED)
    book_slot(participant=participant, slot=SlotFactory(study=study))
    participant.refresh_from_db()
    return participant


def test_delete_everything_from_the_portal_leaves_only_a_tombstone(
    study: Study, django_capture_on_commit_callbacks: object
) -> None:
    participant = screened_and_booked(study)
    client = portal_client(participant)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post(reverse("participate:portal_withdraw"), {"scope": "delete_all", "confirm": "on"})
    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.status == Participant.Status.WITHDRAWN
    assert participant.withdrawal_scope == Participant.WithdrawalScope.DELETE_ALL
    assert participant.withdrawn_at is not None
    assert not ContactDetails.objects.filter(participant=participant).exists()
    assert ScreeningResponse.objects.get(participant=participant).answers == {}
    assert Consent.objects.get(participant=participant).signature_name == ""
    assert Interview.objects.get(participant=participant).status == Interview.Status.CANCELLED
    entry = AuditEntry.objects.get(action="participant.withdrawn")
    assert entry.detail == {"scope": "delete_all"}
    assert entry.actor_label == "participant"
    assert mail.outbox[-1].to == ["ana@example.org"]
    assert "deleted" in mail.outbox[-1].body
    # The session and every link are dead now.
    assert client.get(reverse("participate:portal")).status_code == 403


def test_keep_data_withdrawal_keeps_the_record_but_stops_everything(study: Study) -> None:
    participant = screened_and_booked(study)
    withdraw_participant(participant=participant, scope=Participant.WithdrawalScope.KEEP_DATA)
    participant.refresh_from_db()
    assert participant.status == Participant.Status.WITHDRAWN
    assert ContactDetails.objects.filter(participant=participant).exists()
    assert ScreeningResponse.objects.get(participant=participant).answers != {}
    assert not Interview.objects.filter(participant=participant, status="scheduled").exists()


def test_a_researcher_can_withdraw_a_participant_and_it_is_audited(study: Study, researcher: User) -> None:
    participant = screened_and_booked(study)
    client = Client()
    client.force_login(researcher)
    url = reverse("studies:withdraw", args=[study.slug, participant.code])
    assert client.post(url, {"scope": "keep_data"}).status_code == 302
    participant.refresh_from_db()
    assert participant.status == Participant.Status.WITHDRAWN
    assert AuditEntry.objects.get(action="participant.withdrawn").actor == researcher


def researcher_urls(study: Study, code: str) -> dict[str, str]:
    return {
        "participants": reverse("studies:participants", args=[study.slug]),
        "participant": reverse("studies:participant", args=[study.slug, code]),
        "select": reverse("studies:select", args=[study.slug]),
        "slots": reverse("studies:slots", args=[study.slug]),
    }


def status_for(user: User, url: str) -> int:
    client = Client()
    client.force_login(user)
    return client.get(url).status_code


def test_every_researcher_page_hides_the_study_from_outsiders(study: Study, outsider: User) -> None:
    participant = screened_and_booked(study)
    for url in researcher_urls(study, participant.code).values():
        assert status_for(outsider, url) == 404, url
    for name in ("review", "withdraw"):
        client = Client()
        client.force_login(outsider)
        assert client.post(reverse(f"studies:{name}", args=[study.slug, participant.code])).status_code == 404


def test_managers_only_select_publish_slots_and_withdraw(study: Study, owner: User, coder: User) -> None:
    participant = screened_and_booked(study)
    urls = researcher_urls(study, participant.code)
    assert status_for(owner, urls["select"]) == 200
    assert status_for(owner, urls["slots"]) == 200
    assert status_for(coder, urls["select"]) == 403
    assert status_for(coder, urls["slots"]) == 200  # set-up pages are read by every role (issue #20) ...
    coder_client = Client()
    coder_client.force_login(coder)
    assert coder_client.post(urls["slots"], {"duration_minutes": "60"}).status_code == 403  # ... and changed by few
    assert status_for(coder, urls["participants"]) == 200
    client = Client()
    client.force_login(coder)
    withdraw = client.post(reverse("studies:withdraw", args=[study.slug, participant.code]), {"scope": "delete_all"})
    assert withdraw.status_code == 403


def test_contact_details_are_shown_only_to_owners_and_researchers_and_each_view_is_audited(
    study: Study, researcher: User, interviewer: User, viewer: User
) -> None:
    participant = screened_and_booked(study)
    url = reverse("studies:participant", args=[study.slug, participant.code])
    client = Client()
    client.force_login(researcher)
    assert "ana@example.org" in client.get(url).content.decode()
    assert AuditEntry.objects.filter(action="contact_details.viewed", actor=researcher).count() == 1
    for user in (interviewer, viewer):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert participant.code in page
        assert "ana@example.org" not in page
    assert AuditEntry.objects.filter(action="contact_details.viewed").count() == 1


def test_a_researcher_clears_a_flagged_response_into_the_pool(study: Study, researcher: User) -> None:
    build_screening(study)
    submit(Client(), study, q_attention="yes")
    participant = Participant.objects.get()
    client = Client()
    client.force_login(researcher)
    client.post(reverse("studies:review", args=[study.slug, participant.code]), {"decision": "clear"})
    participant.refresh_from_db()
    assert participant.status == Participant.Status.ELIGIBLE
    assert participant.responses.get().review == ScreeningResponse.Review.CLEARED


def test_an_interviewer_records_an_interview_as_done_and_the_person_counts_as_interviewed(
    study: Study, interviewer: User, coder: User, outsider: User
) -> None:
    participant = screened_and_booked(study)
    interview = Interview.objects.get(participant=participant, status="scheduled")
    # Its time has come: one still in the future is not recorded as done (studies/tests/test_record_as_done.py).
    Interview.objects.filter(pk=interview.pk).update(scheduled_start=timezone.now() - timedelta(minutes=5))
    url = reverse("studies:interview_done", args=[study.slug, participant.code, interview.pk])
    assert signed_in_client(outsider).post(url).status_code == 404
    assert signed_in_client(coder).post(url).status_code == 403
    assert signed_in_client(interviewer).post(url).status_code == 302
    interview.refresh_from_db()
    participant.refresh_from_db()
    assert interview.status == Interview.Status.COMPLETED
    assert participant.status == Participant.Status.INTERVIEWED
    page = signed_in_client(interviewer).get(reverse("studies:participant", args=[study.slug, participant.code]))
    assert participant.consents.get().text_sha256 in page.content.decode()


def signed_in_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
