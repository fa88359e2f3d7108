from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.tests.factories import UserFactory
from coding.codetree import CodebookError
from coding.models import Code, Coding, CodingAssignment, Memo
from coding.services import CodeDraft, add_code, delete_code, edit_code, merge_codes, split_code
from coding.services.codings import (
    CodingError,
    add_coding,
    assign_transcript,
    edit_coding,
    finish_assignment,
    remove_coding,
    start_assignment,
    write_memo,
)
from coding.tests.factories import transcript_version_with
from studies.models import Study
from studies.tests.factories import StudyFactory
from transcription.models import TranscriptVersion

HINDI = "मैंने रात को चैटबॉट से बात की"
ARABIC = "كنت أثق به أكثر من الناس"


@pytest.fixture
def version(study: Study) -> TranscriptVersion:
    return transcript_version_with(study, ["I talked to it at night.", HINDI, ARABIC])


@pytest.fixture
def trust(study: Study, researcher: User) -> Code:
    return add_code(study=study, actor=researcher, draft=CodeDraft(name="Trust"))


def test_a_coding_stores_code_point_offsets_and_the_text_in_hindi_and_arabic(
    version: TranscriptVersion, coder: User, trust: Code
) -> None:
    text = version.text()
    hindi_start = text.index(HINDI)
    night = text.index("रात")
    first = add_coding(version=version, coder=coder, code=trust, start=night, end=night + 3)
    assert first.text == "रात"
    # Code points, not UTF-8 bytes: the Hindi segment starts 25 characters in (24 + the joining newline).
    assert hindi_start == 25
    arabic_start = text.index(ARABIC)
    second = add_coding(version=version, coder=coder, code=trust, start=arabic_start, end=arabic_start + 3)
    assert second.text == "كنت"
    assert first.codebook_version.number == 1


def test_a_coding_records_the_codebook_version_it_was_made_under(
    study: Study, version: TranscriptVersion, coder: User, researcher: User, trust: Code
) -> None:
    before = add_coding(version=version, coder=coder, code=trust, start=0, end=6)
    edit_code(code=trust, actor=researcher, draft=CodeDraft(name="Trust in the chatbot"))
    after = add_coding(version=version, coder=coder, code=trust, start=7, end=13)
    assert (before.codebook_version.number, after.codebook_version.number) == (1, 2)


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (5, 5), (0, 10_000)])
def test_a_span_outside_the_text_is_refused(
    version: TranscriptVersion, coder: User, trust: Code, start: int, end: int
) -> None:
    with pytest.raises(CodingError, match="not inside the transcript"):
        add_coding(version=version, coder=coder, code=trust, start=start, end=end)
    assert not Coding.objects.exists()


def test_folders_and_other_studies_codes_cannot_be_applied(
    study: Study, version: TranscriptVersion, coder: User, researcher: User
) -> None:
    folder = add_code(study=study, actor=researcher, draft=CodeDraft(name="Roles", is_codable=False))
    with pytest.raises(CodingError, match="folder"):
        add_coding(version=version, coder=coder, code=folder, start=0, end=3)
    other = add_code(study=StudyFactory(), actor=researcher, draft=CodeDraft(name="Elsewhere"))
    with pytest.raises(CodingError, match="another study"):
        add_coding(version=version, coder=coder, code=other, start=0, end=3)


