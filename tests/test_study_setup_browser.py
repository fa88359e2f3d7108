"""A new study lead, invited by e-mail, sets up the model study in real headless Chromium through the pages alone,
launches it, and a participant on a phone screens, consents and books in Spanish (issue #20, "Done when").

The only set-up outside the browser: the inviting owner's study and account (factories), the operator's grant
(`manage.py create_operator`, as an operator would run it), and sending the outbox's e-mails, which a Celery worker
does in production: it is not running beside this test, so its service (`deliver_message`) is called here and the
mail read from Django's test outbox. Everything else is clicked and typed, and every step checks the database.
The screenshots (docs/screenshots/setup-*.png) are the README's walkthrough of setting up a study.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from accounts.models import User
from accounts.tests.factories import UserFactory, verified_client
from studies.models import (
    Consent,
    CrisisResource,
    Interview,
    OutboxMessage,
    Participant,
    Role,
    SafetyContact,
    Slot,
    Study,
)
from studies.services.scheduling import open_slots
from studies.tests.conftest import forget_rate_limits
from studies.tests.factories import MembershipFactory
from tests.setup_story import (
    CHECK,
    CONSENT_TITLES,
    DESCRIPTIONS,
    ITEMS,
    LEAD_EMAIL,
    LEAD_NAME,
    QUESTIONS,
    SCREENSHOTS,
    TITLE,
    TRANSCRIPTION,
    ZONE,
    Lead,
    accept_the_invitation,
    build_the_screening,
    create_the_study,
    form_with,
    invite_the_lead,
    label,
    mailed_link,
    see,
    set_the_quotas,
    set_time_zone,
    submit,
    write_the_consent,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE_ZONE = "America/Mexico_City"
PARTICIPANT_EMAIL = "maria.participa@example.org"
STAFF_SCREEN = {"width": 1280, "height": 900}
RESOURCES = (
    ("ES", "Línea 024 de atención a la conducta suicida", "024"),
    ("MX", "Línea de la Vida", "800 911 2000"),
    ("IN", "Tele-MANAS", "14416"),
)


def staff_context(browser: Any, base: str, client: Any = None) -> Any:
    """A desktop browser in English; with a Django test client, carrying its signed-in session."""
    context = browser.new_context(locale="en-GB", viewport=STAFF_SCREEN)
    if client is not None:
        cookies = [{"name": name, "value": cookie.value, "url": base} for name, cookie in client.cookies.items()]
        context.add_cookies(cookies)
    return context


def publish_recurring_slots(lead: Lead) -> None:
    """Weekdays 09:00-12:00 in the lead's zone, an hour each, for two weeks from tomorrow; a video room per
    booking."""
    page = lead.page
    lead.open("Interview slots")
    see(page, f"Times are in {ZONE}, the time zone of your profile.")
    page.get_by_role("heading", name="Recurring availability").click()
    form = form_with(page, "Publish the slots")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        form.get_by_label(label(day)).check()
    first = timezone.localdate(timezone=ZoneInfo(ZONE)) + timedelta(days=1)
    form.get_by_label(label("From")).fill("09:00")
    form.get_by_label(label("Until")).fill("12:00")
    form.get_by_label("Length of each slot (minutes)").fill("60")
    form.get_by_label("Break between slots (minutes)").fill("0")
    form.get_by_label("First day").fill(first.isoformat())
    form.get_by_label("Last day").fill((first + timedelta(days=13)).isoformat())
    form.get_by_label("Interviewer").select_option(label=LEAD_NAME)
    form.get_by_label("Generate a video link for each booking").check()
    submit(form.get_by_role("button", name="Count the slots first"))
    see(page, "This makes 30 slots.")  # ten weekdays, three a day
    submit(form.get_by_role("button", name="Publish the slots"))
    see(page, "30 slots were published.")
    lead.shot("slots")
    slots = Slot.objects.filter(study__slug=lead.slug)
    assert slots.count() == 30
    starts = [slot.start.astimezone(ZoneInfo(ZONE)) for slot in slots]
    assert {start.hour for start in starts} == {9, 10, 11}
    assert {start.weekday() for start in starts} == {0, 1, 2, 3, 4}
    assert all(slot.duration_minutes == 60 and slot.generate_link for slot in slots)
    assert set(slots.values_list("interviewer__email", flat=True)) == {LEAD_EMAIL}


def add_the_safety_contact(lead: Lead) -> None:
    """The person alerted when a participant's answer to the risk item triggers it."""
    page = lead.page
    lead.open("Safety: crisis resources and contacts")
    form = form_with(page, "Add the contact")
    form.get_by_label(label("Name")).fill("Dr Priya Raman (clinical psychologist)")
    form.get_by_label(label("E-mail")).fill("safety@example.org")
    form.get_by_label(label("Phone")).fill("+34 600 000 000")
    form.get_by_label("How to reach them").fill("Weekdays 08:00-20:00 CET; otherwise the deputy on the rota.")
    submit(form.get_by_role("button", name="Add the contact"))
    see(page, "The safety contact was added.")
    assert SafetyContact.objects.get(study__slug=lead.slug).email == "safety@example.org"


