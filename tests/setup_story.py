"""The team's side of tests/test_study_setup_browser.py: a new study lead sets up the model study in Chromium.

Each step works the pages as a person would (labels, roles and button names, never CSS internals) and then checks
what the database holds. The texts are the model study's (seeds/llm-chatbots-mental-health), written here in full
because typing them is the point.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.models import User
from studies.models import (
    ConsentDocument,
    EligibilityRule,
    OutboxMessage,
    Question,
    Questionnaire,
    Role,
    Stratum,
    Study,
    StudyMembership,
    TeamInvitation,
)
from studies.services.emails import deliver_message

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
LEAD_EMAIL = "new.lead@example.org"
LEAD_NAME = "Dr Lena Ortiz"
PASSWORD = "violet kettles hum at dawn 42"
TITLE = "LLM chatbots and mental-health support"
ZONE = "Europe/Madrid"
DESCRIPTIONS = {
    "en": "An interview study of how people use AI chatbots for support with their mental health.",
    "es": "Un estudio con entrevistas sobre cómo se usan los chatbots de IA como apoyo para la salud mental.",
    "hi": "मानसिक स्वास्थ्य में सहायता के लिए लोग AI चैटबॉट का उपयोग कैसे करते हैं, इस पर एक साक्षात्कार अध्ययन।",
}
YES_NO = "yes | Yes | Sí | हाँ\nno | No | No | नहीं"


@dataclass(frozen=True)
class Asked:
    key: str
    kind: str  # the label of the question type, as the form offers it
    text: dict[str, str]
    choices: str = ""
    risk: str = ""


QUESTIONS = (
    Asked("age", "Age", {"en": "How old are you?", "es": "¿Cuántos años tiene?", "hi": "आपकी उम्र क्या है?"}),
    Asked(
        "country",
        "Country (ISO 3166)",
        {"en": "Where do you live?", "es": "¿En qué país vive?", "hi": "आप किस देश में रहते हैं?"},
    ),
    Asked(
        "gender",
        "Single choice",
        {"en": "What is your gender?", "es": "¿Cuál es su género?", "hi": "आपका लिंग क्या है?"},
        "woman | Woman | Mujer | महिला\nman | Man | Hombre | पुरुष\nnon_binary | Non-binary | No binario | नॉन-बाइनरी",
    ),
    Asked(
        "used_for_mental_health",
        "Single choice",
        {
            "en": "In the past 12 months, have you used an AI chatbot for your mental health?",
            "es": "En los últimos 12 meses, ¿ha usado un chatbot de IA para su salud mental?",
            "hi": "पिछले 12 महीनों में, क्या आपने अपने मानसिक स्वास्थ्य के लिए किसी AI चैटबॉट का उपयोग किया है?",
        },
        YES_NO,
    ),
    Asked(
        "thoughts_of_self_harm",
        "Single choice",
        {
            "en": "Right now, are you having thoughts of harming yourself?",
            "es": "¿Tiene ahora mismo pensamientos de hacerse daño?",
            "hi": "क्या अभी आपके मन में ख़ुद को नुक़सान पहुँचाने के विचार आ रहे हैं?",
        },
        YES_NO,
        risk="yes",
    ),
)
CONSENT_TITLES = {"en": "Consent to take part", "es": "Consentimiento para participar", "hi": "भाग लेने की सहमति"}
CONSENT_BODIES = {
    "en": "## What taking part means\n\nOne online interview of about an hour. You may stop at any time.",
    "es": "## Qué significa participar\n\nUna entrevista en línea de una hora. Puede dejarlo en cualquier momento.",
    "hi": "## भाग लेने का अर्थ\n\nलगभग एक घंटे का एक ऑनलाइन साक्षात्कार। आप कभी भी रुक सकते हैं।",
}
ITEMS = (
    (
        "audio_recording",
        True,
        {
            "en": "I agree that the interview is audio-recorded",
            "es": "Acepto que se grabe el audio de la entrevista",
            "hi": "मैं सहमत हूँ कि साक्षात्कार की ऑडियो रिकॉर्डिंग की जाए",
        },
    ),
    (
        "share_with_partners",
        False,
        {
            "en": "My anonymised transcript may be shared with partner universities",
            "es": "Mi transcripción anonimizada puede compartirse con universidades asociadas",
            "hi": "मेरी गुमनाम प्रतिलिपि साझेदार विश्वविद्यालयों के साथ साझा की जा सकती है",
        },
    ),
)
TRANSCRIPTION = {  # the platform's own label of its ready-made item, in each language
    "en": "Automatic transcription of the recording",
    "es": "Transcripción automática de la grabación",
    "hi": "रिकॉर्डिंग का स्वचालित प्रतिलेखन",
}
CHECK = {
    "en": ("Can you stop the interview at any time?", "No\nYes, without giving a reason"),
    "es": ("¿Puede dejar la entrevista en cualquier momento?", "No\nSí, sin dar explicaciones"),
    "hi": ("क्या आप किसी भी समय साक्षात्कार रोक सकते हैं?", "नहीं\nहाँ, बिना कारण बताए"),
}


@dataclass
class Lead:
    """The new study lead's browser page, and the study once it exists."""

    page: Any
    base: str
    slug: str = ""

    def study(self) -> Study:
        return Study.objects.get(slug=self.slug)

    def open(self, link: str) -> None:
        """From the study's page, follow one of its links (as the lead finds every set-up page)."""
        self.page.goto(self.base + reverse("studies:detail", args=[self.slug]))
        self.page.get_by_role("link", name=link, exact=True).click()

    def shot(self, name: str, *, of: Any = None, height: int = 0) -> None:
        """A screenshot for the README: one part of the page, its top `height` pixels, or what the window shows."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = str(SCREENSHOTS / f"setup-{name}.png")
        if of is not None:
            of.screenshot(path=path)
        elif height:
            height = min(height, int(self.page.evaluate("document.documentElement.scrollHeight")))
            clip = {"x": 0, "y": 0, "width": self.page.viewport_size["width"], "height": height}
            self.page.screenshot(path=path, full_page=True, clip=clip)
        else:
            self.page.screenshot(path=path)


def label(text: str) -> re.Pattern[str]:
    """A field's whole label, with or without the colon Django puts after it (a regular expression is matched
    against the label's text as it stands, spaces and line breaks included)."""
    return re.compile(rf"^\s*{re.escape(text)}:?\s*$")


