"""The consent editor: a draft in every study language with the team's own items and comprehension questions,
published as a whole (refused while a translation is missing), read by every role, written by owners and
researchers only; what participants then sign."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import AuditEntry, User
from studies.admin import ConsentDocumentAdmin
from studies.forms.portal import ConsentForm
from studies.models import (
    Consent,
    ConsentDocument,
    ConsentItem,
    ContactDetails,
    OutboxMessage,
    Participant,
    Role,
    Study,
)
from studies.services.consent import current_document, item_label
from studies.services.consent_setup import (
    ConsentDraft,
    DraftItem,
    draft_documents,
    save_consent_draft,
    texts_participants_see,
)
from studies.services.portal import make_link_token
from studies.tests.factories import (
    ConsentDocumentFactory,
    ConsentFactory,
    MembershipFactory,
    ParticipantFactory,
    StudyFactory,
)

pytestmark = pytest.mark.django_db

TEXTS = {
    "en": ("Consent to take part", "We **record** the interview."),
    "es": ("Consentimiento para participar", "Grabamos la **entrevista**."),
    "hi": ("भाग लेने की सहमति", "हम साक्षात्कार **रिकॉर्ड** करते हैं।"),
}
SHARING = {
    "en": "Sharing the anonymised data with the national archive",
    "es": "Compartir los datos anonimizados con el archivo nacional",
    "hi": "अनाम डेटा को राष्ट्रीय संग्रह के साथ साझा करना",
}
QUESTION = {
    "en": "Can you stop at any time?",
    "es": "¿Puede parar en cualquier momento?",
    "hi": "क्या आप कभी भी रुक सकते हैं?",
}
CHOICES = {"en": "No\nYes", "es": "No\nSí", "hi": "नहीं\nहाँ"}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def editor_url(study: Study, name: str = "studies:consent_setup") -> str:
    return reverse(name, args=[study.slug])


def draft_form(**overrides: Any) -> dict[str, Any]:
    """The editor's fields for a whole draft: texts, a required custom item, audio recording with the team's own
    labels, one comprehension question in every language, and verbatim quotes added ready-made."""
    data: dict[str, Any] = {"items": "2", "questions": "1", "action": "save", "readymade": ["verbatim_quotes"]}
    for language, (title, body) in TEXTS.items():
        data[f"title-{language}"], data[f"body-{language}"] = title, body
        data[f"item-0-label-{language}"] = SHARING[language]
        data[f"item-1-label-{language}"] = f"Audio ({language})"
        data[f"question-0-text-{language}"] = QUESTION[language]
        data[f"question-0-choices-{language}"] = CHOICES[language]
    data.update({"item-0-key": "data_sharing", "item-0-required": "on", "item-1-key": "audio_recording"})
    data["question-0-answer"] = "2"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def portal(participant: Participant) -> Client:
    participant.refresh_from_db(fields=["link_version"])
    client = Client()
    response = client.post(reverse("participate:portal_enter"), {"t": make_link_token(participant=participant)})
    assert response.status_code == 302
    return client


def test_a_draft_in_three_languages_is_published_and_a_participant_signs_it_in_spanish(
    study: Study, researcher: User
) -> None:
    client = signed_in(researcher)
    assert client.post(editor_url(study), draft_form()).status_code == 302
    rows = draft_documents(study)
    assert sorted(rows) == ["en", "es", "hi"]
    assert {row.version for row in rows.values()} == {1}
    assert current_document(study=study, language="es") is None, "a draft is not shown to participants"
    spanish = rows["es"]
    assert spanish.items == {
        "data_sharing": {"required": True, "label": SHARING["es"], "position": 0},
        "audio_recording": {"required": False, "label": "Audio (es)", "position": 1},
        "verbatim_quotes": {"required": False, "label": "Citas textuales anonimizadas en publicaciones", "position": 2},
    }
    assert spanish.comprehension_questions == [{"question": QUESTION["es"], "choices": ["No", "Sí"], "answer": 1}]
    saved = AuditEntry.objects.get(action="consent.draft_saved")
    assert saved.detail == {"version": 1, "languages": ["en", "es", "hi"]}

    assert client.post(editor_url(study, "studies:consent_publish"), {"version": "1"}).status_code == 302
    assert ConsentDocument.objects.filter(study=study, published_at__isnull=True).count() == 0
    published = AuditEntry.objects.get(action="consent.published")
    assert published.detail == {"version": 1, "languages": ["en", "es", "hi"], "reconsent_requests": 0}
    assert published.actor == researcher

    participant = ParticipantFactory(study=study, status=Participant.Status.INVITED, language="es")
    ContactDetails.objects.create(participant=participant, email="ana@example.org")
    person = portal(participant)
    page = person.get(reverse("participate:portal_consent")).content.decode()
    assert SHARING["es"] in page
    assert "Citas textuales anonimizadas en publicaciones" in page
    assert SHARING["en"] not in page
    signature = {"item_audio_recording": "on", "check_0": "1", "signature_name": "Ana Pérez"}
    refused = person.post(reverse("participate:portal_consent"), signature)
    assert refused.status_code == 400, "the required custom item must be ticked"
    assert not Consent.objects.filter(participant=participant).exists()
    signed = person.post(reverse("participate:portal_consent"), {**signature, "item_data_sharing": "on"})
    assert signed.status_code == 302
    consent = Consent.objects.get(participant=participant)
    assert consent.document.language == "es"
    assert consent.choices == {"data_sharing": True, "audio_recording": True, "verbatim_quotes": False}


def test_publishing_is_refused_while_a_language_lacks_a_translation(study: Study, owner: User) -> None:
    client = signed_in(owner)
    without_hindi = draft_form(**{"title-hi": "", "item-0-label-hi": "", "question-0-choices-hi": "नहीं"})
    refused_draft = client.post(editor_url(study), without_hindi)
    assert refused_draft.status_code == 400, "one choice in Hindi but two in English is refused at once"
    assert "Give from 2 to 10 choices" in refused_draft.content.decode()
    assert client.post(editor_url(study), draft_form(**{"title-hi": "", "item-0-label-hi": ""})).status_code == 302

    response = client.post(editor_url(study, "studies:consent_publish"), {"version": "1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Version 1 was not published" in page
    assert "Title — Hindi (hi): Needed in every language before publishing." in page
    assert "Item 1: label — Hindi (hi): Needed in every language before publishing." in page
    assert 'href="#id_title-hi"' in page, "the error summary links to the empty field"
    assert "Title — Spanish (es): Needed" not in page
    assert ConsentDocument.objects.filter(published_at__isnull=False).count() == 0
    assert not AuditEntry.objects.filter(action="consent.published").exists()
    listed = client.get(editor_url(study)).content.decode()
    assert "Hindi (hi): the title is missing." in listed
    assert "Hindi (hi): the label of item “data_sharing” is missing." in listed


def test_a_new_version_asks_people_not_yet_interviewed_to_consent_again(
    study: Study, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    items = {"data_sharing": {"required": True}, "audio_recording": {"required": True}}
    old = {
        language: ConsentDocumentFactory(study=study, language=language, version=1, items=items) for language in TEXTS
    }
    waiting = ConsentFactory(participant=ParticipantFactory(study=study), document=old["en"])
    done = ConsentFactory(
        participant=ParticipantFactory(study=study, status=Participant.Status.INTERVIEWED), document=old["es"]
    )
    client = signed_in(owner)
    assert client.post(editor_url(study), draft_form()).status_code == 302
    assert current_document(study=study, language="en") == old["en"], "saving a draft changes nothing participants see"
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(editor_url(study, "studies:consent_publish"), {"version": "2"}, follow=True)
    assert "Version 2 is published. 1 participants were asked to consent again." in response.content.decode()
    waiting.refresh_from_db()
    done.refresh_from_db()
    assert waiting.superseded_at is not None
    assert done.superseded_at is None
    assert list(OutboxMessage.objects.values_list("kind", "participant_id")) == [
        (OutboxMessage.Kind.RECONSENT, waiting.participant_id)
    ]
    shown = current_document(study=study, language="hi")
    assert shown is not None
    assert shown.version == 2
    history = response.context["history"]
    assert [(row.version, row.signed, row.published_by) for row in history] == [
        (2, 0, owner.display_name),
        (1, 2, ""),
    ]


@pytest.mark.parametrize("role", ["interviewer", "coder", "viewer"])
def test_other_roles_read_the_published_form_without_any_form_and_every_post_is_refused(
    study: Study, role: str, request: pytest.FixtureRequest
) -> None:
    for language in TEXTS:
        items = {"data_sharing": {"required": True, "label": SHARING[language]}}
        ConsentDocumentFactory(study=study, language=language, version=1, title=TEXTS[language][0], items=items)
    client = signed_in(request.getfixturevalue(role))
    response = client.get(editor_url(study))
    assert response.status_code == 200
    page = response.content.decode()
    assert all(TEXTS[language][0] in page and SHARING[language] in page for language in TEXTS)
    assert "<textarea" not in page
    assert '<form method="post" action="/studies/' not in page
    assert "the study's owners and researchers change it" in page
    assert client.post(editor_url(study), draft_form()).status_code == 403
    assert client.post(editor_url(study, "studies:consent_publish"), {"version": "1"}).status_code == 403
    assert client.post(editor_url(study, "studies:consent_preview"), {"text": "Hi"}).status_code == 403
    assert not draft_documents(study)


def test_owners_and_researchers_get_the_editor_and_outsiders_nothing(
    study: Study, owner: User, researcher: User, outsider: User
) -> None:
    save_consent_draft(study=study, draft=draft_for_service())
    for user in (owner, researcher):
        page = signed_in(user).get(editor_url(study)).content.decode()
        assert f'action="{editor_url(study)}"' in page
        assert 'name="body-hi"' in page
        assert 'lang="hi"' in page
        assert f'action="{editor_url(study, "studies:consent_publish")}"' in page
        assert "Draft of version 1" in page
    assert signed_in(outsider).get(editor_url(study)).status_code == 404


def draft_for_service() -> ConsentDraft:
    return ConsentDraft(
        titles={language: title for language, (title, _body) in TEXTS.items()},
        bodies={language: body for language, (_title, body) in TEXTS.items()},
        items=[DraftItem(key="data_sharing", required=True, labels=SHARING)],
    )


def test_a_refused_draft_keeps_what_was_typed_and_saves_nothing(study: Study, researcher: User) -> None:
    response = signed_in(researcher).post(editor_url(study), draft_form(**{"item-0-key": "Data Sharing!"}))
    assert response.status_code == 400
    page = response.content.decode()
    assert "data-error-summary" in page
    assert 'href="#id_item-0-key"' in page
    assert 'value="Data Sharing!"' in page
    assert SHARING["es"] in page
    assert "Grabamos la **entrevista**." in page
    assert not ConsentDocument.objects.exists()
    assert not AuditEntry.objects.filter(action="consent.draft_saved").exists()
    duplicate = signed_in(researcher).post(editor_url(study), draft_form(**{"item-1-key": "data_sharing"}))
    assert "An item above already has this key." in duplicate.content.decode()
    assert not ConsentDocument.objects.exists()


def test_a_published_key_stays_and_the_next_draft_is_the_next_version(study: Study, owner: User) -> None:
    for language in TEXTS:
        ConsentDocumentFactory(study=study, language=language, version=1, items={"data_sharing": {"required": True}})
    client = signed_in(owner)
    assert 'name="item-0-key" value="data_sharing"' in client.get(editor_url(study)).content.decode()
    renamed = draft_form(**{"item-0-key": "sharing", "items": "1", "readymade": None})
    assert client.post(editor_url(study), renamed).status_code == 302
    rows = draft_documents(study)
    assert {row.version for row in rows.values()} == {2}
    assert list(rows["en"].items) == ["data_sharing"], "a published key is not renamed"
    assert client.post(editor_url(study), {**renamed, "item-0-remove": "on"}).status_code == 302
    assert ConsentDocument.objects.filter(version=2).count() == 3, "saving again rewrites the one draft"
    assert draft_documents(study)["es"].items == {}


def test_an_archived_study_refuses_changes(study: Study, owner: User) -> None:
    save_consent_draft(study=study, draft=draft_for_service())
    Study.objects.filter(pk=study.pk).update(status=Study.Status.ARCHIVED)
    client = signed_in(owner)
    page = client.get(editor_url(study)).content.decode()
    assert "archived" in page
    assert "<textarea" not in page
    saved = client.post(editor_url(study), draft_form(**{"title-en": "Changed"}), follow=True)
    assert "its consent form can no longer change" in saved.content.decode()
    assert client.post(editor_url(study, "studies:consent_publish"), {"version": "1"}).status_code == 302
    assert draft_documents(study)["en"].title == TEXTS["en"][0]
    assert not ConsentDocument.objects.filter(published_at__isnull=False).exists()


def test_the_preview_is_the_sanitised_html_with_and_without_script(study: Study, researcher: User) -> None:
    client = signed_in(researcher)
    text = "We **record**. <script>alert(1)</script> [site](https://example.org)"
    fragment = client.post(editor_url(study, "studies:consent_preview"), {"text": text})
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<strong>record</strong>" in html
    assert "<script" not in html
    assert 'rel="noopener noreferrer"' in html
    button = client.post(editor_url(study), draft_form(**{"body-es": text, "action": "preview"}))
    assert button.status_code == 200
    assert '<div class="consent-preview consent-text" id="preview-es"' in button.content.decode()
    assert "<strong>record</strong>" in button.content.decode()
    more = client.post(editor_url(study), draft_form(action="add_question"))
    assert 'name="question-1-text-en"' in more.content.decode()
    assert not ConsentDocument.objects.exists(), "previewing and adding a row save nothing"


def test_choices_must_match_in_number_and_the_right_answer_must_exist(study: Study, owner: User) -> None:
    client = signed_in(owner)
    uneven = client.post(editor_url(study), draft_form(**{"question-0-choices-es": "No\nSí\nQuizás"}))
    assert uneven.status_code == 400
    assert "Give as many choices as in English (en) (2)." in uneven.content.decode()
    beyond = client.post(editor_url(study), draft_form(**{"question-0-answer": "3"}))
    assert "Give the number of the right choice, from 1 to 2." in beyond.content.decode()
    assert not ConsentDocument.objects.exists()


def test_old_documents_without_labels_keep_the_platforms_labels_and_custom_keys_show_their_own() -> None:
    old = ConsentDocumentFactory.build(items={ConsentItem.AUDIO_RECORDING: {"required": True}, "own_key": {}})
    form = ConsentForm(document=old)
    assert form.fields["item_audio_recording"].label == "Audio recording of the interview (required)"
    assert form.fields["item_own_key"].label == "own_key"
    assert item_label("own_key", {"label": "Our own wording"}) == "Our own wording"
    assert item_label(ConsentItem.FUTURE_REUSE, {"label": " "}) == ConsentItem.FUTURE_REUSE.label


def test_the_page_shows_per_language_what_participants_read(study: Study) -> None:
    ConsentDocumentFactory(study=study, language="en", version=1, items={ConsentItem.AUDIO_RECORDING: {}})
    shown = {text.language: text for text in texts_participants_see(study)}
    assert shown["en"].items == [("audio_recording", "Audio recording of the interview", False)]
    fallback = shown["es"].document
    assert fallback is not None
    assert fallback.language == "en", "Spanish speakers read the first language's form"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_editor_previews_as_one_types_and_fits_a_phone(live_server: Any, browser: Any) -> None:
    study = StudyFactory()
    researcher = MembershipFactory(study=study, role=Role.RESEARCHER).user
    client = Client()
    client.force_login(researcher)
    context = browser.new_context(viewport={"width": 360, "height": 780})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(live_server.url + editor_url(study))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
    page.locator("#id_body-es").fill("Grabamos la **entrevista**.")
    page.wait_for_selector("#preview-es strong")
    assert page.locator("#preview-es strong").inner_text() == "entrevista"
    page.locator("#id_title-es").fill("Consentimiento")
    page.locator("#id_title-es").press("Enter")  # Enter saves the draft (not the first "add a row" button)
    page.wait_for_selector(".messages")
    assert draft_documents(study)["es"].title == "Consentimiento"
    assert not refused


def test_the_admin_action_publishes_the_whole_version_through_the_same_service(
    study: Study, owner: User, rf: RequestFactory
) -> None:
    save_consent_draft(study=study, draft=draft_for_service())
    request = rf.post("/admin/")
    request.user = owner
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    english = ConsentDocument.objects.filter(study=study, language="en")
    ConsentDocumentAdmin(ConsentDocument, admin.site).publish(request, english)
    assert ConsentDocument.objects.filter(study=study, published_at__isnull=False).count() == 3
    assert AuditEntry.objects.get(action="consent.published").detail["languages"] == ["en", "es", "hi"]


def test_items_keep_the_teams_order_through_postgresql_and_onto_the_participants_form() -> None:
    study = StudyFactory(languages=["en"])
    items = {"share_with_partners": {"required": False}, ConsentItem.AUDIO_RECORDING: {"required": True}}
    draft = ConsentDraft(
        titles={"en": "Consent"},
        bodies={"en": "Text"},
        items=[
            DraftItem(key=key, required=rule["required"], labels={"en": key.title()}) for key, rule in items.items()
        ],
    )
    save_consent_draft(study=study, draft=draft)
    document = ConsentDocument.objects.get(study=study)  # jsonb stores keys by length, then bytes
    expected = ["share_with_partners", ConsentItem.AUDIO_RECORDING]
    assert [key for key, _rule in document.ordered_items()] == expected
    form = ConsentForm(document=document)
    assert [name for name in form.fields if name.startswith("item_")] == [f"item_{key}" for key in expected]
