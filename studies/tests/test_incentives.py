"""Incentives: the compensation plan, earning once per reason, payments with encrypted gift-card codes, the e-mail
that never carries the code, roles, the finance CSV per role (defused cells), the portal, the dashboard and the
blanking on erasure. PostgreSQL is real; e-mail goes to Django's locmem backend (the test settings' mail server)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, User
from studies.models import (
    CompensationPlan,
    ContactDetails,
    Incentive,
    Interview,
    OutboxMessage,
    Participant,
    Study,
)
from studies.services import incentives
from studies.services.consent import sign_consent
from studies.services.scheduling import complete_interview
from studies.services.subject_access import export_participant_data
from studies.services.withdrawal import withdraw_participant
from studies.tests.factories import ConsentDocumentFactory, InterviewFactory, ParticipantFactory
from studies.tests.mailkit import send_queued
from studies.tests.test_portal_and_consent import portal_client

pytestmark = pytest.mark.django_db
CODE = "GIFT-7Q2X-99ZZ"
DESCRIPTIONS = {"en": "A US$25 voucher after your interview.", "es": "Un vale de 25 US$.", "hi": "25 डॉलर का वाउचर।"}


def plan_for(study: Study, owner: User, **overrides: object) -> CompensationPlan:
    values: dict[str, object] = {
        "amount": "25",
        "currency": "usd",
        "method": "gift_card",
        "earned_when": "interview_done",
        "descriptions": DESCRIPTIONS,
    }
    return incentives.save_plan(study=study, user=owner, **{**values, **overrides})  # type: ignore[arg-type]


def person(study: Study, language: str = "en") -> Participant:
    participant = ParticipantFactory(study=study, status=Participant.Status.SCHEDULED, language=language)
    ContactDetails.objects.create(participant=participant, name="Ana Finance", email="ana@example.org")
    return participant


def past_interview(participant: Participant) -> Interview:
    """A booked interview that began two hours ago: it may be recorded as done."""
    return InterviewFactory(
        participant=participant, status=Interview.Status.SCHEDULED, scheduled_start=timezone.now() - timedelta(hours=2)
    )


def interviewed(study: Study, language: str = "en") -> Incentive:
    """A person whose interview is recorded as done, and the line it earned."""
    participant = person(study, language)
    interview = past_interview(participant)
    complete_interview(interview=interview)
    return Incentive.objects.get(participant=participant)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The plan -----------------------------------------------------------------------------------------------------


def test_an_owner_saves_a_plan_and_the_audit_holds_codes_only(study: Study, owner: User) -> None:
    plan = plan_for(study, owner)
    assert (plan.amount, plan.currency, plan.method) == (Decimal("25.00"), "USD", "gift_card")
    entry = AuditEntry.objects.get(action="incentive_plan.created")
    assert entry.detail == {"currency": "USD", "method": "gift_card", "earned_when": "interview_done"}
    plan_for(study, owner, amount="30.50")
    assert AuditEntry.objects.filter(action="incentive_plan.changed").count() == 1
    assert CompensationPlan.objects.get(study=study).amount == Decimal("30.50")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "25.005"}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "US"}, "currency"),
        ({"method": "bitcoin"}, "method"),
        ({"earned_when": "screened"}, "earned_when"),
        ({"descriptions": {"en": "Only English."}}, "description-es"),
    ],
)
def test_the_plan_refuses_what_finance_cannot_use_and_saves_nothing(
    study: Study, owner: User, overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(incentives.IncentiveError) as refused:
        plan_for(study, owner, **overrides)
    assert refused.value.field == field
    assert not CompensationPlan.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="incentive_plan").exists()


def test_only_owners_change_the_plan(study: Study, researcher: User) -> None:
    with pytest.raises(PermissionDenied):
        plan_for(study, researcher)


def test_an_archived_study_keeps_its_plan(study: Study, owner: User) -> None:
    Study.objects.filter(pk=study.pk).update(status=Study.Status.ARCHIVED)
    with pytest.raises(incentives.IncentiveError):
        plan_for(study, owner)


# --- Earning ------------------------------------------------------------------------------------------------------


def test_an_interview_recorded_as_done_earns_the_plan_once(study: Study, owner: User) -> None:
    plan_for(study, owner)
    incentive = interviewed(study)
    assert (incentive.status, incentive.amount, incentive.currency, incentive.reason) == (
        "owed",
        Decimal("25.00"),
        "USD",
        "interview_done",
    )
    second = past_interview(incentive.participant)
    complete_interview(interview=second)
    again = incentives.earn_incentive(participant=incentive.participant, reason="interview_done")
    assert again is None
    assert Incentive.objects.filter(participant=incentive.participant).count() == 1
    entry = AuditEntry.objects.get(action="incentive.earned")
    assert entry.detail == {"participant": incentive.participant_id, "currency": "USD", "reason": "interview_done"}


def test_a_later_change_of_plan_leaves_what_was_earned(study: Study, owner: User) -> None:
    plan_for(study, owner)
    incentive = interviewed(study)
    plan_for(study, owner, amount="40", currency="EUR", method="bank_transfer")
    incentive.refresh_from_db()
    assert (incentive.amount, incentive.currency, incentive.method) == (Decimal("25.00"), "USD", "gift_card")


def test_consent_earns_only_when_the_plan_says_so(study: Study, owner: User) -> None:
    plan_for(study, owner, earned_when="consented")
    participant = ParticipantFactory(study=study, status=Participant.Status.INVITED)
    document = ConsentDocumentFactory(study=study)
    for _signature in range(2):  # signing again (an updated form) earns nothing more
        sign_consent(
            participant=participant,
            document=document,
            choices={},
            comprehension_answers=[],
            signature_name="Sam",
            ip_address="",
            language="en",
        )
    assert list(Incentive.objects.values_list("participant_id", "reason")) == [(participant.id, "consented")]
    interview = past_interview(participant)
    complete_interview(interview=interview)  # the plan is earned at consent, not at the interview
    assert Incentive.objects.count() == 1


def test_nothing_is_earned_without_a_plan(study: Study) -> None:
    participant = person(study)
    complete_interview(interview=past_interview(participant))
    assert not Incentive.objects.exists()


# --- Paying -------------------------------------------------------------------------------------------------------


def test_a_payment_keeps_the_code_encrypted_and_the_email_never_carries_it(
    study: Study, owner: User, researcher: User, django_capture_on_commit_callbacks: object
) -> None:
    plan_for(study, owner)
    incentive = interviewed(study)
    with django_capture_on_commit_callbacks():  # type: ignore[operator]
        paid = incentives.mark_paid(incentive=incentive, user=researcher, reference="TR-1", gift_code=CODE)
    assert (paid.status, paid.paid_by, paid.reference) == ("paid", researcher, "TR-1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT gift_code FROM studies_incentive WHERE id = %s", [paid.id])
        stored = cursor.fetchone()[0]
    assert CODE not in stored
    assert Incentive.objects.get(id=paid.id).gift_code == CODE
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.INCENTIVE_PAID)
    assert (message.participant_id, message.incentive_id) == (paid.participant_id, paid.id)
    assert send_queued(OutboxMessage.Kind.INCENTIVE_PAID) == ["sent"]
    (email,) = mail.outbox
    assert email.to == ["ana@example.org"]
    assert "has sent you a payment" in email.body
    assert settings.SITE_URL in email.body  # a link to their page, where the code is shown
    assert CODE not in f"{email.subject}\n{email.body}"
    assert "TR-1" not in email.body
    entry = AuditEntry.objects.get(action="incentive.paid")
    assert entry.detail == {"participant": paid.participant_id, "currency": "USD", "reference": True, "gift_code": True}
    assert CODE not in str(entry.detail)


def test_a_line_is_paid_or_cancelled_once(study: Study, owner: User, researcher: User) -> None:
    plan_for(study, owner)
    incentive = interviewed(study)
    incentives.mark_paid(incentive=incentive, user=researcher, reference="TR-1")
    with pytest.raises(incentives.IncentiveError):
        incentives.mark_paid(incentive=incentive, user=owner, reference="TR-2")
    with pytest.raises(incentives.IncentiveError):
        incentives.cancel_incentive(incentive=incentive, user=owner)
    incentive.refresh_from_db()
    assert (incentive.status, incentive.reference) == ("paid", "TR-1")


def test_a_payment_date_is_neither_in_the_future_nor_before_it_was_earned(
    study: Study, owner: User, researcher: User
) -> None:
    plan_for(study, owner)
    incentive = interviewed(study)
    for day in (timezone.localdate() + timedelta(days=1), timezone.localdate() - timedelta(days=3)):
        with pytest.raises(incentives.IncentiveError) as refused:
            incentives.mark_paid(incentive=incentive, user=researcher, paid_on=day)
        assert refused.value.field == "paid_on"
    Incentive.objects.filter(pk=incentive.pk).update(earned_at=timezone.now() - timedelta(days=5))
    paid = incentives.mark_paid(incentive=incentive, user=researcher, paid_on=timezone.localdate() - timedelta(days=2))
    assert timezone.localdate(paid.paid_at) == timezone.localdate() - timedelta(days=2)


@pytest.mark.parametrize("persona", ["interviewer", "coder", "viewer"])
def test_only_owners_and_researchers_pay_cancel_or_add(
    study: Study, owner: User, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    plan_for(study, owner)
    incentive = interviewed(study)
    with pytest.raises(PermissionDenied):
        incentives.mark_paid(incentive=incentive, user=user)
    with pytest.raises(PermissionDenied):
        incentives.cancel_incentive(incentive=incentive, user=user)
    with pytest.raises(PermissionDenied):
        incentives.add_manual_incentive(
            study=study, participant=incentive.participant, amount="5", currency="USD", method="cash", user=user
        )
    client = client_for(user)
    url = reverse("studies:incentive_paid", args=[study.slug, incentive.id])
    assert client.post(url, {f"pay-{incentive.id}-paid_on": str(timezone.localdate())}).status_code == 403
    assert client.get(reverse("studies:incentives", args=[study.slug])).status_code == 403
    assert Incentive.objects.get(pk=incentive.pk).status == "owed"


def test_a_manual_line_and_a_cancellation(study: Study, researcher: User) -> None:
    participant = person(study)
    line = incentives.add_manual_incentive(
        study=study, participant=participant, amount="12.5", currency="eur", method="cash", user=researcher
    )
    assert (line.reason, line.amount, line.currency, line.status) == ("manual", Decimal("12.50"), "EUR", "owed")
    incentives.add_manual_incentive(
        study=study, participant=participant, amount="3", currency="EUR", method="cash", user=researcher
    )
    assert Incentive.objects.filter(participant=participant, reason="manual").count() == 2  # no uniqueness by hand
    assert incentives.cancel_incentive(incentive=line, user=researcher).status == "cancelled"
    assert AuditEntry.objects.filter(action="incentive.cancelled", target_id=str(line.id)).exists()


# --- Withdrawal ---------------------------------------------------------------------------------------------------


def test_erasure_keeps_the_finance_record_and_blanks_reference_and_code(
    study: Study, owner: User, researcher: User
) -> None:
    plan_for(study, owner)
    incentive = interviewed(study)
    incentives.mark_paid(incentive=incentive, user=researcher, reference="TR-77", gift_code=CODE)
    withdraw_participant(participant=incentive.participant, scope=Participant.WithdrawalScope.DELETE_ALL)
    incentive.refresh_from_db()
    assert (incentive.status, incentive.amount, incentive.participant.code) == (
        "paid",
        Decimal("25.00"),
        incentive.participant.code,
    )
    assert (incentive.reference, incentive.gift_code) == ("", "")
    later = incentives.add_manual_incentive(  # a finance line is no personal data: it may still be added
        study=study, participant=incentive.participant, amount="5", currency="USD", method="gift_card", user=owner
    )
    with pytest.raises(incentives.IncentiveError):  # but no code or reference is stored again for an erased person
        incentives.mark_paid(incentive=later, user=owner, gift_code=CODE)
    assert incentives.mark_paid(incentive=later, user=owner).status == "paid"
    assert not Incentive.objects.exclude(gift_code="").exists()


def test_withdrawal_that_keeps_data_keeps_the_payment(study: Study, owner: User, researcher: User) -> None:
    plan_for(study, owner)
    incentive = interviewed(study)
    incentives.mark_paid(incentive=incentive, user=researcher, reference="TR-78", gift_code=CODE)
    withdraw_participant(participant=incentive.participant, scope=Participant.WithdrawalScope.KEEP_DATA)
    incentive.refresh_from_db()
    assert (incentive.reference, incentive.gift_code) == ("TR-78", CODE)


# --- The finance CSV ----------------------------------------------------------------------------------------------


def _csv(user: User, study: Study) -> list[list[str]]:
    response = client_for(user).get(reverse("studies:incentives_export", args=[study.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_finance_csv_has_contacts_for_owners_only_and_defuses_formulas(
    study: Study, owner: User, researcher: User
) -> None:
    plan_for(study, owner)
    incentive = interviewed(study)
    incentives.mark_paid(incentive=incentive, user=researcher, reference="=HYPERLINK(1)", gift_code=CODE)
    head, row = _csv(owner, study)
    assert head == [*incentives_columns(), "name", "email"]
    assert row[:5] == [incentive.participant.code, "25.00", "USD", "gift_card", "paid"]
    assert row[7] == "'=HYPERLINK(1)"
    assert row[8:] == ["Ana Finance", "ana@example.org"]
    head, row = _csv(researcher, study)
    assert head == incentives_columns()
    assert "ana@example.org" not in row
    assert "Ana Finance" not in row
    for user in (owner, researcher):
        assert CODE not in str(_csv(user, study))
    exports = AuditEntry.objects.filter(action="incentives.exported").order_by("id")
    assert [entry.detail for entry in exports][:2] == [{"lines": 1, "contacts": True}, {"lines": 1, "contacts": False}]


def incentives_columns() -> list[str]:
    return ["participant", "amount", "currency", "method", "status", "earned_at", "paid_at", "reference"]


# --- Pages --------------------------------------------------------------------------------------------------------


def test_an_owner_sets_the_plan_in_the_browser_form_and_others_read_it(study: Study, owner: User, viewer: User) -> None:
    url = reverse("studies:incentive_plan", args=[study.slug])
    form = {"amount": "25", "currency": "usd", "method": "gift_card", "earned_when": "interview_done"}
    refused = client_for(owner).post(url, {**form, "description-en": "Voucher"})
    assert refused.status_code == 400
    assert "data-error-summary" in refused.content.decode()
    assert not CompensationPlan.objects.exists()
    texts = {f"description-{code}": text for code, text in DESCRIPTIONS.items()}
    assert client_for(owner).post(url, {**form, **texts}).status_code == 302
    page = client_for(viewer).get(url).content.decode()
    assert "US$25.00" in page
    assert DESCRIPTIONS["hi"] in page
    assert '<form method="post" class="study-form' not in page
    assert client_for(viewer).post(url, {**form, **texts}).status_code == 403


def test_the_ledger_shows_totals_and_refuses_a_payment_without_a_date(
    study: Study, owner: User, researcher: User
) -> None:
    plan_for(study, owner)
    first, second = interviewed(study), interviewed(study)
    incentives.mark_paid(incentive=first, user=researcher)
    client = client_for(researcher)
    page = client.get(reverse("studies:incentives", args=[study.slug])).content.decode()
    assert "US$25.00 owed (1 line)" in page
    assert "US$25.00 paid (1 line)" in page
    assert second.participant.code in page
    refused = client.post(reverse("studies:incentive_paid", args=[study.slug, second.id]), {})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "data-error-summary" in body
    assert f'href="#id_pay-{second.id}-paid_on"' in body
    assert Incentive.objects.get(pk=second.pk).status == "owed"
    paid = client.post(
        reverse("studies:incentive_paid", args=[study.slug, second.id]),
        {f"pay-{second.id}-paid_on": str(timezone.localdate()), f"pay-{second.id}-gift_code": CODE},
    )
    assert paid.status_code == 302
    assert paid["Location"].endswith(f"#line-{second.id}")
    assert Incentive.objects.get(pk=second.pk).gift_code == CODE
    assert CODE not in client.get(reverse("studies:incentives", args=[study.slug])).content.decode()


def test_a_line_added_by_hand_needs_a_participant_of_the_study(study: Study, researcher: User) -> None:
    participant = person(study)
    stranger = ParticipantFactory()
    url = reverse("studies:incentive_add", args=[study.slug])
    values = {"add-amount": "10", "add-currency": "USD", "add-method": "cash"}
    refused = client_for(researcher).post(url, {**values, "add-participant": stranger.code})
    assert refused.status_code == 400
    assert "No participant of this study has that code." in refused.content.decode()
    assert client_for(researcher).post(url, {**values, "add-participant": participant.code}).status_code == 302
    assert Incentive.objects.get().participant == participant


def test_the_participant_reads_the_plan_and_their_lines_in_their_language(
    study: Study, owner: User, researcher: User
) -> None:
    plan_for(study, owner)
    incentive = interviewed(study, language="es")
    client = portal_client(incentive.participant)
    owed = client.get(reverse("participate:portal")).content.decode()
    assert DESCRIPTIONS["es"] in owed
    assert 'data-status="owed"' in owed
    assert "US$25" in owed
    incentives.mark_paid(incentive=incentive, user=researcher, gift_code=CODE, reference="TR-9")
    paid = client.get(reverse("participate:portal")).content.decode()
    assert 'data-status="paid"' in paid
    assert f"data-gift-code>{CODE}</code>" in paid
    assert "TR-9" in paid
    cancelled = incentives.add_manual_incentive(
        study=study, participant=incentive.participant, amount="99", currency="USD", method="cash", user=owner
    )
    incentives.cancel_incentive(incentive=cancelled, user=owner)
    assert "US$99" not in client.get(reverse("participate:portal")).content.decode()


def test_the_dashboard_shows_totals_to_owners_and_researchers_only(
    study: Study, owner: User, researcher: User, coder: User
) -> None:
    plan_for(study, owner)
    interviewed(study)
    panel = reverse("dashboard:panel", args=[study.slug, "incentives"])
    assert "US$25.00 owed (1 line)" in client_for(researcher).get(panel).content.decode()
    assert client_for(coder).get(panel).status_code == 403
    assert (
        'id="panel-incentives"'
        not in client_for(coder).get(reverse("dashboard:page", args=[study.slug])).content.decode()
    )


def test_the_persons_own_data_export_holds_their_payments(study: Study, owner: User, researcher: User) -> None:
    plan_for(study, owner)
    incentive = interviewed(study)
    incentives.mark_paid(incentive=incentive, user=researcher, reference="TR-5", gift_code=CODE)
    data = export_participant_data(participant=incentive.participant, actor=researcher)
    (line,) = data["incentives"]
    assert (line["amount"], line["currency"], line["status"], line["gift_code"]) == ("25.00", "USD", "paid", CODE)
    assert researcher.email not in str(data)
