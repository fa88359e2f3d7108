"""The coder's pages and autosave endpoints: what each role gets, blindness, autosave, bad input."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from coding.models import Code, Coding, CodingAssignment, Memo
from coding.services import CodeDraft, add_code, add_coding, assign_transcript
from coding.tests.factories import transcript_version_with
from studies.models import Role, Study
from studies.tests.factories import MembershipFactory
from transcription.models import TranscriptVersion

HINDI = "मैंने रात को चैटबॉट से बात की"
EMOJI = "It helped 🙂 a lot."


@pytest.fixture
def version(study: Study) -> TranscriptVersion:
    return transcript_version_with(study, [EMOJI, HINDI, "كنت أثق به أكثر من الناس"])


@pytest.fixture
def trust(study: Study, researcher: User) -> Code:
    return add_code(study=study, actor=researcher, draft=CodeDraft(name="Trust", colour="#AA3300"))


@pytest.fixture
def assignment(version: TranscriptVersion, coder: User) -> CodingAssignment:
    return assign_transcript(transcript=version.transcript, version=version, coder=coder)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, study: Study, **kwargs: int) -> str:
    return reverse(f"coding:{name}", kwargs={"slug": study.slug, **kwargs})


def _post_json(client: Client, url: str, body: object) -> tuple[int, dict]:
    response = client.post(url, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.json() if response.headers["Content-Type"].startswith(
        "application/json"
    ) else {}


ROLES = ("owner", "researcher", "interviewer", "coder", "viewer", "outsider")


@pytest.mark.parametrize(
    ("role", "queue", "manager_pages"),
    [
        ("owner", 200, 200),
        ("researcher", 200, 200),
        ("coder", 200, 403),
        ("interviewer", 403, 403),
        ("viewer", 403, 403),
        ("outsider", 404, 404),
    ],
)
def test_each_role_gets_the_expected_answer_from_every_page(
    request: pytest.FixtureRequest, study: Study, version: TranscriptVersion, role: str, queue: int, manager_pages: int
) -> None:
    client = _client(request.getfixturevalue(role))
    assert client.get(_url("queue", study)).status_code == queue
    for name in ("manage", "agreement", "excerpts", "strata"):
        assert client.get(_url(name, study)).status_code == manager_pages, name
    assert client.get(_url("adjudication", study, version_id=version.id)).status_code == manager_pages


@pytest.mark.parametrize("role", [r for r in ROLES if r != "coder"])
def test_only_the_assigned_coder_opens_or_writes_to_an_assignment(
    request: pytest.FixtureRequest, study: Study, assignment: CodingAssignment, trust: Code, role: str
) -> None:
    client = _client(request.getfixturevalue(role))
    expected = {"interviewer": 403, "viewer": 403}.get(role, 404)
    assert client.get(_url("workspace", study, assignment_id=assignment.id)).status_code == expected
    status, _ = _post_json(
        client, _url("coding-create", study, assignment_id=assignment.id), {"codes": [trust.id], "start": 0, "end": 2}
    )
    assert status == expected
    assert client.post(_url("finish", study, assignment_id=assignment.id)).status_code == expected
    assert not Coding.objects.exists()


def test_the_workspace_carries_only_the_coders_own_codings(
    study: Study, version: TranscriptVersion, assignment: CodingAssignment, coder: User, trust: Code
) -> None:
    other = MembershipFactory(study=study, role=Role.CODER).user
    assign_transcript(transcript=version.transcript, version=version, coder=other)
    add_coding(version=version, coder=other, code=trust, start=0, end=9)
    mine = add_coding(version=version, coder=coder, code=trust, start=10, end=11)
    page = _client(coder).get(_url("workspace", study, assignment_id=assignment.id))
    data = page.context["data"]
    assert [c["id"] for c in data["codings"]] == [mine.id]
    assert data["codings"][0]["text"] == "🙂"
    assert data["playback"] == ""  # coders never hear voices
    assert [s["offset"] for s in data["segments"]] == [0, len(EMOJI) + 1, len(EMOJI) + len(HINDI) + 2]
    # The other coder cannot open this coder's assignment nor touch their coding.
    theirs = _client(other)
    assert theirs.get(_url("workspace", study, assignment_id=assignment.id)).status_code == 404
    edit = _url("coding-edit", study, assignment_id=assignment.id, coding_id=mine.id)
    assert _post_json(theirs, edit, {"memo": "x"})[0] == 404
    assert Coding.objects.get(pk=mine.pk).memo == ""


def test_autosave_creates_edits_and_removes_codings_in_code_points(
    study: Study, version: TranscriptVersion, assignment: CodingAssignment, coder: User, researcher: User, trust: Code
) -> None:
    stigma = add_code(study=study, actor=researcher, draft=CodeDraft(name="Stigma"))
    client = _client(coder)
    night = version.text().index("रात")
    status, body = _post_json(
        client,
        _url("coding-create", study, assignment_id=assignment.id),
        {"codes": [trust.id, stigma.id], "start": night, "end": night + 3, "memo": "night use"},
    )
    assert status == 201
    assert [c["text"] for c in body["codings"]] == ["रात", "रात"]
    coding_id = body["codings"][0]["id"]
    status, body = _post_json(
        client, _url("coding-edit", study, assignment_id=assignment.id, coding_id=coding_id), {"start": 10, "end": 11}
    )
    assert (status, body["coding"]["text"], body["coding"]["memo"]) == (200, "🙂", "night use")
    assert (
        client.post(_url("coding-delete", study, assignment_id=assignment.id, coding_id=coding_id)).status_code == 200
    )
    assert list(Coding.objects.values_list("text", flat=True)) == ["रात"]
    assert CodingAssignment.objects.get(pk=assignment.pk).status == "in_progress"


@pytest.mark.parametrize(
    "body",
    [
        {"codes": [], "start": 0, "end": 2},
        {"codes": [0], "start": 0, "end": 2},
        {"codes": "x"},
        [1, 2],
        {"codes": [1], "start": "0", "end": 2},
        {"codes": [1], "start": 5, "end": 10_000},
    ],
)
def test_bad_autosave_input_gets_a_message_and_saves_nothing(
    study: Study, assignment: CodingAssignment, coder: User, trust: Code, body: object
) -> None:
    if isinstance(body, dict) and body.get("codes") == [1]:
        body["codes"] = [trust.id]
    status, answer = _post_json(_client(coder), _url("coding-create", study, assignment_id=assignment.id), body)
    assert status == 400
    assert answer["error"]
    assert not Coding.objects.exists()


def test_memos_on_the_transcript_on_a_code_and_free_standing(
    study: Study, assignment: CodingAssignment, coder: User, trust: Code
) -> None:
    client = _client(coder)
    url = _url("memo-create", study, assignment_id=assignment.id)
    for body in (
        {"about": "transcript", "text": "Long pauses"},
        {"about": "code", "code": trust.id, "text": "Broad"},
        {"about": "free", "text": "Idea"},
    ):
        assert _post_json(client, url, body)[0] == 201
    assert _post_json(client, url, {"about": "free", "text": "  "})[0] == 400
    memos = {m.text: (m.transcript_id, m.code_id) for m in Memo.objects.all()}
    assert memos == {"Long pauses": (assignment.transcript_id, None), "Broad": (None, trust.id), "Idea": (None, None)}


def test_finishing_locks_the_codings_and_open_next_follows_the_queue(
    study: Study, assignment: CodingAssignment, coder: User, trust: Code
) -> None:
    client = _client(coder)
    assert client.get(_url("next", study))["Location"] == _url("workspace", study, assignment_id=assignment.id)
    response = client.post(_url("finish", study, assignment_id=assignment.id))
    assert response.status_code == 302
    assert CodingAssignment.objects.get(pk=assignment.pk).status == "done"
    status, _ = _post_json(
        client, _url("coding-create", study, assignment_id=assignment.id), {"codes": [trust.id], "start": 0, "end": 2}
    )
    assert status == 400
    assert client.get(_url("next", study))["Location"] == _url("queue", study)
