"""Adjudication outcomes, the consensus set, and blind views of codings."""

from __future__ import annotations

import pytest

from accounts.models import User
from coding.models import Adjudication, Code, Coding, CodingAssignment
from coding.selectors import own_codings, transcript_agreement, units, visible_codings
from coding.services import CodeDraft, add_code, add_coding, assign_transcript, finish_assignment
from coding.services.adjudication import decide_unit, finish_adjudication, merged, open_adjudication
from coding.services.codings import CodingError
from coding.tests.factories import transcript_version_with
from studies.models import Role, Study
from studies.tests.factories import MembershipFactory
from transcription.models import Segment, TranscriptVersion

TEXTS = ["I talked to it at night.", "मैंने रात को चैटबॉट से बात की", "It felt like a friend."]


@pytest.fixture
def second_coder(study: Study) -> User:
    return MembershipFactory(study=study, role=Role.CODER).user


@pytest.fixture
def version(study: Study, coder: User, second_coder: User) -> TranscriptVersion:
    version = transcript_version_with(study, TEXTS)
    for person in (coder, second_coder):
        assign_transcript(transcript=version.transcript, version=version, coder=person)
    return version


@pytest.fixture
def trust(study: Study, researcher: User) -> Code:
    return add_code(study=study, actor=researcher, draft=CodeDraft(name="Trust"))


def _at(version: TranscriptVersion, words: str) -> tuple[int, int]:
    start = version.text().index(words)
    return start, start + len(words)


def _code(version: TranscriptVersion, coder: User, code: Code, words: str) -> Coding:
    start, end = _at(version, words)
    return add_coding(version=version, coder=coder, code=code, start=start, end=end)


def _finish_both(version: TranscriptVersion) -> None:
    for assignment in CodingAssignment.objects.filter(transcript_version=version):
        finish_assignment(assignment=assignment)


def _segment(version: TranscriptVersion, index: int) -> Segment:
    return version.segments.get(index=index)


def test_merged_joins_overlapping_and_touching_spans() -> None:
    assert merged([(5, 9), (0, 3), (3, 4), (8, 12)]) == [(0, 4), (5, 12)]


def test_coders_see_only_their_own_codings_until_adjudication_is_done(
    study: Study, version: TranscriptVersion, coder: User, second_coder: User, researcher: User, trust: Code
) -> None:
    mine = add_coding(version=version, coder=coder, code=trust, start=0, end=6)
    theirs = _code(version, second_coder, trust, "It felt")
    assert list(own_codings(version=version, coder=coder)) == [mine]
    assert set(visible_codings(user=coder, role=Role.CODER, study_id=study.id)) == {mine}
    assert set(visible_codings(user=researcher, role=Role.RESEARCHER, study_id=study.id)) == {mine, theirs}
    _finish_both(version)
    adjudication = open_adjudication(version=version, adjudicator=researcher)
    for index in (0, 2):
        decide_unit(
            adjudication=adjudication,
            segment=_segment(version, index),
            code=trust,
            outcome="merge",
            adjudicator=researcher,
        )
    assert set(visible_codings(user=coder, role=Role.CODER, study_id=study.id)) == {mine}
    finish_adjudication(adjudication=adjudication, adjudicator=researcher)
    assert theirs in set(visible_codings(user=coder, role=Role.CODER, study_id=study.id))


def test_accepting_one_coder_copies_their_spans_or_their_absence(
    version: TranscriptVersion, coder: User, second_coder: User, researcher: User, trust: Code
) -> None:
    add_coding(version=version, coder=coder, code=trust, start=0, end=6)
    night = _at(version, "रात")
    add_coding(version=version, coder=second_coder, code=trust, start=night[0], end=night[1])
    _finish_both(version)
    _, differ, agree = units(version)
    assert [(u.segment_id, u.code_id) for u in differ] == [
        (_segment(version, 0).id, trust.id),
        (_segment(version, 1).id, trust.id),
    ]
    assert agree == []
    adjudication = open_adjudication(version=version, adjudicator=researcher)
    for index, accepted in ((0, coder), (1, coder)):
        decide_unit(
            adjudication=adjudication,
            segment=_segment(version, index),
            code=trust,
            outcome="accept",
            accepted_coder=accepted,
            adjudicator=researcher,
        )
    consensus = Coding.objects.filter(consensus=True)
    # Accepting the first coder in segment 1 accepts their "absent": no consensus coding there.
    assert [(c.start, c.end, c.text, c.coder) for c in consensus] == [(0, 6, "I talk", researcher)]