def recruiting_is_refused_without_crisis_resources(lead: Lead) -> None:
    """Everything else is ready; "Start recruiting" is refused, saying what is missing, and the checklist names the
    countries (those of the eligibility rule) that still need a resource."""
    page = lead.page
    lead.open("Settings and status")
    submit(page.get_by_role("button", name="Start recruiting"))
    see(page, "Recruiting cannot start yet. Missing: Crisis resources.")
    assert lead.study().status == Study.Status.DRAFT
    lead.open("Launch checklist")
    see(page, "No crisis resource for Spain (ES), India (IN), Mexico (MX)")


def add_crisis_resources(lead: Lead) -> None:
    """One service per country the study recruits in, reached from the checklist's "Fix" link."""
    page = lead.page
    page.get_by_role("link", name="Fix: Crisis resources").click()
    for country, name, phone in RESOURCES:
        form = form_with(page, "Add the resource")
        form.get_by_label(label("Country")).select_option(country)
        form.get_by_label("Name of the service").fill(name)
        form.get_by_label(label("Phone")).fill(phone)
        submit(form.get_by_role("button", name="Add the resource"))
        see(page, "The crisis resource was added.")
    lead.shot("safety", height=1350)
    rows = CrisisResource.objects.filter(study__slug=lead.slug)
    assert sorted(rows.values_list("country", "name", "phone")) == sorted(RESOURCES)


def launch_from_the_checklist(lead: Lead) -> None:
    """Every required item ready (the quotas' intersectional cell leaves a warning, which holds nothing)."""
    page = lead.page
    lead.open("Launch checklist")
    see(page, "7 of 7 required items ready.")
    lead.shot("checklist-ready", height=1400)
    submit(page.get_by_role("button", name="Start recruiting"))
    see(page, "The study is now recruiting.")
    assert lead.study().status == Study.Status.RECRUITING


def fits_a_phone(page: Any) -> bool:
    """Nothing wider than the phone's screen: no sideways scrolling."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def local_label(slot: Slot, zone: str) -> str:
    return f"{slot.start.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"


def spanish(asked_key: str) -> str:
    return next(asked.text["es"] for asked in QUESTIONS if asked.key == asked_key)


def screen_on_a_phone(phone: Any, base: str, slug: str) -> Participant:
    """The public screening link in Spanish (the phone's language), answered so that the person is eligible."""
    phone.goto(base + reverse("participate:screening", args=[slug]))
    assert phone.locator("html").get_attribute("lang") == "es"
    expect(phone.get_by_role("heading", name=TITLE)).to_be_visible()
    see(phone, DESCRIPTIONS["es"])
    assert fits_a_phone(phone)
    phone.get_by_label(spanish("age")).fill("29")
    phone.get_by_label(spanish("country")).select_option("MX")
    phone.get_by_role("group", name=spanish("gender")).get_by_label("Mujer").check()
    phone.get_by_role("group", name=spanish("used_for_mental_health")).get_by_label("Sí").check()
    phone.get_by_role("group", name=spanish("thoughts_of_self_harm")).get_by_label("No", exact=True).check()
    phone.get_by_label(_("Email address")).fill(PARTICIPANT_EMAIL)
    submit(phone.get_by_role("button", name=_("Send my answers")))
    participant = Participant.objects.get(study__slug=slug)
    # Faster than the questionnaire's minimum time (a test types fast), the answers wait for the team's review, and
    # the person is promised nothing yet; otherwise they read that they can take part.
    flagged = participant.status == Participant.Status.FLAGGED
    see(phone, _("Thank you for your interest in this study. The research team will look at your answers and will be "
                 "in touch by email if there is a next step for you.") if flagged else
        _("You can take part in this study. We will email you a personal link to the next steps."))  # fmt: skip
    assert participant.language == "es"
    response = participant.responses.get()
    assert response.eligible
    assert response.attributes["country"] == "MX"
    return participant


def the_team_clears_and_invites(lead: Lead, participant: Participant) -> str:
    """The answers came faster than the questionnaire's minimum time (20 s; a test types fast), so the response
    waits for review: the lead clears it, then invites the person from "Select for invitation". Returns the link of
    the invitation e-mail."""
    page = lead.page
    if participant.status == Participant.Status.FLAGGED:  # always, unless typing the answers took over 20 s
        lead.open("Participants")
        page.get_by_role("link", name=participant.code, exact=True).click()
        see(page, "too_fast")
        submit(page.get_by_role("button", name="Clear for the pool"))
        see(page, "The review was saved.")
        participant.refresh_from_db()
    assert participant.status == Participant.Status.ELIGIBLE
    lead.open("Participants")
    page.get_by_role("link", name="Select for invitation").click()
    expect(page.get_by_label(participant.code, exact=True)).to_be_checked()
    submit(page.get_by_role("button", name="Invite the selected people"))
    see(page, "1 people were invited.")
    participant.refresh_from_db()
    assert participant.status == Participant.Status.INVITED
    return mailed_link(OutboxMessage.Kind.INVITATION, PARTICIPANT_EMAIL, reverse("participate:portal_enter"))


def consent_on_a_phone(phone: Any, link: str, participant: Participant) -> None:
    """The magic link opens the portal; the consent form in Spanish shows the team's items and check."""
    phone.goto(link)
    submit(phone.get_by_role("button", name=_("Open my study page")))
    phone.get_by_role("link", name=_("Read the information and give your consent")).click()
    expect(phone.get_by_role("heading", name=CONSENT_TITLES["es"])).to_be_visible()
    for _key, _required, labels in ITEMS:
        phone.get_by_label(labels["es"]).check()
    phone.get_by_label(TRANSCRIPTION["es"]).check()
    question, choices = CHECK["es"]
    phone.get_by_role("group", name=question).get_by_label(choices.splitlines()[1]).check()
    phone.get_by_label(_("Type your full name to sign")).fill("María López")
    assert fits_a_phone(phone)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "setup-participant-consent-es.png"), full_page=True)
    submit(phone.get_by_role("button", name=_("Sign and give consent")))
    consent = Consent.objects.get(participant=participant)
    assert (consent.language, consent.document.version) == ("es", 1)
    assert consent.choices == {"audio_recording": True, "share_with_partners": True, "automatic_transcription": True}
    participant.refresh_from_db()
    assert participant.status == Participant.Status.CONSENTED


