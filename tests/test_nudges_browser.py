"""Reminders in real headless Chromium on a 390 px phone (issue #23, "Done when": a nudge sent once after the set delay
and never to withdrawn people).

A researcher sets "remind after 2 days, at most 1" on the settings page and writes the Spanish consent reminder on
the messages page, by keyboard where a form is sent. Time passing is the nudge service called with a later `now`
(the hourly beat calls the same service); sending the outbox is the worker's service (`deliver_message`) called
here, and the mail read from Django's test outbox: the mail server is the one thing mocked.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from studies.models import ContactDetails, MessageTemplate, OutboxMessage, Participant, Study
from studies.services.nudges import send_nudges
from studies.tests.factories import ParticipantFactory
from studies.tests.mailkit import send_queued
from tests.test_dashboard_browser import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SUBJECT = "Un recordatorio de {study}"
BODY = "Hola {code}: todavía no ha dado su consentimiento.\nSu página personal: {link}"


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def invited_person(study: Study, email: str) -> Participant:
    """Invited in Spanish, the invitation e-mail sent just now (the reminders' clock starts there)."""
    person = ParticipantFactory(study=study, status=Participant.Status.ELIGIBLE, language="es")
    ContactDetails.objects.create(participant=person, name="Persona", email=email)
    Participant.objects.filter(pk=person.pk).update(status=Participant.Status.INVITED)
    OutboxMessage.objects.create(kind=OutboxMessage.Kind.INVITATION, participant=person)
    assert send_queued(OutboxMessage.Kind.INVITATION) == [OutboxMessage.Status.SENT]
    return person


def set_the_reminders(page: Any, study: Study) -> None:
    page.goto(reverse("studies:settings", args=[study.slug]))
    page.get_by_label("Remind after (days without a step)").fill("2")
    count = page.get_by_label("Reminders at most, per step")
    count.fill("1")
    count.press("Enter")
    page.wait_for_url(re.compile(r".*/settings/#reminders$"))
    assert "The reminder settings were saved." in str(page.locator(".messages").text_content())
    assert fits_the_screen(page)


def write_the_spanish_reminder(page: Any, study: Study) -> None:
    page.goto(reverse("studies:messages", args=[study.slug]))
    assert fits_the_screen(page)
    page.get_by_role("link", name=re.compile("Reminder: consent not given yet, Spanish")).click()
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Text").fill("{nombre}")
    page.get_by_role("button", name="Save the wording").click()  # refused: an unknown placeholder
    summary = page.locator("[data-error-summary]")
    assert "Unknown placeholder: {nombre}" in str(summary.text_content())
    page.wait_for_function("() => document.activeElement.matches('[data-error-summary]')")  # the focus starts there
    page.get_by_label("Text").fill(BODY)
    page.get_by_role("button", name="Preview").click()
    assert page.locator("#preview-subject").text_content() == f"Un recordatorio de {study.title}"
    page.get_by_role("button", name="Save the wording").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*#editor$"))
    assert "The team's wording is used." in str(page.locator("#editor").text_content())
    assert fits_the_screen(page)


def test_a_reminder_goes_once_after_the_delay_and_never_to_a_withdrawn_person(
    browser: Any, live_server: Any, study: Study, researcher: User, settings: Any
) -> None:
    settings.SITE_URL = live_server.url  # the links in e-mails
    ana = invited_person(study, "ana@example.org")
    gone = invited_person(study, "gone@example.org")
    Participant.objects.filter(pk=gone.pk).update(status=Participant.Status.WITHDRAWN)
    page = signed_in_page(browser, live_server, researcher, base_url=live_server.url, **PHONE)

    set_the_reminders(page, study)
    write_the_spanish_reminder(page, study)
    study.refresh_from_db()
    assert (study.nudge_after_days, study.nudge_max_count) == (2, 1)
    assert MessageTemplate.objects.get(study=study).language == "es"

    mail.outbox.clear()
    assert send_nudges(now=timezone.now() + timedelta(days=1)) == 0  # not yet
    three_days_on = timezone.now() + timedelta(days=3)
    assert send_nudges(now=three_days_on) == 1
    assert send_queued() == [OutboxMessage.Status.SENT]
    assert send_nudges(now=three_days_on + timedelta(days=10)) == 0  # at most one
    [reminder] = mail.outbox
    assert reminder.to == ["ana@example.org"]
    assert reminder.subject == f"Un recordatorio de {study.title}"
    assert reminder.body.startswith(f"Hola {ana.code}: todavía no ha dado su consentimiento.\nSu página personal: ")
    link = reminder.body.rsplit(" ", 1)[-1]

    page.goto(reverse("studies:participant", args=[study.slug, ana.code]))
    history = page.locator("#message-history")
    reminder_row = history.locator("tr", has_text="reminder to give consent")
    assert "sent" in str(reminder_row.text_content())
    assert "todavía" not in str(page.content())  # the history names the message, never its text
    assert fits_the_screen(page)
    page.goto(reverse("studies:participant", args=[study.slug, gone.code]))
    assert page.locator("#message-history tr", has_text="reminder to give consent").count() == 0
    assert page.csp_errors == []

    person = browser.new_context(**PHONE).new_page()  # the link in the e-mail opens Ana's own page
    person.goto(link)
    assert person.locator("html").get_attribute("lang") == "es"
    person.locator("main form button").click()
    person.wait_for_url(live_server.url + reverse("participate:portal"))
    assert study.title in str(person.locator("main").text_content())
