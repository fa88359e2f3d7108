"""The study's keep list: the team reads and changes it in the browser, bad input changes nothing, and the
redaction pass of the study's transcripts follows it."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from review.forms import KEEP_TERM_MAX_LENGTH
from review.redaction import Kind, Source
from review.redaction.keep import DEFAULT_KEEP_TERMS
from review.services import redaction, versions
from review.tests.factories import machine_transcript
from studies.models import Study

TEXTS = ["I talked to Claude every night after I moved to Lagos.", "I'm from Nigeria, so it felt far."]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(study: Study) -> str:
    return reverse("review:keep-terms", args=[study.slug])


def entity_finds(study: Study) -> set[tuple[str, Kind]]:
    latest = versions.latest_version(machine_transcript(study, TEXTS))
    assert latest is not None
    return {(p.text, p.kind) for p in redaction.proposals_for(latest) if p.source == Source.ENTITY}


def test_a_new_study_shows_the_platforms_keep_list_and_keeps_countries(study: Study, owner: User) -> None:
    response = client_for(owner).get(page(study))

    assert response.status_code == 200
    assert study.deid_keep_terms is None
    assert response.context["form"].initial["terms"].splitlines() == list(DEFAULT_KEEP_TERMS)
    assert 'name="keep_countries" checked' in response.content.decode()


def test_the_redaction_pass_keeps_chatbots_and_countries_by_default(study: Study) -> None:
    assert entity_finds(study) == {("Lagos", Kind.PLACE)}


def test_an_owner_changes_the_keep_list_and_the_redaction_pass_follows_it(study: Study, owner: User) -> None:
    terms = "\n".join(term for term in DEFAULT_KEEP_TERMS if term != "Claude") + "\n  Lagos \nLagos\n\n"

    response = client_for(owner).post(page(study), {"terms": terms})

    assert response.status_code == 302
    study.refresh_from_db()
    assert study.deid_keep_terms == [*(t for t in DEFAULT_KEEP_TERMS if t != "Claude"), "Lagos"]
    assert study.deid_keep_countries is False
    assert entity_finds(study) == {("Claude", Kind.NAME), ("Nigeria", Kind.PLACE)}
    entry = AuditEntry.objects.get(action="redaction.keep_list_changed")
    assert entry.detail == {"terms": len(DEFAULT_KEEP_TERMS), "keep_countries": False}


def test_a_line_too_long_is_refused_with_a_message_and_changes_nothing(study: Study, researcher: User) -> None:
    response = client_for(researcher).post(page(study), {"terms": "ChatGPT\n" + "x" * (KEEP_TERM_MAX_LENGTH + 1)})

    assert response.status_code == 400
    assert f"Line 2 is longer than {KEEP_TERM_MAX_LENGTH} characters." in response.content.decode()
    assert 'class="error-summary"' in response.content.decode()
    study.refresh_from_db()
    assert study.deid_keep_terms is None
    assert not AuditEntry.objects.filter(action="redaction.keep_list_changed").exists()


def test_a_coder_may_neither_read_nor_change_the_keep_list(study: Study, coder: User) -> None:
    client = client_for(coder)

    assert client.get(page(study)).status_code == 403
    assert client.post(page(study), {"terms": "Lagos"}).status_code == 403
    study.refresh_from_db()
    assert study.deid_keep_terms is None