def book_on_a_phone(phone: Any, participant: Participant) -> None:
    """The booking page finds the phone's zone and shows the Madrid slots in Mexico City time."""
    slot = open_slots(study=participant.study).order_by("start").first()
    assert slot is not None
    phone.get_by_role("link", name=_("Choose an interview time")).click()
    phone.wait_for_url("**/book/?tz=*")
    see(phone, PHONE_ZONE)
    assert fits_a_phone(phone)
    phone.get_by_label(local_label(slot, PHONE_ZONE), exact=False).check()
    submit(phone.get_by_role("button", name=_("Book this time")))
    interview = Interview.objects.get(participant=participant, status=Interview.Status.SCHEDULED)
    assert interview.slot == slot
    assert interview.meeting_link.startswith("https://meet.jit.si/")
    see(phone, local_label(slot, PHONE_ZONE))
    see(phone, interview.meeting_link)
    participant.refresh_from_db()
    assert participant.status == Participant.Status.SCHEDULED


def test_a_new_lead_sets_up_the_model_study_in_the_browser_and_a_participant_books_in_spanish(
    live_server: Any, browser: Any, settings: Any, production_two_factor_roles: None
) -> None:
    forget_rate_limits()
    base = live_server.url
    settings.SITE_URL = base  # the links in e-mails
    # The owner of another study invites the new lead by e-mail.
    inviter = UserFactory(display_name="Prof. Amara Okafor")
    their_study = MembershipFactory(user=inviter, role=Role.OWNER).study
    inviter_context = staff_context(browser, base, verified_client(inviter))
    link = invite_the_lead(inviter_context.new_page(), base, their_study)
    inviter_context.close()

    # The new lead joins, is allowed to create studies, and builds the study from nothing.
    lead = Lead(page=staff_context(browser, base).new_page(), base=base)
    accept_the_invitation(lead, link, their_study)
    call_command("create_operator", LEAD_EMAIL, stdout=StringIO())  # an operator lets the lead create studies
    assert User.objects.get(email=LEAD_EMAIL).can_create_studies
    set_time_zone(lead)
    create_the_study(lead)
    build_the_screening(lead)
    set_the_quotas(lead)
    write_the_consent(lead)
    publish_recurring_slots(lead)
    add_the_safety_contact(lead)
    recruiting_is_refused_without_crisis_resources(lead)
    add_crisis_resources(lead)
    launch_from_the_checklist(lead)

    # A participant in Mexico, on a phone in Spanish.
    phone_context = browser.new_context(
        locale="es-ES", timezone_id=PHONE_ZONE, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = phone_context.new_page()
    with translation.override("es"):
        participant = screen_on_a_phone(phone, base, lead.slug)
        link = the_team_clears_and_invites(lead, participant)
        consent_on_a_phone(phone, link, participant)
        book_on_a_phone(phone, participant)
    phone_context.close()
    lead.page.context.close()