def form_with(page: Any, button: str) -> Any:
    """The form that a button of this name sends (a page may hold several forms with fields of the same label)."""
    return page.locator("form").filter(has=page.get_by_role("button", name=button, exact=True))


def submit(button: Any) -> None:
    """Press a button that sends its form, and wait for the answer (a refusal comes back at the same address)."""
    with button.page.expect_navigation():
        button.click()


def see(page: Any, text: str) -> None:
    expect(page.get_by_text(text, exact=False).first).to_be_visible()


def mailed_link(kind: str, to: str, path: str) -> str:
    """Send the waiting outbox messages of `kind` as the Celery worker would (no worker runs beside this test, so
    its service is called here) and return the link to `path` in the e-mail that went to `to`."""
    for message_id in OutboxMessage.objects.filter(kind=kind, status="pending").values_list("id", flat=True):
        assert deliver_message(message_id=message_id) == OutboxMessage.Status.SENT
    body = next(str(sent.body) for sent in reversed(mail.outbox) if sent.to == [to])
    found = re.search(rf"https?://\S+{re.escape(path)}\S+", body)
    assert found is not None, body
    return found.group(0)


def invite_the_lead(inviter_page: Any, base: str, study: Study) -> str:
    """An owner of another study invites the new lead as an owner; returns the link of the invitation e-mail."""
    inviter_page.goto(base + reverse("studies:team", args=[study.slug]))
    form = form_with(inviter_page, "Send the invitation")
    form.get_by_label("E-mail address").fill(LEAD_EMAIL)
    form.get_by_label("Role").select_option(label="Owner")
    submit(form.get_by_role("button", name="Send the invitation"))
    see(inviter_page, "The invitation is on its way.")
    invitation = TeamInvitation.objects.get(email=LEAD_EMAIL)
    assert (invitation.study_id, invitation.role, invitation.accepted_at) == (study.pk, Role.OWNER, None)
    return mailed_link(OutboxMessage.Kind.TEAM_INVITATION, LEAD_EMAIL, reverse("invitations:accept"))


