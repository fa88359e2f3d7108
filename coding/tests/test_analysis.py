"""Excerpts per code and the code-by-stratum table, read from the study's final codings."""

from __future__ import annotations

import pytest

from accounts.models import User
from coding.analysis import code_by_stratum, excerpts, final_codings
from coding.models import Code, CodingAssignment
from coding.services import CodeDraft, add_code, add_coding, assign_transcript, finish_assignment
from coding.services.adjudication import decide_unit, finish_adjudication, open_adjudication
from coding.tests.factories import screen, transcript_version_with
from studies.models import Participant, Role, Study
from studies.tests.factories import MembershipFactory
from transcription.models import TranscriptVersion
from transcription.tests.factories import MediaFileFactory


@pytest.fixture
def trust(study: Study, researcher: User) -> Code:
    return add_code(study=study, actor=researcher, draft=CodeDraft(name="Trust"))


def _coded(study: Study, coders: list[User], code: Code, attributes: dict[str, object]) -> TranscriptVersion:
    version = transcript_version_with(study, ["I talked to it at night.", "It felt like a friend."])
    screen(_participant(version), attributes)
    for coder in coders:
        assignment = assign_transcript(transcript=version.transcript, version=version, coder=coder)
        add_coding(version=version, coder=coder, code=code, start=0, end=8)
        finish_assignment(assignment=assignment)
    return version


def _participant(version: TranscriptVersion) -> Participant:
    return version.transcript.recording.interview.participant


def test_final_codings_are_single_coders_work_and_adjudicated_consensus_only(
    study: Study, coder: User, researcher: User, trust: Code
) -> None:
    other = MembershipFactory(study=study, role=Role.CODER).user
    single = _coded(study, [coder], trust, {})
    double = _coded(study, [coder, other], trust, {})
    add_coding(version=double, coder=other, code=trust, start=25, end=31)
    unfinished = transcript_version_with(study, ["Not finished yet."])
    assign_transcript(transcript=unfinished.transcript, version=unfinished, coder=coder)
    add_coding(version=unfinished, coder=coder, code=trust, start=0, end=3)
    assert {c.transcript_version for c in final_codings(study)} == {single}
    adjudication = open_adjudication(version=double, adjudicator=researcher)
    decide_unit(
        adjudication=adjudication,
        segment=double.segments.get(index=1),
        code=trust,
        outcome="accept",
        accepted_coder=coder,
        adjudicator=researcher,
    )
    finish_adjudication(adjudication=adjudication, adjudicator=researcher)
    finals = list(final_codings(study).order_by("id"))
    assert [(c.transcript_version, c.consensus, c.text) for c in finals] == [
        (single, False, "I talked"),
        (double, True, "I talked"),
    ]


def test_excerpts_carry_pseudonym_demographics_and_the_moment_in_the_audio(
    study: Study, coder: User, trust: Code
) -> None:
    version = _coded(study, [coder], trust, {"region": "africa", "gender": "woman", "age_band": "25-34"})
    add_coding(version=version, coder=coder, code=trust, start=25, end=32)
    MediaFileFactory(recording=version.transcript.recording)
    found = excerpts(study=study, code=trust, with_audio=True)
    assert [(e.participant, e.coding.text, e.time_start, e.time_end) for e in found] == [
        (_participant(version).code, "I talked", 0.0, 4.0),
        (_participant(version).code, "It felt", 5.0, 9.0),
    ]
    assert found[0].demographics == {"region": "africa", "gender": "woman", "age_band": "25-34"}
    assert found[1].audio_url.endswith("#t=5.00,9.00")
    assert all(e.audio_url == "" for e in excerpts(study=study, code=trust, with_audio=False))


def test_code_by_stratum_counts_participants_per_group_and_multiple_choices_in_each(
    study: Study, coder: User, researcher: User, trust: Code
) -> None:
    stigma = add_code(study=study, actor=researcher, draft=CodeDraft(name="Stigma"))
    _coded(study, [coder], trust, {"gender": "woman", "chatbots": ["chatgpt", "pi"]})
    _coded(study, [coder], trust, {"gender": "man", "chatbots": ["pi"]})
    third = _coded(study, [coder], stigma, {"gender": "woman", "chatbots": []})
    CodingAssignment.objects.filter(transcript_version=third).update(status="done")
    tables = {t.key: t for t in code_by_stratum(study=study)}
    assert set(tables) == {"gender", "chatbots"}
    gender = tables["gender"]
    assert gender.group_sizes == {"man": 1, "woman": 2}
    assert [(code.name, counts) for code, counts in gender.rows] == [
        ("Stigma", {"man": 0, "woman": 1}),
        ("Trust", {"man": 1, "woman": 1}),
    ]
    assert dict(tables["chatbots"].rows[1][1]) == {"chatgpt": 1, "pi": 2, "—": 0}
