"""What a person reads after sending the screening form, for each outcome (issue #23): only eligible people are told
they can take part and will get a link; people flagged for review (a possible duplicate, say a family behind one
router) get a neutral thank-you that promises nothing; waitlisted people are told so."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from studies.models import Participant, Study
from studies.tests.factories import StratumFactory, build_screening
from studies.tests.test_screening import fresh_token, submit

pytestmark = pytest.mark.django_db

YES = "You can take part in this study."
LINK_PROMISE = "We will email you a personal link"
FLAGGED = "The research team will look at your answers and will be in touch by email if there is a next step for you."
WAITLISTED = "you are on its waiting list. If a place opens, we will email you a personal link."
NOT_INCLUDED = "we are not able to include you this time"


def result_page(client: Client, response: Any) -> str:
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    return str(page.content.decode())


def test_an_eligible_person_is_told_they_can_take_part_and_will_get_a_link(study: Study) -> None:
    build_screening(study)
    client = Client()
    page = result_page(client, submit(client, study))
    assert Participant.objects.get().status == Participant.Status.ELIGIBLE
    assert 'class="result-eligible"' in page
    assert YES in page
    assert LINK_PROMISE in page
    assert FLAGGED not in page


def test_a_person_flagged_for_review_is_thanked_without_a_promise(study: Study) -> None:
    build_screening(study)
    client = Client()
    page = result_page(client, submit(client, study, q_attention="yes"))  # a failed attention check
    assert Participant.objects.get().status == Participant.Status.FLAGGED
    assert 'class="result-flagged"' in page
    assert FLAGGED in page
    assert YES not in page
    assert "email you" not in page
    assert NOT_INCLUDED not in page


def test_a_second_sign_up_from_the_same_address_reads_the_same_neutral_message(study: Study) -> None:
    build_screening(study)
    first, second = Client(), Client()
    result_page(first, submit(first, study))
    page = result_page(second, submit(second, study))  # the same e-mail address: a possible duplicate
    assert list(Participant.objects.order_by("id").values_list("status", flat=True)) == ["eligible", "flagged"]
    assert FLAGGED in page
    assert YES not in page


def test_a_person_in_a_full_stratum_is_told_they_are_on_the_waiting_list(study: Study) -> None:
    build_screening(study)
    StratumFactory(study=study, key="region", values=["europe"], target=0, maximum=0)
    client = Client()
    page = result_page(client, submit(client, study))  # lives in Spain: Europe
    assert Participant.objects.get().status == Participant.Status.WAITLISTED
    assert 'class="result-waitlisted"' in page
    assert WAITLISTED in page
    assert LINK_PROMISE not in page


def test_an_ineligible_person_reads_the_kind_refusal(study: Study) -> None:
    build_screening(study)
    client = Client()
    page = result_page(client, submit(client, study, q_used_chatbot="no"))
    assert Participant.objects.get().status == Participant.Status.INELIGIBLE
    assert NOT_INCLUDED in page
    assert YES not in page
    assert FLAGGED not in page


@pytest.mark.parametrize("language", ["es", "hi"])
def test_the_flagged_message_is_translated(study: Study, language: str) -> None:
    build_screening(study)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    token = fresh_token(client, study)
    page = result_page(client, submit(client, study, token=token, q_attention="yes"))
    with translation.override(language):
        expected = translation.gettext(
            "Thank you for your interest in this study. The research team will look at your answers and will be "
            "in touch by email if there is a next step for you."
        )
    assert not expected.startswith("Thank you")  # a translation, not the English text
    assert expected in page