def test_the_database_refuses_empty_spans_and_duplicate_codings(
    version: TranscriptVersion, coder: User, trust: Code
) -> None:
    coding = add_coding(version=version, coder=coder, code=trust, start=0, end=3)
    fields = {"transcript_version": version, "code": trust, "coder": coder, "codebook_version": coding.codebook_version}
    with pytest.raises(IntegrityError), transaction.atomic():
        Coding.objects.create(start=4, end=4, text="", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Coding.objects.create(start=0, end=3, text="I t", **fields)


def test_only_its_coder_can_change_or_remove_a_coding(version: TranscriptVersion, coder: User, trust: Code) -> None:
    coding = add_coding(version=version, coder=coder, code=trust, start=0, end=3)
    someone_else = UserFactory()
    with pytest.raises(CodingError, match="Only the coder"):
        remove_coding(coding=coding, coder=someone_else)
    edited = edit_coding(coding=coding, coder=coder, start=2, end=8, memo=" night ")
    assert (edited.text, edited.memo) == ("talked", "night")
    remove_coding(coding=coding, coder=coder)
    assert not Coding.objects.exists()


def test_assignments_are_unique_per_coder_and_move_forward_once(version: TranscriptVersion, coder: User) -> None:
    assignment = assign_transcript(transcript=version.transcript, version=version, coder=coder)
    with pytest.raises(CodingError):
        assign_transcript(transcript=version.transcript, version=version, coder=coder)
    with pytest.raises(IntegrityError), transaction.atomic():
        CodingAssignment.objects.create(transcript=version.transcript, transcript_version=version, coder=coder)
    assert start_assignment(assignment=assignment) is True
    assert start_assignment(assignment=assignment) is False
    assert finish_assignment(assignment=assignment) is True
    assert finish_assignment(assignment=assignment) is False
    assignment.refresh_from_db()
    assert assignment.status == CodingAssignment.Status.DONE
    assert assignment.finished_at is not None


def test_the_first_coding_starts_an_assigned_transcript(version: TranscriptVersion, coder: User, trust: Code) -> None:
    assignment = assign_transcript(transcript=version.transcript, version=version, coder=coder)
    add_coding(version=version, coder=coder, code=trust, start=0, end=3)
    assignment.refresh_from_db()
    assert assignment.status == CodingAssignment.Status.IN_PROGRESS


def test_memos_sit_on_a_transcript_a_code_or_nothing(
    study: Study, version: TranscriptVersion, coder: User, trust: Code
) -> None:
    write_memo(study=study, author=coder, text="Night-time use again", transcript=version.transcript)
    write_memo(study=study, author=coder, text="Overlaps with comfort", code=trust)
    write_memo(study=study, author=coder, text="Theme idea: always there", title="Idea")
    with pytest.raises(CodingError, match="not both"):
        write_memo(study=study, author=coder, text="x", transcript=version.transcript, code=trust)
    with pytest.raises(IntegrityError), transaction.atomic():
        Memo.objects.create(study=study, author=coder, text="x", transcript=version.transcript, code=trust)
    assert Memo.objects.filter(study=study).count() == 3


def test_merging_moves_codings_and_folds_duplicates(
    study: Study, version: TranscriptVersion, coder: User, researcher: User, trust: Code
) -> None:
    comfort = add_code(study=study, actor=researcher, draft=CodeDraft(name="Comfort"))
    add_coding(version=version, coder=coder, code=comfort, start=0, end=3)
    add_coding(version=version, coder=coder, code=comfort, start=5, end=9)
    add_coding(version=version, coder=coder, code=trust, start=0, end=3)
    merge_codes(source=comfort, target=trust, actor=researcher)
    assert sorted(Coding.objects.values_list("code__name", "start")) == [("Trust", 0), ("Trust", 5)]


def test_splitting_moves_the_chosen_codings_to_the_new_codes(
    study: Study, version: TranscriptVersion, coder: User, researcher: User
) -> None:
    support = add_code(study=study, actor=researcher, draft=CodeDraft(name="Support"))
    one = add_coding(version=version, coder=coder, code=support, start=0, end=3)
    two = add_coding(version=version, coder=coder, code=support, start=5, end=9)
    parts = [CodeDraft(name="Emotional"), CodeDraft(name="Practical")]
    split_code(code=support, actor=researcher, parts=parts, assignments={one.id: 0, two.id: 1}, remove_original=True)
    assert sorted(Coding.objects.values_list("code__name", flat=True)) == ["Emotional", "Practical"]
    assert not Code.objects.filter(name="Support").exists()


def test_a_split_that_leaves_codings_behind_keeps_the_original_or_fails_whole(
    study: Study, version: TranscriptVersion, coder: User, researcher: User
) -> None:
    support = add_code(study=study, actor=researcher, draft=CodeDraft(name="Support"))
    add_coding(version=version, coder=coder, code=support, start=0, end=3)
    with pytest.raises(CodebookError, match="still has codings"):
        split_code(code=support, actor=researcher, parts=[CodeDraft(name="Emotional")], remove_original=True)
    assert list(Code.objects.filter(study=study).values_list("name", flat=True)) == ["Support"]


def test_a_code_with_codings_cannot_be_deleted(
    version: TranscriptVersion, coder: User, researcher: User, trust: Code
) -> None:
    add_coding(version=version, coder=coder, code=trust, start=0, end=3)
    with pytest.raises(CodebookError, match="merge it"):
        delete_code(code=trust, actor=researcher)
    assert Code.objects.filter(pk=trust.pk).exists()
