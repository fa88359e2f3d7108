"""Hostile and malformed input at the public screening form: never a server error, never half-saved.

Hypothesis throws unicode edge cases (NUL, surrogates' neighbours, right-to-left marks, combining marks),
script injection, path-traversal names, huge numbers and very long strings at every field.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studies.models import ContactDetails, Participant, ScreeningResponse, Study
from studies.tests.factories import StudyFactory, build_screening
from tests.hypothesis_profiles import examples

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "../../../../etc/passwd",
            "..\\..\\windows\\system32",
            "\x00",
            "a\x00b",
            "\u202eevil\u202c",
            "e\u0301\u0301\u0301",
            "9" * 400,
            "-1",
            "1e309",
            "NaN",
            "' OR 1=1 --",
            "{{ 7*7 }}",
            "%s%s%s%n",
            "🙂" * 100,
            "ा" * 50,
            " " * 10,
        ]
    ),
)
FIELDS = ("q_age", "q_country", "q_used_chatbot", "q_crisis", "q_attention", "name", "email", "phone", "website")


@pytest.fixture
def hostile_study(db: None) -> Study:
    # Function-scoped: built once per test function, shared by all of that test's Hypothesis examples.
    study = StudyFactory(slug="hostile-input")
    build_screening(study)
    return study


def token_for(client: Client, study: Study) -> str:
    page = client.get(reverse("participate:screening", args=[study.slug]))
    match = re.search(r'name="token" value="([^"]+)"', page.content.decode())
    assert match
    return match.group(1)


def assert_whole_or_nothing(study: Study) -> None:
    for participant in Participant.objects.filter(study=study):
        assert ScreeningResponse.objects.filter(participant=participant).exists()
        assert ContactDetails.objects.filter(participant=participant).exists()


@pytest.mark.slow
@pytest.mark.django_db
@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, HOSTILE)))
def test_hostile_screening_answers_never_cause_a_server_error(hostile_study: Study, values: dict[str, str]) -> None:
    cache.clear()  # the per-IP rate limit is tested elsewhere; here every example must reach the form
    client = Client()
    data = {"token": token_for(client, hostile_study), **values}
    response = client.post(reverse("participate:screening", args=[hostile_study.slug]), data)
    assert response.status_code in (200, 302, 400, 403, 429), response.status_code
    assert_whole_or_nothing(hostile_study)
    if response.status_code in (200, 400):
        assert b"<script>alert(1)</script>" not in response.content


@pytest.mark.django_db
def test_a_forged_or_missing_form_token_changes_nothing(hostile_study: Study) -> None:
    url = reverse("participate:screening", args=[hostile_study.slug])
    for token in (None, "", "forged:token", "x" * 5000):
        data = {"q_age": "30", "q_country": "ES", "q_used_chatbot": "yes", "email": "a@example.org"}
        if token is not None:
            data["token"] = token
        response = Client().post(url, data)
        assert response.status_code < 500
    assert not Participant.objects.filter(study=hostile_study).exists()


@pytest.mark.django_db
def test_a_truncated_multipart_body_is_refused_cleanly(hostile_study: Study) -> None:
    url = reverse("participate:screening", args=[hostile_study.slug])
    boundary = "----hostile"
    body = f'--{boundary}\r\nContent-Disposition: form-data; name="q_age"\r\n\r\n3'.encode()
    response = Client().generic(
        "POST", url, body, content_type=f"multipart/form-data; boundary={boundary}", HTTP_CONTENT_LENGTH="4096"
    )
    assert response.status_code < 500
    assert not Participant.objects.filter(study=hostile_study).exists()
