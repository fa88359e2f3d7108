"""The whole participant journey in real headless Chromium, in English and in Spanish.

Screening link → eligible → consent with a comprehension check → booking in a non-UTC browser time zone →
reschedule → delete-everything withdrawal, checking the database after each step. Nothing is mocked; the
invitation's magic link is made by the same service that writes the invitation email.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from studies.models import (
    Consent,
    ConsentItem,
    ContactDetails,
    Interview,
    Participant,
    SafetyContact,
    ScreeningResponse,
    Study,
)
from studies.services.consent import consent_text_sha256
from studies.services.portal import link_path
from studies.services.quotas import invite_participants
from studies.tests.conftest import forget_rate_limits
from studies.tests.factories import ConsentDocumentFactory, SlotFactory, StudyFactory, build_screening

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CONSENT_BODY = {
    "en": "## What taking part means\n\nWe will record an interview of about an hour.",
    "es": "## Qué significa participar\n\nGrabaremos una entrevista de una hora aproximadamente.",
}
CHECK = {
    "en": {"question": "Can you stop at any time?", "choices": ["No", "Yes, without a reason"], "answer": 1},
    "es": {"question": "¿Puede dejarlo en cualquier momento?", "choices": ["No", "Sí, sin dar motivos"], "answer": 1},
}


def journey_study(language: str) -> tuple[Study, list[Any]]:
    study = StudyFactory(languages=["en", "es"])
    SafetyContact.objects.create(study=study, name="Safety lead", email="safety@example.org")
    build_screening(study)
    items = {ConsentItem.AUDIO_RECORDING: {"required": True}, ConsentItem.VERBATIM_QUOTES: {"required": False}}
    ConsentDocumentFactory(
        study=study,
        language=language,
        version=1,
        title="Consent" if language == "en" else "Consentimiento",
        body_markdown=CONSENT_BODY[language],
        items=items,
        comprehension_questions=[CHECK[language]],
    )
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=5)
    slots = [SlotFactory(study=study, start=base), SlotFactory(study=study, start=base + timedelta(days=1, hours=2))]
    return study, slots


def fits_a_phone(page: Any) -> bool:
    """Nothing wider than the 360 px viewport: no sideways scrolling."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def local_label(moment: datetime, zone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"


