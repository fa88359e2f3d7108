"""A whole REFI-QDA project imported as a new study: a round trip through our own export keeps every coding on the
same words, every note, case and variable; a spec-conformant project written by hand imports completely; an
unchanged codebook imported again changes nothing."""

from __future__ import annotations

import io
import zipfile
from collections import Counter

import pytest

from accounts.models import User
from coding.codetree import CodeNode, tree_from_study, tree_to_data, walk
from coding.models import Code, CodebookVersion, Coding, Memo
from exports.refi_project import import_project, read_qdpx, study_project, write_qdpx
from exports.refi_project.document import Project
from exports.refi_project.new_study import StudyImportReport, import_project_as_study
from studies.models import Participant, ScreeningResponse, Study
from studies.tests.factories import ParticipantFactory
from tests.exportkit import code_span, make_transcript, screen
from transcription.models import Transcript

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_study(study: Study, coder: User, researcher: User) -> Study:
    """Two transcripts, a nested codebook with colours and descriptions, codings by two users, notes on the
    project, a source, a code and a coding (its memo), and participants with demographic variables."""
    coder.display_name, researcher.display_name = "Coder Ana", "Researcher Ben"
    coder.save()
    researcher.save()
    first, second = ParticipantFactory(study=study), ParticipantFactory(study=study)
    response = screen(first, {"region": "asia", "gender": "man"})
    ScreeningResponse.objects.create(
        study=study,
        questionnaire=response.questionnaire,
        participant=second,
        form_token=f"token-{second.pk}",
        language="en",
        answers={"region": "europe", "gender": "woman"},
        attributes={"region": "europe", "gender": "woman"},
        started_at=response.started_at,
        submitted_at=response.submitted_at,
    )
    transcript = make_transcript(study, participant=first)
    other = make_transcript(study, participant=second)
    parent = Code.objects.create(study=study, name="Feelings", is_codable=False, definition="Folder", colour="#112233")
    trust = Code.objects.create(study=study, name="Trust", parent=parent, colour="#3366CC", when_to_use="Reliance")
    night = Code.objects.create(study=study, name="Night use", definition="At night")
    for item in (transcript, other):
        version = item.versions.get(number=2)
        text = version.text()
        emoji = text.index("😀")
        code_span(version, coder=coder, code=trust, start=emoji, end=emoji + 1, memo="the emoji")
        code_span(version, coder=researcher, code=trust, start=emoji, end=emoji + 1)
        code_span(version, coder=researcher, code=night, start=text.index("every"), end=len(text))
    Memo.objects.create(study=study, author=researcher, title="Trust memo", text="Ask about trust", code=trust)
    Memo.objects.create(study=study, author=researcher, title="On P", text="Calm interview", transcript=transcript)
    Memo.objects.create(study=study, author=coder, title="Project", text="Whole-study thoughts")
    return study


def exported(study: Study) -> bytes:
    buffer = io.BytesIO()
    write_qdpx(study_project(study=study), buffer)
    return buffer.getvalue()


def codings_of(project: Project) -> Counter[tuple[str, str, str, str]]:
    """(quoted words, code name, coder name, memo) of every coding: what must survive, whatever the GUIDs."""
    names = {user.guid: user.name for user in project.users}
    codes = {node.guid: node.name for node in _walk(project)}
    return Counter(
        (s.text[c.start : c.end], codes[c.code], names.get(c.user, "") if c.user else "", c.memo)
        for s in project.sources
        for c in s.codings
    )


def _walk(project: Project) -> list[CodeNode]:
    return list(walk(project.codes))


def notes_of(project: Project) -> Counter[tuple[str, str, bool]]:
    return Counter((n.title, n.text, n.code is not None) for n in project.notes)


def cases_of(project: Project) -> Counter[tuple[tuple[tuple[str, str], ...], int]]:
    return Counter((tuple(sorted(c.values.items())), len(c.sources)) for c in project.cases)


def imported(data: bytes, owner: User, slug: str = "round-trip") -> StudyImportReport:
    return import_project_as_study(project=read_qdpx(io.BytesIO(data)), actor=owner, slug=slug)