def test_a_consensus_coding_is_a_quote_from_the_segment_and_rulings_can_be_changed(
    version: TranscriptVersion, coder: User, second_coder: User, researcher: User, trust: Code
) -> None:
    _code(version, coder, trust, "at night")
    _finish_both(version)
    adjudication = open_adjudication(version=version, adjudicator=researcher)
    segment = _segment(version, 0)
    with pytest.raises(CodingError, match="copied exactly"):
        decide_unit(
            adjudication=adjudication,
            segment=segment,
            code=trust,
            outcome="consensus",
            quote="by day",
            adjudicator=researcher,
        )
    decide_unit(
        adjudication=adjudication,
        segment=segment,
        code=trust,
        outcome="consensus",
        quote="talked to it",
        adjudicator=researcher,
    )
    decide_unit(adjudication=adjudication, segment=segment, code=trust, outcome="merge", adjudicator=researcher)
    assert list(Coding.objects.filter(consensus=True).values_list("text", flat=True)) == ["at night"]
    assert adjudication.decisions.get().outcome == "merge"


def test_finishing_needs_every_disagreement_decided_and_adds_agreed_units(
    version: TranscriptVersion, coder: User, second_coder: User, researcher: User, trust: Code
) -> None:
    _code(version, coder, trust, "like a friend")
    _code(version, second_coder, trust, "a friend.")
    add_coding(version=version, coder=second_coder, code=trust, start=0, end=1)
    _finish_both(version)
    adjudication = open_adjudication(version=version, adjudicator=researcher)
    with pytest.raises(CodingError, match="not decided"):
        finish_adjudication(adjudication=adjudication, adjudicator=researcher)
    decide_unit(
        adjudication=adjudication,
        segment=_segment(version, 0),
        code=trust,
        outcome="accept",
        accepted_coder=coder,
        adjudicator=researcher,
    )
    done = finish_adjudication(adjudication=adjudication, adjudicator=researcher)
    assert done.status == Adjudication.Status.DONE
    assert list(Coding.objects.filter(consensus=True).values_list("text", flat=True)) == ["like a friend."]
    # Consensus codings are not a coder's work: agreement is unchanged by them.
    report = transcript_agreement(version)
    assert report is not None
    assert report.coders == sorted([str(coder.id), str(second_coder.id)])
    with pytest.raises(CodingError, match="finished"):
        decide_unit(
            adjudication=adjudication,
            segment=_segment(version, 2),
            code=trust,
            outcome="merge",
            adjudicator=researcher,
        )


def test_adjudication_needs_two_finished_coders_and_a_real_disagreement(
    version: TranscriptVersion, coder: User, second_coder: User, researcher: User, trust: Code
) -> None:
    add_coding(version=version, coder=coder, code=trust, start=0, end=6)
    with pytest.raises(CodingError, match="two or more"):
        open_adjudication(version=version, adjudicator=researcher)
    add_coding(version=version, coder=second_coder, code=trust, start=0, end=6)
    _finish_both(version)
    adjudication = open_adjudication(version=version, adjudicator=researcher)
    with pytest.raises(CodingError, match="do not disagree"):
        decide_unit(
            adjudication=adjudication,
            segment=_segment(version, 0),
            code=trust,
            outcome="merge",
            adjudicator=researcher,
        )
    assert not Coding.objects.filter(consensus=True).exists()