@pytest.mark.parametrize(
    ("language", "locale", "zone"), [("en", "en-GB", "Asia/Kolkata"), ("es", "es-ES", "America/Mexico_City")]
)
def test_a_person_goes_from_the_screening_link_to_withdrawal(
    live_server: Any, browser: Any, language: str, locale: str, zone: str
) -> None:
    forget_rate_limits()
    study, (first_slot, second_slot) = journey_study(language)
    context = browser.new_context(locale=locale, timezone_id=zone, viewport={"width": 360, "height": 780})
    page = context.new_page()
    with translation.override(language):
        # 1. Screening link → eligible.
        page.goto(live_server.url + reverse("participate:screening", args=[study.slug]))
        assert page.locator("html").get_attribute("lang") == language
        assert fits_a_phone(page)
        page.get_by_label(_("Email address")).fill("journey@example.org")
        page.locator("#id_q_age").fill("31")
        page.locator("#id_q_country").select_option("MX" if language == "es" else "IN")
        page.check('input[name="q_used_chatbot"][value="yes"]')
        page.check('input[name="q_crisis"][value="no"]')
        page.check('input[name="q_attention"][value="no"]')
        page.get_by_role("button", name=_("Send my answers")).click()
        page.wait_for_selector(".result-eligible")
        participant = Participant.objects.get(study=study)
        assert participant.status == Participant.Status.ELIGIBLE
        assert participant.language == language
        assert ContactDetails.objects.get(participant=participant).email == "journey@example.org"

        # The team invites the person; the magic link is the one the invitation email carries.
        assert invite_participants(participants=[participant]) == 1
        page.goto(live_server.url + link_path(participant=participant))
        page.get_by_role("button", name=_("Open my study page")).click()
        assert participant.code in page.content()
        assert fits_a_phone(page)

        # 2. Consent: a wrong comprehension answer is refused, the right one signs.
        page.get_by_role("link", name=_("Read the information and give your consent")).click()
        page.check(f'input[name="item_{ConsentItem.AUDIO_RECORDING}"]')
        page.check('input[name="check_0"][value="0"]')
        page.get_by_label(_("Type your full name to sign")).fill("Journey Person")
        page.get_by_role("button", name=_("Sign and give consent")).click()
        assert _("At least one answer about the study is not right yet. Please read the text again.") in page.content()
        assert not Consent.objects.filter(participant=participant).exists()
        page.check(f'input[name="item_{ConsentItem.AUDIO_RECORDING}"]')
        page.check('input[name="check_0"][value="1"]')
        page.get_by_label(_("Type your full name to sign")).fill("Journey Person")
        page.get_by_role("button", name=_("Sign and give consent")).click()
        page.wait_for_selector(".portal-state")
        consent = Consent.objects.get(participant=participant)
        assert consent.language == language
        assert consent.choices == {ConsentItem.AUDIO_RECORDING: True, ConsentItem.VERBATIM_QUOTES: False}
        assert consent.text_sha256 == consent_text_sha256(consent.document)
        participant.refresh_from_db()
        assert participant.status == Participant.Status.CONSENTED

        # 3. Booking: the page detects the browser's zone and shows the slots in it.
        page.get_by_role("link", name=_("Choose an interview time")).click()
        page.wait_for_url("**/book/?tz=*")
        # Chromium may report a legacy alias of the zone (Asia/Calcutta for Asia/Kolkata): same clock.
        detected = parse_qs(urlparse(page.url).query)["tz"][0]
        assert ZoneInfo(detected).utcoffset(first_slot.start) == ZoneInfo(zone).utcoffset(first_slot.start)
        assert fits_a_phone(page)
        page.get_by_label(local_label(first_slot.start, zone), exact=False).check()
        page.get_by_role("button", name=_("Book this time")).click()
        page.wait_for_selector("[data-booking-start]")
        assert page.locator("[data-booking-start]").inner_text() == local_label(first_slot.start, zone)
        participant.refresh_from_db()
        assert participant.status == Participant.Status.SCHEDULED
        assert participant.time_zone == detected
        assert Interview.objects.get(participant=participant, status="scheduled").slot == first_slot

        # 4. Reschedule to the other slot.
        page.get_by_role("link", name=_("Choose another time")).click()
        page.get_by_label(local_label(second_slot.start, zone), exact=False).check()
        page.get_by_role("button", name=_("Book this time")).click()
        page.wait_for_selector("[data-booking-start]")
        assert page.locator("[data-booking-start]").inner_text() == local_label(second_slot.start, zone)
        booked = Interview.objects.filter(participant=participant)
        assert booked.get(status="scheduled").slot == second_slot
        assert booked.get(slot=first_slot).status == Interview.Status.CANCELLED

        # 5. Withdraw and delete everything.
        page.get_by_role("link", name=_("Withdraw from the study")).click()
        page.check('input[name="scope"][value="delete_all"]')
        page.check('input[name="confirm"]')
        page.get_by_role("button", name=_("Withdraw")).click()
        page.wait_for_selector(".withdrawn")
        participant.refresh_from_db()
        assert participant.status == Participant.Status.WITHDRAWN
        assert participant.withdrawal_scope == Participant.WithdrawalScope.DELETE_ALL
        assert not ContactDetails.objects.filter(participant=participant).exists()
        assert ScreeningResponse.objects.get(participant=participant).answers == {}
        assert Consent.objects.get(participant=participant).signature_name == ""
        assert not Interview.objects.filter(participant=participant, status="scheduled").exists()
    context.close()