def test_it_keeps_every_coding_note_case_and_variable_through_a_round_trip(rich_study: Study, owner: User) -> None:
    first = read_qdpx(io.BytesIO(exported(rich_study)))
    report = imported(exported(rich_study), owner)
    assert report.study is not None
    assert report.study.memberships.get().user == owner
    again = read_qdpx(io.BytesIO(exported(report.study)))
    assert sum(codings_of(first).values()) == 6
    assert codings_of(again) == codings_of(first)
    assert notes_of(again) == notes_of(first)
    assert cases_of(again) == cases_of(first)
    assert again.variables == first.variables
    assert sorted(s.text for s in again.sources) == sorted(s.text for s in first.sources)
    assert tree_to_data(again.codes) == tree_to_data(first.codes)
    assert report.counts["codings"] == 6
    assert report.counts["notes"] == 3
    assert report.counts["cases"] == 2
    assert report.counts["sources"] == 2
    assert report.counts["coders"] == 2


def test_it_attributes_codings_to_placeholder_coders_who_cannot_sign_in(rich_study: Study, owner: User) -> None:
    report = imported(exported(rich_study), owner)
    coders = User.objects.filter(codings__transcript_version__transcript__recording__interview__study=report.study)
    placeholders = set(coders.distinct())
    assert {u.display_name for u in placeholders} == {"Coder Ana", "Researcher Ben"}
    assert all(not u.is_active and not u.has_usable_password() for u in placeholders)
    assert not report.study.memberships.filter(user__in=placeholders).exists()  # type: ignore[union-attr]


def test_the_source_text_becomes_an_approved_transcript_with_segment_times_from_sync_points(
    rich_study: Study, owner: User
) -> None:
    report = imported(exported(rich_study), owner)
    transcript = Transcript.objects.filter(recording__interview__study=report.study).first()
    assert transcript is not None
    assert transcript.state == Transcript.State.APPROVED
    approved = transcript.versions.get(number=2)
    assert [s.start for s in approved.segments.order_by("index")] == [0.0, 4.0]
    assert not transcript.recording.files.exists()
    assert any("is not in the file" in line for line in report.dropped)


def test_cases_become_pseudonymous_participants_with_their_variables(rich_study: Study, owner: User) -> None:
    report = imported(exported(rich_study), owner)
    participants = Participant.objects.filter(study=report.study)
    assert participants.count() == 2
    answers = sorted(
        sorted(r.attributes.items()) for r in ScreeningResponse.objects.filter(participant__in=participants)
    )
    assert answers == [[("gender", "man"), ("region", "asia")], [("gender", "woman"), ("region", "europe")]]
    assert not any(hasattr(p, "contact") for p in participants)


def test_reimporting_an_unchanged_codebook_into_the_same_study_changes_nothing(rich_study: Study, owner: User) -> None:
    data = exported(rich_study)
    import_project(study=rich_study, actor=owner, project=read_qdpx(io.BytesIO(data)))
    versions, codes, codings = (
        CodebookVersion.objects.filter(study=rich_study).count(),
        Code.objects.filter(study=rich_study).count(),
        Coding.objects.count(),
    )
    stamps = list(Code.objects.filter(study=rich_study).order_by("id").values_list("updated_at", flat=True))
    report = import_project(study=rich_study, actor=owner, project=read_qdpx(io.BytesIO(data)))
    assert CodebookVersion.objects.filter(study=rich_study).count() == versions
    assert Code.objects.filter(study=rich_study).count() == codes
    assert Coding.objects.count() == codings
    assert list(Code.objects.filter(study=rich_study).order_by("id").values_list("updated_at", flat=True)) == stamps
    assert report.codes_created == report.codes_updated == report.codings_imported == 0
    assert tree_to_data(tree_from_study(rich_study.pk)) == tree_to_data(read_qdpx(io.BytesIO(data)).codes)


def test_the_export_writes_text_sources_in_the_lower_case_sources_folder(rich_study: Study) -> None:
    with zipfile.ZipFile(io.BytesIO(exported(rich_study))) as archive:
        folders = {name.split("/")[0] for name in archive.namelist() if "/" in name}
    assert folders == {"sources"}
