"""Approval freezes a redacted version and puts it in the coding queue; the selector never gives raw text away."""

from __future__ import annotations

import pytest

from accounts.models import User
from coding.models import CodingAssignment
from review import selectors
from review.models import Approval, RedactionTag
from review.services import redaction, versions
from review.services.approval import approve_version
from review.services.erasure import forget_unused_tags
from review.services.errors import ReviewError
from review.tests.factories import machine_transcript
from studies.models import Role, Study
from transcription.models import Transcript

TEXTS = ["Call me on 07911 123456.", "It helped."]


def redacted(study: Study, user: User) -> Transcript:
    transcript = machine_transcript(study, TEXTS)
    redaction.accept_undecided(version=transcript.versions.get(), user=user)
    redaction.redact_latest(transcript=transcript, base_number=1, user=user)
    return transcript


def test_approval_freezes_the_redacted_version_and_enqueues_it_for_a_coder(
    study: Study, researcher: User, coder: User
) -> None:
    transcript = redacted(study, researcher)
    approval = approve_version(transcript=transcript, number=2, user=researcher)
    assignment = CodingAssignment.objects.get(transcript=transcript)
    assert (assignment.coder, assignment.transcript_version) == (coder, approval.version)
    transcript.refresh_from_db()
    assert transcript.state == Transcript.State.IN_CODING
    # A later edit is a new version; the approved one and its assignment stay as they were.
    versions.save_edits(
        transcript=transcript, base_number=2, ops=[{"op": "text", "index": 1, "text": "Yes."}], author=researcher
    )
    assignment.refresh_from_db()
    assert assignment.transcript_version.number == 2
    assert [r["text"] for r in versions.rows_of(approval.version)] == ["Call me on [PHONE-1].", "It helped."]


def test_approving_twice_changes_nothing(study: Study, researcher: User, coder: User) -> None:
    transcript = redacted(study, researcher)
    first = approve_version(transcript=transcript, number=2, user=researcher)
    assert approve_version(transcript=transcript, number=2, user=researcher) == first
    assert CodingAssignment.objects.filter(transcript=transcript).count() == 1


def test_a_raw_version_cannot_be_approved(study: Study, researcher: User) -> None:
    transcript = machine_transcript(study, TEXTS)
    with pytest.raises(ReviewError, match="not redacted"):
        approve_version(transcript=transcript, number=1, user=researcher)
    assert not Approval.objects.exists()
    transcript.refresh_from_db()
    assert transcript.state == Transcript.State.TRANSCRIBED


@pytest.mark.parametrize("role", [Role.CODER, Role.INTERVIEWER, Role.VIEWER])
def test_visible_version_never_gives_raw_text_to_other_roles(study: Study, researcher: User, role: Role) -> None:
    transcript = machine_transcript(study, TEXTS)
    assert selectors.visible_version(transcript, role) is None
    redaction.accept_undecided(version=transcript.versions.get(), user=researcher)
    redaction.redact_latest(transcript=transcript, base_number=1, user=researcher)
    versions.save_edits(
        transcript=transcript,
        base_number=2,
        ops=[{"op": "text", "index": 0, "text": "07911 123456"}],
        author=researcher,
    )
    seen = selectors.visible_version(transcript, role)
    assert seen is not None
    assert seen.number == 2
    approve = redacted(study, researcher)
    approve_version(transcript=approve, number=2, user=researcher)
    approved = selectors.visible_version(approve, role)
    assert approved is not None
    assert "07911" not in approved.text()


@pytest.mark.parametrize("role", [Role.OWNER, Role.RESEARCHER])
def test_owner_and_researcher_see_the_latest_version(study: Study, researcher: User, role: Role) -> None:
    transcript = redacted(study, researcher)
    versions.save_edits(
        transcript=transcript, base_number=2, ops=[{"op": "text", "index": 1, "text": "Yes."}], author=researcher
    )
    latest = selectors.visible_version(transcript, role)
    assert latest is not None
    assert latest.number == 3


def test_erasing_a_participants_work_removes_review_records_too(study: Study, researcher: User, coder: User) -> None:
    from review.models import RedactedVersion, RedactionMark
    from transcription.services import withdraw_participant_work

    transcript = redacted(study, researcher)
    approve_version(transcript=transcript, number=2, user=researcher)
    withdraw_participant_work(participant=transcript.recording.interview.participant, erase=True)
    assert not Transcript.objects.filter(pk=transcript.pk).exists()
    assert not RedactedVersion.objects.exists()
    assert not RedactionMark.objects.exists()
    assert not Approval.objects.exists()
    assert RedactionTag.objects.filter(study=study).count() == 1
    assert forget_unused_tags(study=study) == 1
    assert not RedactionTag.objects.filter(study=study).exists()


def test_forgetting_unused_tags_keeps_those_another_transcript_uses(study: Study, researcher: User) -> None:
    from transcription.services import withdraw_participant_work

    first, second = redacted(study, researcher), redacted(study, researcher)
    withdraw_participant_work(participant=first.recording.interview.participant, erase=True)
    assert forget_unused_tags(study=study) == 0
    assert RedactionTag.objects.get(study=study).tag == "[PHONE-1]"
    assert second.versions.count() == 2


def test_a_delete_everything_withdrawal_forgets_the_participants_tags(study: Study, researcher: User) -> None:
    from studies.models import Participant
    from studies.services.withdrawal import withdraw_participant

    transcript = redacted(study, researcher)
    assert RedactionTag.objects.filter(study=study).exists()
    participant = transcript.recording.interview.participant
    withdraw_participant(participant=participant, scope=Participant.WithdrawalScope.DELETE_ALL)
    assert not RedactionTag.objects.filter(study=study).exists()
