"""Magic links and e-consent: versioned text, per-item choices, comprehension check, hash, PDF copy."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from studies.models import Consent, ConsentDocument, ConsentItem, ContactDetails, Participant, Study
from studies.services.consent import consent_pdf, consent_text_sha256, publish_consent_version
from studies.services.portal import make_link_token, revoke_links
from studies.tasks import send_consent_copy
from studies.tests.factories import ConsentDocumentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db
AUDIO, ASR, QUOTES = ConsentItem.AUDIO_RECORDING, ConsentItem.AUTOMATIC_TRANSCRIPTION, ConsentItem.VERBATIM_QUOTES


def invited(study: Study, language: str = "en") -> Participant:
    participant = ParticipantFactory(study=study, status=Participant.Status.INVITED, language=language)
    ContactDetails.objects.create(participant=participant, email="sam@example.org")
    return participant


def portal_client(participant: Participant) -> Client:
    client = Client()
    token = make_link_token(participant=participant)
    response = client.get(reverse("participate:portal_enter", args=[token]))
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


def test_a_magic_link_opens_the_portal_and_a_forged_or_revoked_one_does_not(study: Study) -> None:
    participant = invited(study)
    client = portal_client(participant)
    page = client.get(reverse("participate:portal"))
    assert participant.code in page.content.decode()
    assert Client().get(reverse("participate:portal_enter", args=["forged"])).status_code == 400
    old_token = make_link_token(participant=participant)
    revoke_links(participant=participant)
    assert Client().get(reverse("participate:portal_enter", args=[old_token])).status_code == 400
    assert client.get(reverse("participate:portal")).status_code == 403


def test_a_link_for_one_purpose_does_not_open_another(study: Study) -> None:
    participant = invited(study)
    other = make_link_token(participant=participant, purpose="unsubscribe")
    assert Client().get(reverse("participate:portal_enter", args=[other])).status_code == 400


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