def code_from_key(key: str) -> str:
    """What an authenticator app shows for the key the set-up page gives to type (base32 in groups of four)."""
    compact = key.replace(" ", "")
    secret = base64.b32decode(compact + "=" * (-len(compact) % 8))
    return f"{totp(secret, step=30, t0=0, digits=6, drift=0):06d}"


def accept_the_invitation(lead: Lead, link: str, study: Study) -> User:
    """The lead opens the e-mailed link, creates the account and enrols an authenticator (owners need one)."""
    page = lead.page
    page.goto(link)
    page.get_by_label("Your name as the team will see it").fill(LEAD_NAME)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    submit(page.get_by_role("button", name="Create my account and join"))
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    key = page.locator("p").filter(has_text="Cannot scan?").get_by_role("code").inner_text()
    page.get_by_label("Six-digit code from your authenticator app").fill(code_from_key(key))
    submit(page.get_by_role("button", name="Confirm"))
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page.get_by_role("heading", name=study.title)).to_be_visible()
    user = User.objects.get(email=LEAD_EMAIL)
    assert user.display_name == LEAD_NAME
    assert TOTPDevice.objects.get(user=user).confirmed
    assert StudyMembership.objects.get(user=user).role == Role.OWNER
    return user


def set_time_zone(lead: Lead) -> None:
    page = lead.page
    page.get_by_role("link", name="Profile", exact=True).click()
    page.get_by_label("Time zone").select_option(ZONE)
    submit(page.get_by_role("button", name="Save", exact=True))
    see(page, "Your profile was saved.")
    assert User.objects.get(email=LEAD_EMAIL).time_zone == ZONE


def create_the_study(lead: Lead) -> Study:
    """Title, three languages with a description each, and the rest of the study form; a draft on its checklist."""
    page = lead.page
    page.get_by_role("link", name="Studies", exact=True).click()
    page.get_by_role("link", name="New study", exact=True).click()
    page.get_by_label(label("Title")).fill(TITLE)
    page.get_by_label(label("Languages")).fill("en, es, hi")
    page.get_by_label("Description in English (en)").fill(DESCRIPTIONS["en"])
    page.get_by_label("Target sample size").fill("21")
    page.get_by_label("Ethics approval reference").fill("REC-2026-0142")
    page.get_by_label("Contact e-mail for participants").fill("chatbot-study@example.org")
    page.get_by_label("Delete raw recordings").fill("30")
    page.get_by_label("Delete contact details").fill("180")
    page.get_by_label("Video-call base address").fill("https://meet.jit.si/")
    submit(page.get_by_role("button", name="Create the study"))
    # Without a script the form cannot grow boxes while languages are typed: it comes back with them, unsaved.
    see(page, "A description box was added for: Spanish, Hindi.")
    assert not Study.objects.filter(title=TITLE).exists()
    page.get_by_label("Description in Spanish (es)").fill(DESCRIPTIONS["es"])
    page.get_by_label("Description in Hindi (hi)").fill(DESCRIPTIONS["hi"])
    lead.shot("study-form", height=2400)
    submit(page.get_by_role("button", name="Create the study"))
    expect(page.get_by_role("heading", name="Launch checklist")).to_be_visible()
    study = Study.objects.get(title=TITLE)
    lead.slug = study.slug
    assert (study.status, study.languages, study.descriptions) == (Study.Status.DRAFT, ["en", "es", "hi"], DESCRIPTIONS)
    assert (study.target_sample_size, study.raw_audio_retention_days, study.contact_retention_days) == (21, 30, 180)
    assert (study.ethics_reference, study.video_call_base_url) == ("REC-2026-0142", "https://meet.jit.si/")
    assert study.memberships.get().user.email == LEAD_EMAIL
    see(page, "1 of 7 required items ready.")  # only the retention periods, set in the form
    lead.shot("checklist-missing", height=1400)
    return study


