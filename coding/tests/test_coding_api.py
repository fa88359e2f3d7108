"""The coding API: role checks on every endpoint, blind codings, creating codings, excerpts and agreement."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from accounts.tokens import create_api_token
from coding.models import Code, Coding, CodingAssignment
from coding.services import CodeDraft, add_code, add_coding, assign_transcript, finish_assignment
from coding.services.adjudication import decide_unit, finish_adjudication, open_adjudication
from coding.tests.factories import transcript_version_with
from studies.models import Role, Study
from studies.tests.factories import MembershipFactory, StudyFactory
from transcription.models import TranscriptVersion

ROLES = ("owner", "researcher", "interviewer", "coder", "viewer", "outsider")


@pytest.fixture
def trust(study: Study, researcher: User) -> Code:
    return add_code(study=study, actor=researcher, draft=CodeDraft(name="Trust"))


@pytest.fixture
def second_coder(study: Study) -> User:
    return MembershipFactory(study=study, role=Role.CODER).user


@pytest.fixture
def version(study: Study, coder: User, second_coder: User) -> TranscriptVersion:
    version = transcript_version_with(study, ["I talked to it at night.", "It felt like a friend."])
    for person in (coder, second_coder):
        assign_transcript(transcript=version.transcript, version=version, coder=person)
    return version


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _base(study: Study) -> str:
    return f"/api/v1/studies/{study.slug}/"


@pytest.mark.parametrize("role", ROLES)
def test_every_coding_endpoint_answers_each_role_as_expected(
    request: pytest.FixtureRequest, study: Study, version: TranscriptVersion, trust: Code, role: str
) -> None:
    client = _client(request.getfixturevalue(role))
    base = _base(study)
    outsider = role == "outsider"
    expected = {
        f"{base}codes/": 404 if outsider else 200,
        f"{base}codes/{trust.guid}/": 404 if outsider else 200,
        f"{base}codings/": {"owner": 200, "researcher": 200, "coder": 200}.get(role, 404 if outsider else 403),
        f"{base}excerpts/": {"owner": 200, "researcher": 200}.get(role, 404 if outsider else 403),
        f"{base}agreement/": {"owner": 200, "researcher": 200}.get(role, 404 if outsider else 403),
    }
    for url, status in expected.items():
        response = client.get(url)
        assert response.status_code == status, url
        if status >= 400:
            assert response.json()["error"]["status"] == status
    body = {"transcript_version": version.id, "code": str(trust.guid), "start": 0, "end": 6}
    created = client.post(f"{base}codings/", body, content_type="application/json").status_code
    assert created == {"coder": 201, "owner": 400, "researcher": 400}.get(role, 404 if outsider else 403)


def test_unauthenticated_callers_get_401_or_403_and_no_data(study: Study, trust: Code) -> None:
    response = Client().get(f"{_base(study)}codes/")
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_a_coder_sees_only_their_own_codings_until_adjudication(
    study: Study, version: TranscriptVersion, coder: User, second_coder: User, researcher: User, trust: Code
) -> None:
    mine = add_coding(version=version, coder=coder, code=trust, start=0, end=6)
    theirs = add_coding(version=version, coder=second_coder, code=trust, start=25, end=32)
    url = f"{_base(study)}codings/"
    assert [c["id"] for c in _client(coder).get(url).json()["results"]] == [mine.id]
    assert _client(coder).get(f"{url}{theirs.id}/").status_code == 404
    assert {c["id"] for c in _client(researcher).get(url).json()["results"]} == {mine.id, theirs.id}
    for assignment in CodingAssignment.objects.filter(transcript_version=version):
        finish_assignment(assignment=assignment)
    adjudication = open_adjudication(version=version, adjudicator=researcher)
    for index, coder_accepted in ((0, coder), (1, second_coder)):
        decide_unit(
            adjudication=adjudication,
            segment=version.segments.get(index=index),
            code=trust,
            outcome="accept",
            accepted_coder=coder_accepted,
            adjudicator=researcher,
        )
    finish_adjudication(adjudication=adjudication, adjudicator=researcher)
    after = _client(coder).get(url).json()["results"]
    assert {c["id"] for c in after if not c["consensus"]} == {mine.id, theirs.id}
    consensus = _client(coder).get(url, {"consensus": "true"}).json()["results"]
    assert [c["text"] for c in consensus] == ["I talk", "It felt"]


def test_codings_filter_by_version_code_and_update_time(
    study: Study, version: TranscriptVersion, coder: User, researcher: User, trust: Code
) -> None:
    add_coding(version=version, coder=coder, code=trust, start=0, end=6)
    client, url = _client(researcher), f"{_base(study)}codings/"
    assert len(client.get(url, {"transcript_version": version.id}).json()["results"]) == 1
    assert client.get(url, {"transcript_version": version.id + 999}).json()["results"] == []
    assert client.get(url, {"updated_since": "2999-01-01T00:00:00Z"}).json()["results"] == []
    for bad in ({"updated_since": "yesterday"}, {"code": "nope"}, {"consensus": "maybe"}, {"transcript_version": "x"}):
        response = client.get(url, bad)
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == set(bad)


def test_a_coder_creates_codings_only_on_open_assignments_with_a_message_otherwise(
    study: Study, version: TranscriptVersion, coder: User, trust: Code
) -> None:
    client, url = _client(coder), f"{_base(study)}codings/"
    body = {"transcript_version": version.id, "code": str(trust.guid), "start": 7, "end": 13}
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["text"] == "d to i"
    assert client.post(url, body, content_type="application/json").status_code == 400  # the same span twice
    assert client.post(url, {**body, "end": 999}, content_type="application/json").status_code == 400
    finish_assignment(assignment=CodingAssignment.objects.get(coder=coder))
    assert client.post(url, {**body, "start": 0}, content_type="application/json").status_code == 400
    assert Coding.objects.count() == 1


def test_tokens_for_another_study_see_404_and_read_only_tokens_cannot_write(
    study: Study, version: TranscriptVersion, coder: User, trust: Code
) -> None:
    other = StudyFactory()
    MembershipFactory(study=other, user=coder, role=Role.CODER)
    wrong = create_api_token(user=coder, name="t", study_ids=[other.pk], read_only=False, expires_at=None)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {wrong.plaintext}")
    assert client.get(f"{_base(study)}codings/").status_code == 404
    read_only = create_api_token(user=coder, name="r", study_ids=[study.pk], read_only=True, expires_at=None)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {read_only.plaintext}")
    assert client.get(f"{_base(study)}codings/").status_code == 200
    body = {"transcript_version": version.id, "code": str(trust.guid), "start": 0, "end": 6}
    assert client.post(f"{_base(study)}codings/", body, content_type="application/json").status_code == 403
    assert not Coding.objects.exists()


def test_excerpts_and_agreement_for_researchers(
    study: Study, version: TranscriptVersion, coder: User, second_coder: User, researcher: User, trust: Code
) -> None:
    add_coding(version=version, coder=coder, code=trust, start=0, end=6)
    add_coding(version=version, coder=second_coder, code=trust, start=2, end=8)
    for assignment in CodingAssignment.objects.filter(transcript_version=version):
        finish_assignment(assignment=assignment)
    client = _client(researcher)
    excerpts = client.get(f"{_base(study)}excerpts/", {"set": "all", "code": str(trust.guid)}).json()["results"]
    assert [(e["text"], e["participant"], e["time_start"]) for e in excerpts] == [
        ("I talk", version.transcript.recording.interview.participant.code, 0.0),
        ("talked", version.transcript.recording.interview.participant.code, 0.0),
    ]
    assert client.get(f"{_base(study)}excerpts/").json()["results"] == []  # not adjudicated: no final codings
    figures = client.get(f"{_base(study)}agreement/").json()
    assert figures["study"]["overall"]["pairs"][0]["percent_agreement"]["value"] == 1.0
    assert figures["transcripts"][0]["transcript_version"] == version.id
    assert figures["study"]["codes"][0]["code"] == str(trust.guid)
    assert client.get(f"{_base(study)}agreement/", {"codebook_version": 99}).status_code == 404
