"""What each team role sees of a participant on the list and detail pages (security issue #17, finding 3).

Screening answers (free text and risk items), risk level and reasons, fraud and eligibility reasons, and
contact details are for owners and researchers. Interviewers, coders and viewers get the page, with the
pseudonym, the stage and what their work needs, but none of those: the views do not even read them.
Outsiders are refused without learning that the study exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEntry, User
from studies.models import (
    ContactDetails,
    Interview,
    OutboxMessage,
    Participant,
    Question,
    SafetyEvent,
    ScreeningResponse,
    Study,
)
from studies.tests.factories import InterviewFactory, ParticipantFactory, QuestionFactory, build_screening

pytestmark = pytest.mark.django_db

FREE_TEXT = "I talk to the chatbot at 3am when the lantern-fish dreams come back."
RISK_KEY = "self_harm_thoughts"
RISK_ANSWER = "nearly-every-day"
RISK_LABEL = "Nearly every day"  # what the detail page shows for RISK_ANSWER
RISK_REASON = "failed_attention_check"
FRAUD_REASON = "duplicate_device"
ELIGIBILITY_REASON = "lives outside the recruiting countries"
NAME = "Rosalind Quennell-Marsh"
EMAIL = "rosalind.quennell@example.org"
PHONE = "+44 7700 900461"
INTERVIEW_AT = datetime(2031, 5, 6, 14, 30, tzinfo=UTC)
INTERVIEW_SHOWN = "2031-05-06 14:30 UTC"

# Everything the detail page shows owners and researchers that no other role may see; the list page shows
# them the risk level and the reasons.
SHOWN = (FREE_TEXT, RISK_KEY, RISK_LABEL, RISK_REASON, FRAUD_REASON, ELIGIBILITY_REASON, NAME, EMAIL, PHONE)
SECRETS = (*SHOWN, RISK_ANSWER)  # the stored value too, which the page no longer shows anyone
LIST_SECRETS = (RISK_REASON, FRAUD_REASON, ELIGIBILITY_REASON)
READERS = ("owner", "researcher")
RESTRICTED = ("interviewer", "coder", "viewer")
PRIVATE_TABLES = tuple(model._meta.db_table for model in (ScreeningResponse, ContactDetails, SafetyEvent))


def reading_private_tables(queries: CaptureQueriesContext) -> list[str]:
    """The captured statements that name a private table."""
    return [q["sql"] for q in queries if any(f'"{table}"' in q["sql"] for table in PRIVATE_TABLES)]


@dataclass
class Pages:
    participant: Participant
    list_url: str
    detail_url: str


@pytest.fixture
def pages(study: Study, interviewer: User) -> Pages:
    """A flagged, high-risk participant with a free-text answer, a risk answer, contact details, a safety
    event, and an interview booked with the study's interviewer."""
    questionnaire = build_screening(study)
    QuestionFactory(questionnaire=questionnaire, key="night_story", kind=Question.Kind.LONG_TEXT)
    QuestionFactory(
        questionnaire=questionnaire,
        key=RISK_KEY,
        kind=Question.Kind.SINGLE,
        choices=[{"value": RISK_ANSWER, "labels": {"en": RISK_LABEL}}],
        is_risk_item=True,
        risk_values=[RISK_ANSWER],
    )
    participant = ParticipantFactory(study=study, status=Participant.Status.FLAGGED, language="es")
    ScreeningResponse.objects.create(
        study=study,
        questionnaire=questionnaire,
        participant=participant,
        form_token="role-pages-token",
        language="es",
        answers={"age": 29, "night_story": FREE_TEXT, RISK_KEY: RISK_ANSWER},
        attributes={"age": 29},
        started_at=INTERVIEW_AT,
        submitted_at=INTERVIEW_AT,
        eligible=False,
        eligibility_reasons=[ELIGIBILITY_REASON],
        risk_level=ScreeningResponse.Risk.HIGH,
        risk_reasons=[RISK_REASON, FRAUD_REASON],
        review=ScreeningResponse.Review.PENDING,
    )
    ContactDetails.objects.create(participant=participant, name=NAME, email=EMAIL, phone=PHONE)
    SafetyEvent.objects.create(study=study, participant=participant, question_key=RISK_KEY)
    InterviewFactory(
        participant=participant,
        interviewer=interviewer,
        status=Interview.Status.SCHEDULED,
        scheduled_start=INTERVIEW_AT,
    )
    return Pages(
        participant,
        reverse("studies:participants", args=[study.slug]),
        reverse("studies:participant", args=[study.slug, participant.code]),
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("persona", READERS)
def test_owners_and_researchers_see_answers_risk_reasons_and_contact_details(
    pages: Pages, persona: str, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(persona))

    detail = html(client, pages.detail_url)
    listing = html(client, pages.list_url)

    assert [text for text in SHOWN if text not in detail] == []
    assert [text for text in LIST_SECRETS if text not in listing] == []
    assert "<td>High</td>" in listing
    assert AuditEntry.objects.filter(action="contact_details.viewed").count() == 1


@pytest.mark.parametrize("persona", RESTRICTED)
def test_interviewers_coders_and_viewers_get_the_pages_without_any_screening_or_contact_data(
    pages: Pages, persona: str, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(persona))

    detail = client.get(pages.detail_url)
    listing = client.get(pages.list_url)

    assert detail.status_code == listing.status_code == 200
    for page in (detail.content.decode(), listing.content.decode()):
        assert pages.participant.code in page
        assert [text for text in SECRETS if text in page] == []
    assert "<td>High</td>" not in listing.content.decode()
    assert f"<dd>{pages.participant.get_status_display()}</dd>" in detail.content.decode()
    assert detail.context["screenings"] == []
    assert detail.context["contact"] is None
    assert detail.context["safety_events"] == []
    assert listing.context["strata"] == []
    assert not AuditEntry.objects.filter(action="contact_details.viewed").exists()


@pytest.mark.parametrize("persona", RESTRICTED)
def test_the_pages_do_not_read_screening_contact_or_safety_rows_for_those_roles(
    pages: Pages, persona: str, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(persona))

    with CaptureQueriesContext(connection) as queries:
        html(client, pages.list_url)
        html(client, pages.detail_url)

    assert reading_private_tables(queries) == []


def test_the_query_check_above_does_see_the_tables_an_owner_reads(pages: Pages, owner: User) -> None:
    with CaptureQueriesContext(connection) as queries:
        html(client_for(owner), pages.detail_url)

    read = "\n".join(reading_private_tables(queries))
    assert [table for table in PRIVATE_TABLES if f'"{table}"' not in read] == []


def test_an_interviewer_sees_the_stage_the_language_and_the_interview_time(pages: Pages, interviewer: User) -> None:
    client = client_for(interviewer)

    detail = html(client, pages.detail_url)
    listing = html(client, pages.list_url)

    assert INTERVIEW_SHOWN in detail
    assert INTERVIEW_SHOWN in listing
    assert "<dd>es</dd>" in detail
    assert "<td>es</td>" in listing
    assert "<td>Flagged for review</td>" in listing
    assert "Record as done" in detail


@pytest.mark.parametrize("persona", ["coder", "viewer"])
def test_coders_and_viewers_do_not_get_the_interview_schedule(
    pages: Pages, persona: str, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(persona))

    assert INTERVIEW_SHOWN not in html(client, pages.detail_url)
    assert INTERVIEW_SHOWN not in html(client, pages.list_url)


def test_an_outsider_is_refused_both_pages_and_learns_nothing(pages: Pages, outsider: User) -> None:
    client = client_for(outsider)

    for url in (pages.list_url, pages.detail_url):
        response = client.get(url)
        assert response.status_code == 404
        assert [text for text in SECRETS if text in response.content.decode()] == []
        assert pages.participant.code not in response.content.decode()


@pytest.mark.parametrize("persona", RESTRICTED)
def test_a_risk_filter_in_the_address_narrows_nothing_for_those_roles(
    pages: Pages, persona: str, study: Study, request: pytest.FixtureRequest
) -> None:
    calm = ParticipantFactory(study=study, status=Participant.Status.FLAGGED)
    client = client_for(request.getfixturevalue(persona))

    page = html(client, pages.list_url + "?risk_level=high&risk=high&review=pending&status=flagged")

    assert pages.participant.code in page
    assert calm.code in page


@pytest.mark.parametrize("persona", RESTRICTED)
def test_the_stage_filter_still_works_for_those_roles(
    pages: Pages, persona: str, study: Study, request: pytest.FixtureRequest
) -> None:
    invited = ParticipantFactory(study=study, status=Participant.Status.INVITED)
    client = client_for(request.getfixturevalue(persona))

    page = html(client, pages.list_url + "?status=invited")

    assert invited.code in page
    assert pages.participant.code not in page


@pytest.mark.parametrize(("persona", "status"), [*((p, 403) for p in RESTRICTED), ("outsider", 404)])
def test_the_data_download_is_refused_to_every_other_role(
    pages: Pages, study: Study, persona: str, status: int, request: pytest.FixtureRequest
) -> None:
    url = reverse("studies:participant_data", args=[study.slug, pages.participant.code])

    response = client_for(request.getfixturevalue(persona)).get(url)

    assert response.status_code == status
    assert [text for text in SECRETS if text in response.content.decode()] == []


def test_the_data_download_holds_the_answers_for_an_owner(pages: Pages, study: Study, owner: User) -> None:
    url = reverse("studies:participant_data", args=[study.slug, pages.participant.code])

    body = client_for(owner).get(url).content.decode()

    assert FREE_TEXT in body
    assert EMAIL in body


@pytest.mark.parametrize(("persona", "sees"), [("owner", True), ("interviewer", True), ("coder", False)])
def test_the_message_history_shows_what_was_sent_when_to_the_people_who_contact_participants(
    pages: Pages, persona: str, sees: bool, request: pytest.FixtureRequest
) -> None:
    sent_at = datetime(2031, 5, 1, 9, 15, tzinfo=UTC)
    OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.BOOKING_CONFIRMATION,
        participant=pages.participant,
        status=OutboxMessage.Status.SENT,
        attempts=2,
        sent_at=sent_at,
    )
    OutboxMessage.objects.create(kind=OutboxMessage.Kind.REMINDER, participant=pages.participant)
    page = html(client_for(request.getfixturevalue(persona)), pages.detail_url)
    assert ("<h2>Messages</h2>" in page) is sees
    if sees:
        assert "booking confirmation" in page
        assert "2 attempts" in page
        assert "2031-05-01 09:15" in page
        assert "waiting to be sent" in page  # the reminder, not yet sent


@pytest.mark.parametrize(("persona", "sees"), [("owner", True), ("researcher", True), ("interviewer", False)])
def test_only_the_roles_that_follow_safety_events_up_see_that_a_safety_alert_went_out(
    pages: Pages, persona: str, sees: bool, request: pytest.FixtureRequest
) -> None:
    event = SafetyEvent.objects.get(participant=pages.participant)
    OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.SAFETY_ALERT, participant=pages.participant, safety_event=event
    )
    OutboxMessage.objects.create(kind=OutboxMessage.Kind.REMINDER, participant=pages.participant)

    page = html(client_for(request.getfixturevalue(persona)), pages.detail_url)

    assert "interview reminder" in page
    assert ("safety alert" in page) is sees