def add_question(page: Any, asked: Asked) -> None:
    form = form_with(page, "Add the question")
    form.get_by_label(label("Key")).fill(asked.key)
    form.get_by_label(label("Type")).select_option(label=asked.kind)
    for language, text in asked.text.items():
        form.get_by_label(f"Question text ({language})").fill(text)
    if asked.choices:
        form.get_by_label(label("Choices")).fill(asked.choices)
    if asked.risk:
        form.get_by_label(label("Risk item")).check()
        form.get_by_label("Answers that show crisis resources").fill(asked.risk)
    submit(form.get_by_role("button", name="Add the question"))
    see(page, "The question was added.")


def try_rule(page: Any, key: str, condition: str, value: str) -> None:
    form = form_with(page, "Add the rule")
    form.get_by_label("Question or derived value").select_option(key)
    form.get_by_label("Condition").select_option(label=condition)
    form.get_by_label(label("Value")).fill(value)
    submit(form.get_by_role("button", name="Add the rule"))


def build_the_screening(lead: Lead) -> None:
    """Five questions in three languages, then the eligibility rules; a typo'd key and an impossible value are
    refused with a message and save nothing."""
    page = lead.page
    lead.open("Questionnaires and eligibility")
    form = form_with(page, "Create")
    form.get_by_label("Kind").select_option(label="Screening")
    form.get_by_label(label("Title")).fill("Screening")
    submit(form.get_by_role("button", name="Create"))
    for asked in QUESTIONS:
        add_question(page, asked)
    questions = Question.objects.filter(questionnaire__study__slug=lead.slug).order_by("position")
    assert [(q.key, q.text) for q in questions] == [(asked.key, asked.text) for asked in QUESTIONS]
    assert questions.get(key="thoughts_of_self_harm").risk_values == ["yes"]
    rules = EligibilityRule.objects.filter(questionnaire__study__slug=lead.slug)
    # The page offers only the questionnaire's keys; a typo reaches the server from a stale or hand-edited page.
    typo = "used_for_mental_helth"
    form_with(page, "Add the rule").get_by_label("Question or derived value").evaluate(
        "(select, key) => select.add(new Option(key, key))", typo
    )
    try_rule(page, typo, "=", "yes")
    see(page, f"No question or derived value is called “{typo}”. Keys you can use:")
    assert not rules.exists()
    try_rule(page, "used_for_mental_health", "=", "yess")
    see(page, "No answer to “used_for_mental_health” can be yess. Possible values: ")
    assert not rules.exists()
    for key, condition, value in (
        ("used_for_mental_health", "=", "yes"),
        ("age", "≥", "18"),
        ("country", "is one of", "ES, MX, IN"),
    ):
        try_rule(page, key, condition, value)
        see(page, "The rule was added.")
    assert sorted(rules.values_list("key", "operator", "value")) == [
        ("age", "gte", 18),
        ("country", "in", ["ES", "MX", "IN"]),
        ("used_for_mental_health", "eq", "yes"),
    ]
    # A questionnaire made on the pages is a draft until published: participants never see a draft.
    submit(page.get_by_role("button", name="Publish"))
    see(page, "The questionnaire is published")
    assert Questionnaire.objects.get(study__slug=lead.slug, kind="screening").published_at is not None


def add_stratum(
    page: Any, name: str, values: tuple[str, ...], target: int, maximum: int, cell: tuple[str, str] | None = None
) -> None:
    form = form_with(page, "Add the stratum")
    form.get_by_label(label("Name")).fill(name)
    form.get_by_label(label("Dimension")).select_option("gender")
    submit(form.get_by_role("button", name="Show the values").first)
    for value in values:
        form.get_by_label(label(value)).check()
    if cell is not None:
        submit(form.get_by_role("button", name="Add a condition"))
        form.get_by_label("Condition 1: dimension").select_option(cell[0])
        submit(form.get_by_role("group", name="Intersectional cell (optional)").get_by_role("button", name="Show"))
        form.get_by_label("Condition 1: values").fill(cell[1])
    form.get_by_label(label("Target")).fill(str(target))
    form.get_by_label(label("Maximum")).fill(str(maximum))
    submit(form.get_by_role("button", name="Add the stratum"))
    see(page, "The stratum was saved.")


