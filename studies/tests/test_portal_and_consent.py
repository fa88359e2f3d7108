"""Magic links and e-consent: versioned text, per-item choices, comprehension check, hash, PDF copy."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from config.crypto import keyed_hash
from studies.models import Consent, ConsentDocument, ConsentItem, ContactDetails, Participant, Study
from studies.services.consent import consent_pdf, consent_text_sha256, publish_consent_version
from studies.services.emails import send_consent_copy, send_portal_link
from studies.services.portal import make_link_token, revoke_links
from studies.tests.factories import ConsentDocumentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db
AUDIO, ASR, QUOTES = ConsentItem.AUDIO_RECORDING, ConsentItem.AUTOMATIC_TRANSCRIPTION, ConsentItem.VERBATIM_QUOTES


def invited(study: Study, language: str = "en") -> Participant:
    participant = ParticipantFactory(study=study, status=Participant.Status.INVITED, language=language)
    ContactDetails.objects.create(participant=participant, email="sam@example.org")
    return participant


def portal_client(participant: Participant) -> Client:
    participant.refresh_from_db(fields=["link_version"])  # each entry spends a link: make a current one
    client = Client()
    response = client.post(reverse("participate:portal_enter"), {"t": make_link_token(participant=participant)})
    assert response.status_code == 302
    return client


def document(study: Study, **overrides: object) -> ConsentDocument:
    fields: dict[str, object] = {
        "study": study,
        "version": 1,
        "body_markdown": "# About\n\nWe record **audio**. <script>alert(1)</script>",
        "items": {AUDIO: {"required": True}, ASR: {"required": True}, QUOTES: {"required": False}},
        "comprehension_questions": [{"question": "Can you stop at any time?", "choices": ["No", "Yes"], "answer": 1}],
    }
    fields.update(overrides)
    return ConsentDocumentFactory(**fields)


def sign(client: Client, **overrides: str) -> object:
    data = {f"item_{AUDIO}": "on", f"item_{ASR}": "on", "check_0": "1", "signature_name": "Sam Rivera"}
    data.update(overrides)
    return client.post(reverse("participate:portal_consent"), {k: v for k, v in data.items() if v})


def enter(client: Client, token: str, method: str = "post") -> Any:
    url = reverse("participate:portal_enter")
    return client.post(url, {"t": token}) if method == "post" else client.get(url, {"t": token})


def test_a_magic_link_opens_the_portal_and_a_forged_or_revoked_one_does_not(study: Study) -> None:
    participant = invited(study)
    client = portal_client(participant)
    page = client.get(reverse("participate:portal"))
    assert participant.code in page.content.decode()
    assert enter(Client(), "forged").status_code == 400
    participant.refresh_from_db()
    old_token = make_link_token(participant=participant)
    revoke_links(participant=participant)
    assert enter(Client(), old_token).status_code == 400
    assert client.get(reverse("participate:portal")).status_code == 403


def test_a_link_shows_no_id_and_only_its_button_spends_it_once(study: Study) -> None:
    participant = invited(study)
    token = make_link_token(participant=participant)
    assert b'"p":' not in base64.urlsafe_b64decode(token)  # encrypted: neither the id nor anything else readable
    shown = enter(Client(), token, method="get")  # what a mail scanner fetching the link does
    assert shown.status_code == 200
    assert shown["Referrer-Policy"] == "strict-origin"
    assert f'value="{token}"' in shown.content.decode()

    first = Client()
    assert enter(first, token)["Location"] == reverse("participate:portal")
    assert first.get(reverse("participate:portal")).status_code == 200
    again = enter(Client(), token)
    assert again.status_code == 400
    assert reverse("participate:portal_new_link") in again.content.decode()
    assert first.get(reverse("participate:portal")).status_code == 200  # the session that spent it stays open


def test_a_questionnaire_link_opens_that_questionnaire(study: Study) -> None:
    participant = invited(study)
    response = enter(Client(), make_link_token(participant=participant, questionnaire_id=7))
    assert response["Location"] == reverse("participate:portal_questionnaire", args=[7])


def test_a_new_link_goes_only_to_someone_taking_part_and_the_answer_is_the_same(
    study: Study, django_capture_on_commit_callbacks: Any
) -> None:
    participant = invited(study)
    ContactDetails.objects.filter(participant=participant).update(email_hash=keyed_hash("sam@example.org"))
    screened = ParticipantFactory(study=study, status=Participant.Status.SCREENED)
    ContactDetails.objects.create(
        participant=screened, email="kim@example.org", email_hash=keyed_hash("kim@example.org")
    )
    url = reverse("participate:portal_new_link")
    answers, queued = [], []
    for address in ("Sam@Example.org", "kim@example.org", "nobody@example.org"):
        with django_capture_on_commit_callbacks() as callbacks:
            answers.append(Client().post(url, {"email": address}).content)
        queued.append(len(callbacks))
    assert answers[0] == answers[1] == answers[2]
    assert queued == [1, 0, 0]
    assert Client().post(url, {"email": "not an address"}).status_code == 400

    send_portal_link(participant.id)  # the queued task's work
    assert [message.to for message in mail.outbox] == [["sam@example.org"]]
    link = re.search(r"https?://\S+", str(mail.outbox[0].body))
    assert link is not None
    assert urlsplit(link.group()).path == reverse("participate:portal_enter")
    assert enter(Client(), parse_qs(urlsplit(link.group()).query)["t"][0]).status_code == 302


def test_signing_records_choices_name_ip_language_version_and_the_text_hash(study: Study) -> None:
    doc = document(study)
    participant = invited(study)
    client = portal_client(participant)
    page = client.get(reverse("participate:portal_consent")).content.decode()
    assert "<strong>audio</strong>" in page
    assert "<script>alert" not in page
    response = sign(client)
    assert response.status_code == 302  # type: ignore[attr-defined]
    consent = Consent.objects.get(participant=participant)
    assert consent.choices == {AUDIO: True, ASR: True, QUOTES: False}
    assert consent.signature_name == "Sam Rivera"
    assert consent.ip_address == "127.0.0.1"
    assert consent.language == "en"
    assert consent.document == doc
    assert consent.text_sha256 == consent_text_sha256(doc)
    participant.refresh_from_db()
    assert participant.status == Participant.Status.CONSENTED


def test_a_wrong_comprehension_answer_or_a_missing_required_item_signs_nothing(study: Study) -> None:
    document(study)
    client = portal_client(invited(study))
    wrong = sign(client, check_0="0")
    assert wrong.status_code == 400  # type: ignore[attr-defined]
    assert "not right yet" in wrong.content.decode()  # type: ignore[attr-defined]
    missing = sign(client, **{f"item_{ASR}": ""})
    assert missing.status_code == 400  # type: ignore[attr-defined]
    assert not Consent.objects.exists()


def test_mixed_script_text_is_split_into_runs_of_one_script() -> None:
    from studies.services.consent import _script_runs

    assert _script_runs("Signed by राम शर्मा on 2026") == [
        (False, "Signed by "),
        (True, "राम शर्मा "),
        (False, "on 2026"),
    ]


def test_the_consent_hash_changes_when_the_text_changes(study: Study) -> None:
    first = document(study, version=1)
    second = document(study, version=2, body_markdown=first.body_markdown + " Also video.")
    same = document(study, version=3, body_markdown=first.body_markdown)
    assert consent_text_sha256(first) != consent_text_sha256(second)
    assert consent_text_sha256(first) == consent_text_sha256(same)
    assert len(consent_text_sha256(first)) == 64


def test_the_pdf_copy_is_emailed_and_downloadable_in_spanish_and_hindi(study: Study) -> None:
    for language, body in (("es", "Participación voluntaria: grabación de audio."), ("hi", "स्वैच्छिक भागीदारी")):
        doc = document(study, language=language, body_markdown=body, comprehension_questions=[])
        participant = invited(study, language=language)
        client = portal_client(participant)
        sign(client, check_0="")
        consent = Consent.objects.get(participant=participant)
        pdf = consent_pdf(consent)
        assert pdf.startswith(b"%PDF")
        # Hindi runs are set in Noto Sans Devanagari, everything else in DejaVu Sans.
        assert b"NotoSansDevanagari" in pdf or language != "hi"
        assert b"DejaVuSans" in pdf
        assert doc.title
        download = client.get(reverse("participate:portal_consent_pdf"))
        assert download["Content-Type"] == "application/pdf"
        send_consent_copy(consent.id)
        assert mail.outbox[-1].attachments[0][2] == "application/pdf"
        assert mail.outbox[-1].to == ["sam@example.org"]


def test_a_new_version_asks_people_not_yet_interviewed_to_re_consent(
    study: Study, django_capture_on_commit_callbacks: object
) -> None:
    old = document(study, version=1)
    waiting = invited(study)
    sign(portal_client(waiting))
    done = ParticipantFactory(study=study, status=Participant.Status.INTERVIEWED)
    Consent.objects.create(
        participant=done, document=old, choices={}, signature_name="X", signed_at=old.created_at, language="en"
    )
    new = document(study, version=2, published_at=None, body_markdown="Changed.")
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        assert publish_consent_version(document=new) == 1
    assert len(callbacks) == 1
    assert Consent.objects.get(participant=waiting).superseded_at is not None
    assert Consent.objects.get(participant=done).superseded_at is None
    page = portal_client(waiting).get(reverse("participate:portal")).content.decode()
    assert reverse("participate:portal_consent") in page


def test_a_later_stage_questionnaire_is_asked_once_in_the_portal_and_its_risk_items_alert(
    study: Study, django_capture_on_commit_callbacks: object
) -> None:
    from studies.models import SafetyEvent, ScreeningResponse
    from studies.tests.factories import YES_NO, QuestionFactory, QuestionnaireFactory

    wellbeing = QuestionnaireFactory(study=study, kind="wellbeing", available_from="consented")
    QuestionFactory(questionnaire=wellbeing, key="mood", kind="likert", min_value=1, max_value=5)
    QuestionFactory(
        questionnaire=wellbeing, key="harm", kind="single", choices=YES_NO, is_risk_item=True, risk_values=["yes"]
    )
    feedback = QuestionnaireFactory(study=study, kind="feedback", available_from="interviewed")
    participant = invited(study)
    client = portal_client(participant)
    url = reverse("participate:portal_questionnaire", args=[wellbeing.pk])
    assert url not in client.get(reverse("participate:portal")).content.decode()  # not consented yet
    Participant.objects.filter(pk=participant.pk).update(status=Participant.Status.CONSENTED)
    home = client.get(reverse("participate:portal")).content.decode()
    assert url in home
    assert reverse("participate:portal_questionnaire", args=[feedback.pk]) not in home
    assert client.post(url, {"q_mood": "9"}).status_code == 400
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        assert client.post(url, {"q_mood": "2", "q_harm": "yes"}).status_code == 302
    assert len(callbacks) == 1
    assert SafetyEvent.objects.get().question_key == "harm"
    assert client.post(url, {"q_mood": "4", "q_harm": "no"}).status_code == 302  # no longer due: ignored
    saved = ScreeningResponse.objects.get(participant=participant, questionnaire=wellbeing)
    assert saved.answers == {"mood": "2", "harm": "yes"}
