"""The coding queue: policy, deterministic double-coding share, least-loaded coders, idempotent enqueueing."""

from __future__ import annotations

import pytest

from accounts.models import User
from coding.models import CodingAssignment, CodingPolicy
from coding.services import CodeDraft, add_code, add_coding, finish_assignment
from coding.services.queue import (
    enqueue_approved_version,
    is_double_coded,
    next_assignment,
    policy_for,
    update_policy,
)
from coding.tests.factories import transcript_version_with
from studies.models import Role, Study
from studies.tests.factories import MembershipFactory
from transcription.models import Transcript, TranscriptVersion


def _coders(study: Study, count: int) -> list[User]:
    return [MembershipFactory(study=study, role=Role.CODER).user for _ in range(count)]


def _version(study: Study) -> TranscriptVersion:
    return transcript_version_with(study, ["I talked to it at night.", "It felt like a friend."])


def test_the_default_policy_double_codes_a_quarter_and_never_reshuffles() -> None:
    chosen = [t for t in range(1, 2001) if is_double_coded(transcript_id=t, share=25)]
    assert 0.20 < len(chosen) / 2000 < 0.30
    assert chosen == [t for t in range(1, 2001) if is_double_coded(transcript_id=t, share=25)]
    assert not any(is_double_coded(transcript_id=t, share=0) for t in range(1, 200))
    assert all(is_double_coded(transcript_id=t, share=100) for t in range(1, 200))


def test_a_new_study_gets_the_default_policy(study: Study) -> None:
    policy = policy_for(study)
    assert (policy.double_share, policy.coders_per_double) == (25, 2)


def test_enqueueing_twice_changes_nothing(study: Study) -> None:
    _coders(study, 3)
    update_policy(study=study, double_share=100, coders_per_double=2, coders=[])
    version = _version(study)
    first = enqueue_approved_version(version=version)
    second = enqueue_approved_version(version=version)
    assert len(first) == 2
    assert {a.id for a in first} == {a.id for a in second}
    assert CodingAssignment.objects.filter(transcript_version=version).count() == 2
    assert Transcript.objects.get(pk=version.transcript_id).state == Transcript.State.IN_CODING


def test_single_coded_transcripts_go_to_the_least_loaded_coder(study: Study) -> None:
    busy, idle = _coders(study, 2)
    update_policy(study=study, double_share=0, coders_per_double=2, coders=[])
    # busy already has two open assignments; idle has none.
    for _ in range(2):
        enqueue_approved_version(version=_version(study))
    loads = {u: CodingAssignment.objects.filter(coder=u).count() for u in (busy, idle)}
    assert loads == {busy: 1, idle: 1}
    CodingAssignment.objects.filter(coder=idle).update(status="done", finished_at="2026-01-01T00:00Z")
    third = enqueue_approved_version(version=_version(study))
    assert [a.coder for a in third] == [idle]


def test_chosen_coders_replace_the_coder_role(study: Study, researcher: User, coder: User) -> None:
    update_policy(study=study, double_share=0, coders_per_double=2, coders=[researcher])
    assignments = enqueue_approved_version(version=_version(study))
    assert [a.coder for a in assignments] == [researcher]


def test_a_policy_cannot_name_outsiders(study: Study, outsider: User) -> None:
    with pytest.raises(ValueError, match="member"):
        update_policy(study=study, double_share=25, coders_per_double=2, coders=[outsider])
    assert not CodingPolicy.objects.filter(study=study, coders=outsider).exists()


def test_without_coders_nothing_is_assigned_until_coders_exist(study: Study) -> None:
    version = _version(study)
    assert enqueue_approved_version(version=version) == []
    _coders(study, 1)
    assert len(enqueue_approved_version(version=version)) == 1


def test_a_reapproved_version_replaces_only_untouched_assignments(study: Study, researcher: User) -> None:
    first_coder, second_coder = _coders(study, 2)
    update_policy(study=study, double_share=100, coders_per_double=2, coders=[])
    old = _version(study)
    enqueue_approved_version(version=old)
    code = add_code(study=study, actor=researcher, draft=CodeDraft(name="Trust"))
    add_coding(version=old, coder=first_coder, code=code, start=0, end=4)
    new = TranscriptVersion.objects.create(transcript=old.transcript, number=2)
    enqueue_approved_version(version=new)
    versions = dict(CodingAssignment.objects.values_list("coder", "transcript_version"))
    assert versions == {first_coder.id: old.id, second_coder.id: new.id}


def test_next_assignment_prefers_work_in_progress_and_finishing_marks_the_transcript_coded(
    study: Study, researcher: User
) -> None:
    (only,) = _coders(study, 1)
    update_policy(study=study, double_share=0, coders_per_double=2, coders=[])
    first, second = _version(study), _version(study)
    enqueue_approved_version(version=first)
    enqueue_approved_version(version=second)
    assert next_assignment(study=study, coder=only).transcript_version == first  # type: ignore[union-attr]
    code = add_code(study=study, actor=researcher, draft=CodeDraft(name="Trust"))
    add_coding(version=second, coder=only, code=code, start=0, end=4)
    assignment = next_assignment(study=study, coder=only)
    assert assignment is not None
    assert assignment.transcript_version == second
    assert finish_assignment(assignment=assignment)
    assert Transcript.objects.get(pk=second.transcript_id).state == Transcript.State.CODED
    assert Transcript.objects.get(pk=first.transcript_id).state == Transcript.State.IN_CODING
