from __future__ import annotations

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from coding.models import Code
from coding.selectors import presence_by_coder, segment_spans, study_agreement, transcript_agreement
from coding.services import CodeDraft, add_code, current_codebook_version
from coding.services.codings import add_coding, assign_transcript, finish_assignment
from coding.tests.factories import transcript_version_with
from studies.models import Study
from transcription.models import TranscriptVersion


@pytest.fixture
def version(study: Study) -> TranscriptVersion:
    return transcript_version_with(study, ["Hello there.", "मैंने रात को बात की", "Thanks."])


def _finished_coder(version: TranscriptVersion) -> User:
    coder = UserFactory()
    finish_assignment(assignment=assign_transcript(transcript=version.transcript, version=version, coder=coder))
    return coder


def test_segment_spans_are_code_point_offsets_into_the_joined_text(version: TranscriptVersion) -> None:
    spans = [(start, end) for _, start, end in segment_spans(version)]
    assert spans == [(0, 12), (13, 32), (33, 40)]
    assert version.text()[13:32] == "मैंने रात को बात की"


def test_presence_counts_a_coding_in_every_segment_it_overlaps(
    study: Study, version: TranscriptVersion, researcher: User
) -> None:
    code = add_code(study=study, actor=researcher, draft=CodeDraft(name="Night"))
    coder = _finished_coder(version)
    add_coding(version=version, coder=coder, code=code, start=10, end=15)  # end of segment 1, start of 2
    first, second, third = (segment_id for segment_id, _, _ in segment_spans(version))
    assert presence_by_coder(version)[str(coder.id)] == {first: {code.id}, second: {code.id}, third: set()}


def test_agreement_compares_finished_coders_only_and_per_codebook_version(
    study: Study, version: TranscriptVersion, researcher: User
) -> None:
    night = add_code(study=study, actor=researcher, draft=CodeDraft(name="Night"))
    a, b = _finished_coder(version), _finished_coder(version)
    unfinished = UserFactory()
    assign_transcript(transcript=version.transcript, version=version, coder=unfinished)
    add_coding(version=version, coder=a, code=night, start=13, end=20)
    add_coding(version=version, coder=b, code=night, start=14, end=18)
    add_coding(version=version, coder=unfinished, code=night, start=0, end=4)
    v1 = current_codebook_version(study=study)
    thanks = add_code(study=study, actor=researcher, draft=CodeDraft(name="Thanks"))
    add_coding(version=version, coder=a, code=thanks, start=33, end=39)

    report = transcript_agreement(version)
    assert report is not None
    assert report.coders == sorted([str(a.id), str(b.id)])
    by_code = {item.code: item for item in report.codes}
    assert by_code[night.id].pairs[0].percent_agreement.value == 1.0
    # Night: both coders 0,1,0 -> kappa 1. Thanks: 0,0,1 against 0,0,0 -> 2 of 3 agree.
    assert by_code[night.id].pairs[0].kappa.value == pytest.approx(1.0)
    assert by_code[thanks.id].pairs[0].percent_agreement.value == pytest.approx(2 / 3)
    only_v1 = transcript_agreement(version, codebook_version=v1)
    assert only_v1 is not None
    assert [item.code for item in only_v1.codes] == [night.id]


def test_a_transcript_with_one_finished_coder_has_no_agreement(version: TranscriptVersion, study: Study) -> None:
    _finished_coder(version)
    assert transcript_agreement(version) is None
    assert Code.objects.filter(study=study).count() == 0


def test_study_agreement_pools_transcripts_and_leaves_coders_who_never_met_undefined(
    study: Study, researcher: User
) -> None:
    night = add_code(study=study, actor=researcher, draft=CodeDraft(name="Night"))
    first = transcript_version_with(study, ["At night.", "By day."])
    second = transcript_version_with(study, ["Late.", "Early."])
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    for version, coders in ((first, (a, b)), (second, (a, c))):
        for coder in coders:
            finish_assignment(assignment=assign_transcript(transcript=version.transcript, version=version, coder=coder))
            add_coding(version=version, coder=coder, code=night, start=0, end=4)
    report = study_agreement(study.id)
    assert report is not None
    assert report.segments == 4
    pairs = {frozenset((p.coder_a, p.coder_b)): p for p in report.codes[0].pairs}
    ab, ac, bc = (pairs[frozenset((str(x.id), str(y.id)))] for x, y in ((a, b), (a, c), (b, c)))
    assert (ab.units, ac.units, bc.units) == (2, 2, 0)
    assert ab.percent_agreement.value == 1.0
    assert bc.kappa.value is None
