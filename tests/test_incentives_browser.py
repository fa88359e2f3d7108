"""An incentive from plan to payment in real headless Chromium: an owner sets a US$25 voucher earned when the interview
is done, the interview is recorded as done on the participant's page, a researcher on a phone marks the line paid
with a reference and a gift-card code, and the participant on a 390 px phone opens their page from the magic link
and reads "Paid" and the code, with nothing spilling sideways. Nothing is mocked but the mail server (Django's
locmem backend, the test settings')."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from studies.models import ContactDetails, Incentive, Interview, OutboxMessage, Participant, Study
from studies.services.portal import link_path
from studies.tests.factories import InterviewFactory, ParticipantFactory
from studies.tests.mailkit import send_queued
from tests.test_dashboard_browser import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
CODE = "VOUCHER-4F7K-22QM"


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth === window.innerWidth"))


def set_up_the_plan(browser: Any, live_server: Any, study: Study, owner: User) -> None:
    page = signed_in_page(browser, live_server, owner)
    page.goto(live_server.url + reverse("studies:detail", args=[study.slug]))
    page.get_by_role("link", name="Compensation plan").click()
    page.get_by_label("Amount").fill("25")
    page.get_by_label("Currency").fill("USD")
    page.get_by_label("How it is paid").select_option("gift_card")
    page.get_by_label("When their interview is done").check()
    page.get_by_label("What participants read in English").fill("A US$25 voucher once your interview is done.")
    page.get_by_label("What participants read in Spanish").fill("Un vale de 25 US$ después de la entrevista.")
    page.get_by_label("What participants read in Hindi").fill("साक्षात्कार के बाद 25 डॉलर का वाउचर।")
    page.get_by_role("button", name="Save the plan").click()
    assert "The compensation plan was saved." in str(page.locator(".messages").text_content())
    assert page.locator("[data-plan-amount]").text_content() == "US$25.00"
    assert page.csp_errors == []
    page.context.close()


def record_the_interview(browser: Any, live_server: Any, study: Study, owner: User, participant: Participant) -> None:
    page = signed_in_page(browser, live_server, owner)
    page.goto(live_server.url + reverse("studies:participant", args=[study.slug, participant.code]))
    page.get_by_role("button", name="Record as done").click()
    assert "The interview was recorded as done." in str(page.locator(".messages").text_content())
    page.context.close()


def pay_on_a_phone(browser: Any, live_server: Any, study: Study, researcher: User, line: Incentive) -> None:
    page = signed_in_page(browser, live_server, researcher, **PHONE)
    page.goto(live_server.url + reverse("studies:incentives", args=[study.slug]))
    assert "US$25.00 owed (1 line)" in str(page.locator(".incentive-totals").text_content())
    assert no_sideways_scroll(page), "the ledger's table scrolls in its own region, not the page"
    row = page.locator(f"#line-{line.id}")
    row.get_by_text("Mark as paid").click()
    row.get_by_label("Payment reference").fill("FIN-2026-0042")
    row.get_by_label("Gift-card code").fill(CODE)
    row.get_by_role("button", name=f"Record the payment to {line.participant.code}").click()
    page.wait_for_url(f"**/incentives/#line-{line.id}")
    assert page.locator(f"#line-{line.id}").get_attribute("data-status") == "paid"
    assert "US$25.00 paid (1 line)" in str(page.locator(".incentive-totals").text_content())
    assert CODE not in page.content()  # the team's page says a code was recorded, never the code
    assert no_sideways_scroll(page)
    assert page.csp_errors == []
    page.context.close()


def test_an_incentive_earned_at_the_interview_is_paid_and_seen_by_the_participant(
    browser: Any, live_server: Any, study: Study, owner: User, researcher: User
) -> None:
    participant = ParticipantFactory(study=study, status=Participant.Status.SCHEDULED)
    ContactDetails.objects.create(participant=participant, name="Pat Example", email="pat@example.org")
    InterviewFactory(
        participant=participant,
        status=Interview.Status.SCHEDULED,
        scheduled_start=timezone.now() - timedelta(hours=2),
    )
    set_up_the_plan(browser, live_server, study, owner)
    record_the_interview(browser, live_server, study, owner, participant)
    line = Incentive.objects.get(participant=participant)
    assert (line.status, str(line.amount), line.currency, line.method) == ("owed", "25.00", "USD", "gift_card")

    pay_on_a_phone(browser, live_server, study, researcher, line)
    assert send_queued(OutboxMessage.Kind.INCENTIVE_PAID) == ["sent"]
    (email,) = mail.outbox
    assert CODE not in email.body

    context = browser.new_context(locale="en-US", **PHONE)
    page = context.new_page()
    page.goto(live_server.url + link_path(participant=participant))
    page.get_by_role("button", name="Open my study page").click()
    payments = page.locator(".portal-incentives")
    assert "A US$25 voucher once your interview is done." in str(payments.text_content())
    payment = payments.locator(f"#payment-{line.id}")
    assert payment.get_attribute("data-status") == "paid"
    assert payment.locator(".line-status").text_content() == "Paid"
    assert payment.locator("[data-gift-code]").text_content() == CODE
    assert "US$25.00" in str(payment.text_content())
    assert no_sideways_scroll(page), "the portal scrolls sideways on a 390 px phone"
    context.close()
