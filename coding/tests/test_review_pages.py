"""Owners' and researchers' coding pages: policy, agreement, adjudication forms, excerpts, code-by-stratum."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from coding.models import Adjudication, Code, Coding, CodingAssignment, CodingPolicy
from coding.services import CodeDraft, add_code, add_coding, assign_transcript, finish_assignment
from coding.tests.factories import screen, transcript_version_with
from studies.models import Role, Study
from studies.tests.factories import MembershipFactory
from transcription.models import TranscriptVersion
from transcription.tests.factories import MediaFileFactory


@pytest.fixture
def trust(study: Study, researcher: User) -> Code:
    return add_code(study=study, actor=researcher, draft=CodeDraft(name="Trust"))


@pytest.fixture
def second_coder(study: Study) -> User:
    return MembershipFactory(study=study, role=Role.CODER).user


@pytest.fixture
def version(study: Study, coder: User, second_coder: User, trust: Code) -> TranscriptVersion:
    version = transcript_version_with(study, ["I talked to it at night.", "It felt like a friend."])
    screen(version.transcript.recording.interview.participant, {"gender": "woman", "region": "asia"})
    for person, (start, end) in ((coder, (0, 6)), (second_coder, (25, 32))):
        assignment = assign_transcript(transcript=version.transcript, version=version, coder=person)
        add_coding(version=version, coder=person, code=trust, start=start, end=end)
        finish_assignment(assignment=assignment)
    return version


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, study: Study, **kwargs: int) -> str:
    return reverse(f"coding:{name}", kwargs={"slug": study.slug, **kwargs})


def test_a_researcher_sets_the_policy_and_bad_values_are_refused(
    study: Study, researcher: User, coder: User, outsider: User
) -> None:
    client = _client(researcher)
    response = client.post(_url("manage", study), {"double_share": 40, "coders_per_double": 3, "coders": [coder.id]})
    assert response.status_code == 302
    policy = CodingPolicy.objects.get(study=study)
    assert (policy.double_share, policy.coders_per_double, list(policy.coders.all())) == (40, 3, [coder])
    bad = client.post(_url("manage", study), {"double_share": 140, "coders_per_double": 1, "coders": [outsider.id]})
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"double_share", "coders_per_double", "coders"}
    assert CodingPolicy.objects.get(study=study).double_share == 40


def test_the_agreement_page_shows_study_and_transcript_figures(
    study: Study, version: TranscriptVersion, researcher: User
) -> None:
    page = _client(researcher).get(_url("agreement", study))
    assert page.status_code == 200
    assert page.context["report"]["segments"] == 2
    assert [item["version"] for item in page.context["transcripts"]] == [version]
    assert "Trust" in page.content.decode()
    by_version = _client(researcher).get(_url("agreement", study), {"codebook_version": "1"})
    assert by_version.context["chosen"].number == 1
    huge = _client(researcher).get(_url("agreement", study), {"codebook_version": "9" * 30})
    assert huge.status_code == 200
    assert huge.context["chosen"] is None


def test_the_adjudication_view_shows_both_sides_and_records_decisions(
    study: Study, version: TranscriptVersion, researcher: User, coder: User, trust: Code
) -> None:
    client = _client(researcher)
    for bad in ({"segment": "x", "code": trust.id}, {"segment": "9" * 30, "code": "¹"}):
        assert client.post(_url("decide", study, version_id=version.id), bad).status_code == 404
    page = client.get(_url("adjudication", study, version_id=version.id))
    rows = page.context["rows"]
    assert [[side["quotes"] for side in row["sides"]] for row in rows] == [[["I talk"], []], [[], ["It felt"]]]
    segments = list(version.segments.order_by("index"))
    prefix = f"u{segments[0].id}-{trust.id}"
    missing = client.post(
        _url("decide", study, version_id=version.id),
        {"segment": segments[0].id, "code": trust.id, f"{prefix}-outcome": "consensus", f"{prefix}-quote": ""},
    )
    assert missing.status_code == 302
    assert not Coding.objects.filter(consensus=True).exists()
    client.post(
        _url("decide", study, version_id=version.id),
        {"segment": segments[0].id, "code": trust.id, f"{prefix}-outcome": f"accept:{coder.id}"},
    )
    early = client.post(_url("adjudication-finish", study, version_id=version.id))
    assert early["Location"] == _url("adjudication", study, version_id=version.id)
    prefix = f"u{segments[1].id}-{trust.id}"
    client.post(
        _url("decide", study, version_id=version.id),
        {"segment": segments[1].id, "code": trust.id, f"{prefix}-outcome": "merge"},
    )
    client.post(_url("adjudication-finish", study, version_id=version.id))
    assert Adjudication.objects.get(transcript_version=version).status == "done"
    assert list(Coding.objects.filter(consensus=True).values_list("text", flat=True)) == ["I talk", "It felt"]


def test_excerpts_and_strata_pages_read_the_final_set_with_audio_for_listeners(
    study: Study, version: TranscriptVersion, researcher: User, trust: Code
) -> None:
    MediaFileFactory(recording=version.transcript.recording)
    client = _client(researcher)
    final = client.get(_url("excerpts", study), {"code": str(trust.guid)})
    assert final.context["excerpts"] == []  # double-coded, not adjudicated yet
    every = client.get(_url("excerpts", study), {"code": str(trust.guid), "set": "all"})
    found = every.context["excerpts"]
    assert [e.coding.text for e in found] == ["I talk", "It felt"]
    assert found[0].demographics == {"gender": "woman", "region": "asia"}
    assert "#t=5.00,9.00" in every.content.decode()
    assert client.get(_url("excerpts", study), {"code": "not-a-uuid"}).status_code == 200
    tables = client.get(_url("strata", study), {"set": "all"}).context["tables"]
    assert [(t.key, t.group_sizes) for t in tables] == [("region", {"asia": 1}), ("gender", {"woman": 1})]


def test_a_researcher_coding_their_own_assignment_can_play_the_audio(study: Study, researcher: User) -> None:
    version = transcript_version_with(study, ["Hello."])
    media = MediaFileFactory(recording=version.transcript.recording)
    assignment = assign_transcript(transcript=version.transcript, version=version, coder=researcher)
    data = _client(researcher).get(_url("workspace", study, assignment_id=assignment.id)).context["data"]
    assert data["playback"] == reverse("transcription:media", kwargs={"slug": study.slug, "file_id": media.id})
    assert CodingAssignment.objects.get(pk=assignment.pk).status == "assigned"
