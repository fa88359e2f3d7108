"""Public screening: validation, eligibility, one participant per form, closed studies."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from studies.models import ContactDetails, Participant, ScreeningResponse, Study
from studies.public_views import RESULT_SALT
from studies.tests.factories import build_screening

pytestmark = pytest.mark.django_db


def fresh_token(client: Client, study: Study, **headers: Any) -> str:
    page = client.get(reverse("participate:screening", args=[study.slug]), **headers)
    assert page.status_code == 200
    match = re.search(r'name="token" value="([^"]+)"', page.content.decode())
    assert match
    return match.group(1)


def answers(**overrides: Any) -> dict[str, Any]:
    data = {
        "q_age": "29",
        "q_country": "ES",
        "q_used_chatbot": "yes",
        "q_crisis": "no",
        "q_attention": "no",
        "name": "Ana",
        "email": "ana@example.org",
        "phone": "",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submit(client: Client, study: Study, token: str | None = None, **overrides: Any) -> Any:
    data = answers(**overrides)
    data["token"] = token or fresh_token(client, study)
    return client.post(reverse("participate:screening", args=[study.slug]), data)


def test_an_eligible_person_becomes_an_eligible_participant_with_encrypted_contact(study: Study) -> None:
    build_screening(study)
    response = submit(Client(), study)
    assert response.status_code == 302
    participant = Participant.objects.get(study=study)
    assert participant.status == Participant.Status.ELIGIBLE
    assert re.fullmatch(r"P-[2-9A-Z]{4}", participant.code)
    assert participant.contact.email == "ana@example.org"
    assert participant.contact.email_hash
    assert "ana" not in participant.contact.email_hash
    stored = ScreeningResponse.objects.get(participant=participant)
    assert stored.answers["country"] == "ES"
    assert stored.attributes["region"] == "europe"
    assert "email" not in stored.answers
    result = Client().get(response["Location"])
    assert "You can take part" in result.content.decode()


def test_an_ineligible_person_sees_a_kind_message_that_does_not_reveal_the_rule(study: Study) -> None:
    build_screening(study)
    response = submit(Client(), study, q_used_chatbot="no")
    participant = Participant.objects.get(study=study)
    assert participant.status == Participant.Status.INELIGIBLE
    assert participant.responses.get().eligibility_reasons == ["used a chatbot for support"]
    page = Client().get(response["Location"]).content.decode()
    assert "not able to include you" in page
    assert "chatbot" not in page


def test_missing_and_invalid_answers_get_clear_messages_and_save_nothing(study: Study) -> None:
    build_screening(study)
    response = submit(Client(), study, q_age="abc", q_used_chatbot=None, email="not-an-email")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a whole number." in page
    assert "This question needs an answer." in page
    assert "Enter a valid email address." in page
    assert not Participant.objects.exists()
    assert not ContactDetails.objects.exists()


def test_the_messages_are_in_the_participants_language(study: Study) -> None:
    build_screening(study)
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    token = fresh_token(client, study)
    response = submit(client, study, token=token, q_used_chatbot=None)
    assert response.status_code == 400
    page = response.content.decode()
    assert "¿Cuántos años tiene?" in page
    assert "Esta pregunta necesita una respuesta." in page


def test_submitting_the_same_form_twice_creates_one_participant(study: Study) -> None:
    build_screening(study)
    client = Client()
    token = fresh_token(client, study)
    first = submit(client, study, token=token)
    second = submit(client, study, token=token)
    # Both lead to the same result: the signed token carries the time of signing, so compare what it names.
    assert result_of(first) == result_of(second) == ScreeningResponse.objects.get(study=study).pk
    assert Participant.objects.filter(study=study).count() == 1


def result_of(response: Any) -> int:
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    return int(signing.loads(token, salt=RESULT_SALT))


def test_a_forged_or_foreign_token_is_refused_without_saving(study: Study) -> None:
    build_screening(study)
    response = submit(Client(), study, token="forged")
    assert response.status_code == 400
    assert "This form has expired" in response.content.decode()
    assert not Participant.objects.exists()


def test_a_study_that_is_not_recruiting_shows_a_polite_closed_page(study: Study) -> None:
    build_screening(study)
    Study.objects.filter(pk=study.pk).update(status=Study.Status.PAUSED)
    page = Client().get(reverse("participate:screening", args=[study.slug]))
    assert page.status_code == 200
    assert "not taking new participants" in page.content.decode()
    assert 'name="token"' not in page.content.decode()


def test_skip_logic_drops_hidden_answers_and_their_required_check(study: Study) -> None:
    from studies.tests.factories import YES_NO, QuestionFactory

    questionnaire = build_screening(study)
    QuestionFactory(
        questionnaire=questionnaire,
        key="which",
        kind="short_text",
        conditions=[{"key": "used_chatbot", "op": "eq", "value": "yes"}],
    )
    hidden = submit(Client(), study, q_used_chatbot="no", q_which="ChatBot X")
    assert hidden.status_code == 302
    assert "which" not in Participant.objects.get().responses.get().answers
    missing = submit(Client(), study, email="b@example.org")
    assert missing.status_code == 400
    assert YES_NO  # the shared choices stay importable for other tests


def test_a_right_to_left_study_language_lays_the_page_out_right_to_left(study: Study) -> None:
    build_screening(study)
    Study.objects.filter(pk=study.pk).update(languages=["ar"])
    page = Client(HTTP_ACCEPT_LANGUAGE="ar").get(reverse("participate:screening", args=[study.slug])).content.decode()
    assert '<html lang="ar" dir="rtl">' in page


def test_hindi_pages_use_the_hindi_catalog(study: Study) -> None:
    build_screening(study)
    page = Client(HTTP_ACCEPT_LANGUAGE="hi").get(reverse("participate:screening", args=[study.slug])).content.decode()
    assert "मेरे उत्तर भेजें" in page