def set_the_quotas(lead: Lead) -> None:
    """Gender strata that add up to the target sample, and one intersectional cell: women in India."""
    lead.open("Quotas")
    add_stratum(lead.page, "Women", ("Woman",), 10, 13)
    add_stratum(lead.page, "Men and non-binary people", ("Man", "Non-binary"), 11, 14)
    add_stratum(lead.page, "Women in India", ("Woman",), 3, 5, ("country", "IN"))
    lead.shot("quotas", height=1350)
    strata = Stratum.objects.filter(study__slug=lead.slug).order_by("id")
    assert [(s.name, s.key, s.values, s.target, s.maximum, s.conditions) for s in strata] == [
        ("Women", "gender", ["woman"], 10, 13, []),
        ("Men and non-binary people", "gender", ["man", "non_binary"], 11, 14, []),
        ("Women in India", "gender", ["woman"], 3, 5, [{"key": "country", "values": ["IN"]}]),
    ]


def write_the_consent(lead: Lead) -> None:
    """Texts, two of the team's own items and a comprehension check in three languages. Publishing with one
    translation missing is refused, naming it; once written, version 1 is published in every language at once."""
    page = lead.page
    lead.open("Consent form")
    for language, name in (("en", "English (en)"), ("es", "Spanish (es)"), ("hi", "Hindi (hi)")):
        page.get_by_label(f"Title — {name}").fill(CONSENT_TITLES[language])
        page.get_by_label(f"Text in Markdown — {name}").fill(CONSENT_BODIES[language])
        page.get_by_label(f"Question 1 — {name}").fill(CHECK[language][0])
        page.get_by_label(f"Question 1: choices, one per line — {name}").fill(CHECK[language][1])
    expect(page.get_by_role("heading", name="What taking part means")).to_be_visible()  # the live preview
    page.get_by_label("Question 1: number of the right choice").fill("2")
    for number, (key, required, labels) in enumerate(ITEMS, start=1):
        if number > 1:  # the page offers one blank item; this asks for another, keeping what was typed
            submit(page.get_by_role("button", name="Add another item"))
        page.get_by_label(f"Item {number}: key").fill(key)
        page.get_by_label(f"Item {number}: required to take part").set_checked(required)
        for language, name in (("en", "English (en)"), ("es", "Spanish (es)"), ("hi", "Hindi (hi)")):
            if (key, language) != ("share_with_partners", "hi"):  # the translation forgotten at first
                page.get_by_label(f"Item {number}: label — {name}").fill(labels[language])
    page.get_by_label("Automatic transcription of the recording").check()  # a ready-made item, labels included
    submit(page.get_by_role("button", name="Save the draft"))
    see(page, "The draft of version 1 is saved.")
    lead.shot("consent-editor", of=page.get_by_role("region", name="Consent items"))
    submit(page.get_by_role("button", name="Publish version 1"))
    see(page, "Version 1 was not published: a text is missing in at least one language.")
    see(page, "Hindi (hi): the label of item “share_with_partners” is missing.")
    documents = ConsentDocument.objects.filter(study__slug=lead.slug)
    assert documents.count() == 3
    assert not documents.filter(published_at__isnull=False).exists()
    page.get_by_label("Item 2: label — Hindi (hi)").fill(ITEMS[1][2]["hi"])
    submit(page.get_by_role("button", name="Save the draft"))
    submit(page.get_by_role("button", name="Publish version 1"))
    see(page, "Version 1 is published.")
    for document in documents:
        assert (document.version, document.title) == (1, CONSENT_TITLES[document.language])
        assert document.published_at is not None
        asked = [(key, rule["required"], rule.get("label")) for key, rule in document.ordered_items()]
        assert asked == [
            *((key, required, labels[document.language]) for key, required, labels in ITEMS),
            ("automatic_transcription", False, TRANSCRIPTION[document.language]),
        ]
        assert document.comprehension_questions[0]["answer"] == 1
