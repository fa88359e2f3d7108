"""Text PostgreSQL cannot store (NUL, lone surrogates) is refused at the edge (config/edge.py) with a 400 that
saves nothing, in the shape each client reads; binary request bodies and uploaded files pass untouched."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.models import User
from coding.models import Code, Coding, CodingAssignment, Memo
from coding.services import CodeDraft, add_code, assign_transcript
from coding.tests.factories import transcript_version_with
from config.edge import REFUSAL
from studies.models import Consent, Participant, Role, Study
from studies.tests.factories import MembershipFactory, build_screening
from studies.tests.test_portal_and_consent import document, invited, portal_client, sign
from studies.tests.test_screening import submit
from transcription.models import Upload
from transcription.tests.jobkit import consented_interview, private_media

__all__ = ["private_media"]
pytestmark = pytest.mark.django_db

NUL = "Trust\x00 at night"
CLEAN = "Trust at night"
SAMPLES = Path(__file__).resolve().parent.parent / "coding" / "tests" / "samples"
Answer = Any  # the test client's response; django-stubs gives its type only a private name


@dataclass(frozen=True)
class World:
    study: Study
    researcher: User
    coder: User
    assignment: CodingAssignment
    trust: Code
    participant: Participant


@pytest.fixture
def world(study: Study, researcher: User) -> World:
    cache.clear()  # the screening form's per-IP limit is tested elsewhere
    build_screening(study)
    document(study)
    coder = MembershipFactory(study=study, role=Role.CODER).user
    trust = add_code(study=study, actor=researcher, draft=CodeDraft(name="Trust"))
    version = transcript_version_with(study, ["I talked to it at night.", "It felt like a friend."])
    assignment = assign_transcript(transcript=version.transcript, version=version, coder=coder)
    return World(study, researcher, coder, assignment, trust, invited(study))


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def screening(world: World, text: str) -> Answer:
    return submit(Client(), world.study, name=text)


def consent(world: World, text: str) -> Answer:
    return sign(portal_client(world.participant), signature_name=text)


def new_code(world: World, text: str) -> Answer:
    url = reverse("coding:code_add", kwargs={"slug": world.study.slug})
    return signed_in(world.researcher).post(url, {"name": text, "is_codable": "on"})


def memo(world: World, text: str) -> Answer:
    kwargs = {"slug": world.study.slug, "assignment_id": world.assignment.id}
    body = json.dumps({"text": text})
    return signed_in(world.coder).post(reverse("coding:memo-create", kwargs=kwargs), body, "application/json")


def api_coding(world: World, text: str) -> Answer:
    body = {
        "transcript_version": world.assignment.transcript_version_id,
        "code": str(world.trust.guid),
        "start": 0,
        "end": 6,
        "memo": text,
    }
    url = f"/api/v1/studies/{world.study.slug}/codings/"
    return signed_in(world.coder).post(url, body, content_type="application/json")


@dataclass(frozen=True)
class Endpoint:
    send: Callable[[World, str], Answer]
    saves: type[Model]
    answer: str  # "html", "json" (the site's {"error": message}) or "api" (the API's error body)


ENDPOINTS = {
    "participant screening form": Endpoint(screening, Participant, "html"),
    "participant consent form": Endpoint(consent, Consent, "html"),
    "researcher codebook form": Endpoint(new_code, Code, "html"),
    "coding memo (workspace JSON)": Endpoint(memo, Memo, "json"),
    "coding API (a coding's memo)": Endpoint(api_coding, Coding, "api"),
}


def refusal_text(response: Answer, answer: str) -> str:
    assert response.status_code == 400
    if answer == "html":
        assert response["Content-Type"].startswith("text/html")
        return response.content.decode()
    body = response.json()
    if answer == "api":
        assert body["error"]["status"] == 400
        assert body["error"]["code"] == "invalid_character"
        return str(body["error"]["message"])
    return str(body["error"])


@pytest.mark.parametrize("name", ENDPOINTS)
def test_nul_in_a_form_or_json_is_a_400_that_saves_nothing_where_clean_text_is_saved(world: World, name: str) -> None:
    endpoint = ENDPOINTS[name]
    before = endpoint.saves._default_manager.count()
    refused = endpoint.send(world, NUL)
    assert escape(str(REFUSAL)) in refusal_text(refused, endpoint.answer)
    assert endpoint.saves._default_manager.count() == before
    # The same request with storable text is saved, so "nothing saved" above is the edge's doing.
    accepted = endpoint.send(world, CLEAN)
    assert accepted.status_code < 400, accepted.content[:300]
    assert endpoint.saves._default_manager.count() == before + 1


@pytest.mark.parametrize(
    "body",
    [
        '{"text": "fine", "no\\u0000te": "a key"}',
        '{"text": "fine", "extra": [{"deep": [1, "x\\u0000"]}]}',
        '{"text": "a lone surrogate \\ud800"}',
        '{"text": "a lone low surrogate \\udc00 too"}',
    ],
    ids=["a key", "a nested value", "a lone high surrogate", "a lone low surrogate"],
)
def test_nul_in_keys_and_nested_values_and_lone_surrogates_are_refused_too(world: World, body: str) -> None:
    kwargs = {"slug": world.study.slug, "assignment_id": world.assignment.id}
    response = signed_in(world.coder).post(reverse("coding:memo-create", kwargs=kwargs), body, "application/json")
    assert refusal_text(response, "json") == str(REFUSAL)
    assert not Memo.objects.exists()


def test_an_emoji_written_as_a_surrogate_pair_is_ordinary_text(world: World) -> None:
    kwargs = {"slug": world.study.slug, "assignment_id": world.assignment.id}
    body = '{"text": "It helped \\ud83d\\ude42"}'
    response = signed_in(world.coder).post(reverse("coding:memo-create", kwargs=kwargs), body, "application/json")
    assert response.status_code == 201
    assert Memo.objects.get().text == "It helped 🙂"


def test_a_query_string_with_nul_gets_the_html_page_in_the_visitors_language(researcher: User) -> None:
    response = signed_in(researcher).get("/studies/?q=a%00b", HTTP_ACCEPT_LANGUAGE="es")
    page = refusal_text(response, "html")
    assert '<html lang="es"' in page
    with translation.override("es"):
        assert escape(str(REFUSAL)) in page


def test_an_api_query_string_with_nul_gets_the_api_error_body(researcher: User, study: Study) -> None:
    response = signed_in(researcher).get(f"/api/v1/studies/{study.slug}/codings/?updated_since=%00")
    assert refusal_text(response, "api") == str(REFUSAL)


def test_binary_upload_chunks_with_nul_bytes_pass_untouched(private_media: Path) -> None:
    interview = consented_interview()
    interviewer = MembershipFactory(study=interview.study, role=Role.INTERVIEWER).user
    client, slug = signed_in(interviewer), interview.study.slug
    chunk = b"\x00\x01RIFF\x00\x00" * 100
    start = reverse("transcription:upload-start", args=[slug, interview.pk])
    started = client.post(start, {"size": len(chunk)}, content_type="application/json")
    assert started.status_code == 201
    url = reverse("transcription:upload-chunk", args=[slug, interview.pk, started.json()["id"]])
    response = client.generic("PUT", f"{url}?offset=0", chunk, content_type="application/octet-stream")
    assert response.status_code == 200
    assert response.json()["offset"] == len(chunk)
    assert Upload.objects.get().size == len(chunk)


def test_an_uploaded_file_with_nul_bytes_passes_untouched(study: Study, researcher: User) -> None:
    # UTF-16 puts a NUL byte beside every ASCII character of the REFI-QDA sample codebook.
    xml = (SAMPLES / "refi_spec_example.qdc").read_text(encoding="utf-8")
    data = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert b"\x00" in data
    upload = SimpleUploadedFile("nvivo.qdc", data)
    response = signed_in(researcher).post(reverse("coding:import", kwargs={"slug": study.slug}), {"file": upload})
    assert response.status_code == 302
    assert Code.objects.filter(study=study).count() == 6
