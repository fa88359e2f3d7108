"""The "questionnaire due" email: once per person and questionnaire, on a stage change or from the beat sweep.

A stage change writes outbox messages; send_queued runs the sending task's service in this process, so they go all
the way to Django's locmem mail outbox, which stands in for the SMTP server.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from studies.models import (
    ContactDetails,
    OutboxMessage,
    Participant,
    Questionnaire,
    QuestionnaireNotice,
    ScreeningResponse,
    Study,
)
from studies.services.emails import NotSendable, send_questionnaire_due_email
from studies.services.portal import read_link
from studies.services.scheduling import book_slot, complete_interview
from studies.services.sections import publish
from studies.tasks import queue_due_questionnaire_emails
from studies.tests.factories import ParticipantFactory, QuestionFactory, QuestionnaireFactory, SlotFactory
from studies.tests.mailkit import send_queued

pytestmark = pytest.mark.django_db


def sweep() -> None:
    """The beat task, then the outbox's messages sent."""
    queue_due_questionnaire_emails()
    send_queued()


def person(study: Study, *, language: str = "en", email: str = "sam@example.org", **fields: Any) -> Participant:
    participant = ParticipantFactory(study=study, language=language, **fields)
    ContactDetails.objects.create(participant=participant, email=email)
    return participant


def after_booking(study: Study) -> Questionnaire:
    questionnaire = QuestionnaireFactory(study=study, kind="wellbeing", available_from="scheduled")
    QuestionFactory(questionnaire=questionnaire, key="mood", kind="likert", min_value=1, max_value=5)
    return questionnaire


def due_emails() -> list[mail.EmailMessage]:
    """The "questionnaire due" emails in the outbox (a booking also sends its confirmation)."""
    return [message for message in mail.outbox if "booked" not in message.subject]


def link_in(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://\S+", str(message.body))
    assert found is not None
    return found.group(0)


def test_reaching_the_stage_sends_one_email_and_later_changes_and_sweeps_send_no_more(
    study: Study, django_capture_on_commit_callbacks: Any
) -> None:
    questionnaire = after_booking(study)
    participant = person(study)
    with django_capture_on_commit_callbacks(execute=True):
        interview = book_slot(participant=participant, slot=SlotFactory(study=study))
    send_queued()
    (message,) = due_emails()
    assert message.to == ["sam@example.org"]
    assert "mood" not in str(message.body)
    assert "well" not in f"{message.subject} {message.body}".lower()  # nothing about what it asks
    notice = QuestionnaireNotice.objects.get(participant=participant, questionnaire=questionnaire)
    assert notice.sent_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        book_slot(participant=participant, slot=SlotFactory(study=study))  # a reschedule
        complete_interview(interview=interview)
    send_queued()
    sweep()
    sweep()
    assert due_emails() == [message]


def test_the_sweep_announces_a_questionnaire_added_later_once_and_skips_who_should_not_get_it(study: Study) -> None:
    ready = person(study, status=Participant.Status.INTERVIEWED)
    withdrawn = person(study, status=Participant.Status.WITHDRAWN)
    not_yet = person(study, status=Participant.Status.CONSENTED)
    no_address = person(study, status=Participant.Status.INTERVIEWED, email="")
    answered = person(study, status=Participant.Status.INTERVIEWED)
    questionnaire = after_booking(study)
    ScreeningResponse.objects.create(
        study=study,
        questionnaire=questionnaire,
        participant=answered,
        form_token="done",
        language="en",
        started_at=questionnaire.created_at,
        submitted_at=questionnaire.created_at,
    )
    sweep()
    sweep()
    assert [message.to for message in due_emails()] == [["sam@example.org"]]
    notices = {notice.participant_id: notice.sent_at is not None for notice in QuestionnaireNotice.objects.all()}
    assert notices == {ready.id: True, no_address.id: False}
    for someone in (withdrawn, not_yet):  # queued just before they withdrew; queued too early
        with pytest.raises(NotSendable):
            send_questionnaire_due_email(someone.id, questionnaire.id)
    assert len(due_emails()) == 1


def test_a_withdrawn_participant_gets_no_email_when_their_interview_is_completed(
    study: Study, django_capture_on_commit_callbacks: Any
) -> None:
    after_booking(study)
    participant = person(study)
    with django_capture_on_commit_callbacks(execute=True):
        interview = book_slot(participant=participant, slot=SlotFactory(study=study))
    send_queued()
    mail.outbox.clear()
    QuestionnaireFactory(study=study, kind="feedback", available_from="interviewed")
    Participant.objects.filter(pk=participant.pk).update(status=Participant.Status.WITHDRAWN)
    with django_capture_on_commit_callbacks(execute=True):
        complete_interview(interview=interview)
    sweep()
    assert due_emails() == []


def test_a_spanish_speaking_participant_gets_it_in_spanish_and_the_link_opens_that_questionnaire(
    study: Study,
) -> None:
    questionnaire = after_booking(study)
    participant = person(study, language="es", status=Participant.Status.SCHEDULED)
    sweep()
    (message,) = mail.outbox
    assert "cuestionario" in message.subject
    assert "cuestionario" in str(message.body)
    client = Client()
    link = link_in(message)
    assert client.get(link).status_code == 200  # the page with the one button that spends the link
    page = client.post(urlsplit(link).path, parse_qs(urlsplit(link).query), follow=True)
    assert page.redirect_chain[-1][0] == reverse("participate:portal_questionnaire", args=[questionnaire.pk])
    assert page.status_code == 200
    assert 'name="q_mood"' in page.content.decode()
    assert client.post(page.redirect_chain[-1][0], {"q_mood": "3"}).status_code == 302
    assert ScreeningResponse.objects.get(questionnaire=questionnaire).participant == participant


def test_signing_the_consent_form_in_the_portal_announces_a_questionnaire_asked_after_consent(
    study: Study, django_capture_on_commit_callbacks: Any
) -> None:
    from studies.tests.test_portal_and_consent import document, portal_client, sign

    document(study)
    background = QuestionnaireFactory(study=study, kind="background", available_from="consented")
    participant = person(study, status=Participant.Status.INVITED)
    client = portal_client(participant)
    with django_capture_on_commit_callbacks(execute=True):
        assert sign(client).status_code == 302  # type: ignore[attr-defined]
    send_queued()
    assert Participant.objects.get(pk=participant.pk).status == Participant.Status.CONSENTED
    (message,) = [m for m in mail.outbox if "consent copy" not in m.subject]
    token = parse_qs(urlsplit(link_in(message)).query)["t"][0]
    assert read_link(token=token).questionnaire_id == background.pk
    assert QuestionnaireNotice.objects.get().participant == participant


def test_a_draft_is_announced_only_once_published(study: Study) -> None:
    person(study, status=Participant.Status.INTERVIEWED)
    questionnaire = after_booking(study)
    Questionnaire.objects.filter(pk=questionnaire.pk).update(published_at=None)
    sweep()
    assert due_emails() == []
    assert not OutboxMessage.objects.filter(kind=OutboxMessage.Kind.QUESTIONNAIRE_DUE).exists()
    publish(questionnaire=questionnaire)
    sweep()
    assert [message.to for message in due_emails()] == [["sam@example.org"]]
