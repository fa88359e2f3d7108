"""Each fraud signal flags a response for review; a risk item shows crisis resources and alerts the team."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail, signing
from django.test import Client, override_settings
from django.urls import reverse

from studies.models import OutboxMessage, Participant, SafetyContact, SafetyEvent, ScreeningResponse, Study
from studies.public_views import FORM_SALT
from studies.services.emails import deliver_message
from studies.services.quotas import select_for_invitation
from studies.tests.factories import build_screening
from studies.tests.test_screening import submit

pytestmark = pytest.mark.django_db


def only_response() -> ScreeningResponse:
    return ScreeningResponse.objects.select_related("participant").get()


def assert_flagged_for(reason: str, response: ScreeningResponse) -> None:
    assert reason in response.risk_reasons
    assert response.review == ScreeningResponse.Review.PENDING
    assert response.participant.status == Participant.Status.FLAGGED


def test_a_filled_honeypot_is_high_risk(study: Study) -> None:
    build_screening(study)
    submit(Client(), study, website="http://spam.example")
    response = only_response()
    assert_flagged_for("honeypot_filled", response)
    assert response.risk_level == ScreeningResponse.Risk.HIGH


def test_an_answer_faster_than_the_minimum_time_is_flagged(study: Study) -> None:
    build_screening(study, min_seconds=60)
    submit(Client(), study)
    response = only_response()
    assert_flagged_for("too_fast", response)
    assert response.risk_level == ScreeningResponse.Risk.MEDIUM


def test_a_slow_enough_answer_is_not_flagged(study: Study) -> None:
    build_screening(study, min_seconds=60)
    served_earlier = datetime.now(UTC).timestamp() - 61
    token = signing.dumps({"s": study.id, "n": "slow-form", "t": served_earlier}, salt=FORM_SALT)
    submit(Client(), study, token=token)
    assert only_response().risk_reasons == []


@override_settings(SCREENING_RATE_LIMIT_PER_HOUR=2)
def test_the_ip_rate_limit_refuses_further_submissions(study: Study, redis_client: object) -> None:
    build_screening(study)
    statuses = [
        submit(Client(REMOTE_ADDR="203.0.113.9"), study, email=f"p{n}@example.org").status_code for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert Participant.objects.count() == 2
    other = submit(Client(REMOTE_ADDR="203.0.113.10"), study, email="other@example.org")
    assert other.status_code == 302


def test_a_duplicate_email_is_flagged_by_its_keyed_hash(study: Study) -> None:
    build_screening(study)
    submit(Client(REMOTE_ADDR="198.51.100.1"), study, email="Same@Example.org")
    submit(Client(REMOTE_ADDR="198.51.100.2"), study, email=" same@example.org ")
    first, second = ScreeningResponse.objects.order_by("submitted_at")
    assert first.risk_reasons == []
    assert_flagged_for("duplicate_email", second)


def test_a_duplicate_ip_and_user_agent_within_the_window_is_flagged(study: Study) -> None:
    build_screening(study)
    client = Client(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Bot/1.0")
    submit(client, study, email="one@example.org")
    submit(client, study, email="two@example.org")
    submit(Client(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Other/2.0"), study, email="three@example.org")
    first, second, third = ScreeningResponse.objects.order_by("submitted_at")
    assert first.risk_reasons == []
    assert_flagged_for("duplicate_device", second)
    assert third.risk_reasons == []
    ScreeningResponse.objects.filter(pk__in=[first.pk, second.pk]).update(
        submitted_at=first.submitted_at - timedelta(days=2)
    )
    submit(client, study, email="four@example.org")
    assert ScreeningResponse.objects.order_by("-submitted_at").first().risk_reasons == []  # type: ignore[union-attr]


def test_a_failed_attention_check_is_flagged(study: Study) -> None:
    build_screening(study)
    submit(Client(), study, q_attention="yes")
    assert_flagged_for("failed_attention_check", only_response())


def test_flagged_people_are_never_selected_for_invitation(study: Study) -> None:
    build_screening(study)
    submit(Client(), study, q_attention="yes")
    assert select_for_invitation(study=study, limit=5) == []


def test_a_risk_item_shows_resources_for_the_country_and_alerts_the_safety_contact_without_the_answer(
    study: Study, django_capture_on_commit_callbacks: object
) -> None:
    SafetyContact.objects.create(study=study, name="Safety lead", email="safety@example.org")
    build_screening(study)
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        response = submit(Client(), study, q_crisis="yes", q_country="IN")
    assert len(callbacks) == 1
    page = Client().get(response["Location"]).content.decode()
    assert "Help is available right now" in page
    assert "Tele-MANAS" in page
    assert "14416" in page
    assert "findahelpline.com" in page
    assert "Samaritans" not in page
    # Taking part goes on: the person is still eligible.
    assert "You can take part" in page
    event = SafetyEvent.objects.get()
    assert event.question_key == "crisis"

    alert = OutboxMessage.objects.get(safety_event=event)
    assert (alert.kind, alert.urgent) == (OutboxMessage.Kind.SAFETY_ALERT, True)
    assert deliver_message(message_id=alert.id) == "sent"
    assert deliver_message(message_id=alert.id) == ""  # a re-delivered task sends nothing more
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["safety@example.org"]
    assert event.participant.code in message.body
    assert "yes" not in message.body.lower()
    assert "Are you in crisis" not in message.body
    assert "ana@example.org" not in message.body


def test_no_resources_are_shown_when_no_risk_item_triggered(study: Study) -> None:
    build_screening(study)
    response = submit(Client(), study)
    assert "Help is available right now" not in Client().get(response["Location"]).content.decode()
    assert not SafetyEvent.objects.exists()
    assert reverse("participate:screening", args=[study.slug]).startswith("/p/")


def test_a_safety_alert_the_mail_server_refused_is_not_lost(study: Study, monkeypatch: pytest.MonkeyPatch) -> None:
    import smtplib

    from studies.services import safety_emails

    SafetyContact.objects.create(study=study, name="Safety lead", email="safety@example.org")
    build_screening(study)
    submit(Client(), study, q_crisis="yes")
    event = SafetyEvent.objects.get()

    def refuse(**_kwargs: object) -> None:  # the SMTP server is outside the platform: the one thing mocked
        raise smtplib.SMTPServerDisconnected("gone")

    alert = OutboxMessage.objects.get(safety_event=event)
    monkeypatch.setattr(safety_emails, "send_mail", refuse)
    assert deliver_message(message_id=alert.id) == "pending"  # released, to be tried again
    event.refresh_from_db()
    assert event.notified_at is None
    monkeypatch.undo()
    assert deliver_message(message_id=alert.id) == "sent"
    assert [m.to for m in mail.outbox] == [["safety@example.org"]]
    event.refresh_from_db()
    assert event.notified_at is not None


@pytest.mark.django_db
def test_crisis_resources_come_in_the_participants_language_where_a_translation_exists() -> None:
    from studies.services.safety import crisis_resources_for

    spanish = crisis_resources_for(study=None, country="US", language="es")
    hindi = crisis_resources_for(study=None, country="IN", language="hi")
    german = crisis_resources_for(study=None, country="DE", language="de")
    assert [r.name for r in spanish] == ["988 Suicide & Crisis Lifeline", "Find A Helpline"]
    assert all(r.language == "es" for r in spanish)
    assert "मानसिक स्वास्थ्य" in hindi[0].description
    assert hindi[-1].language == "hi"
    assert hindi[-1].name == "Find A Helpline"
    # No translation: the language-neutral worldwide entry, never another language's.
    assert [(r.name, r.language) for r in german] == [("Find A Helpline", "")]
