"""A spec-conformant project written by hand imports completely as a new study, through the service, the page and
`manage.py import_qdpx`; `manage.py export_qdpx` writes the study back out."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from coding.models import Code, Coding, Memo
from coding.refi import validation_errors
from exports.refi_project import read_qdpx
from exports.refi_project.new_study import import_project_as_study
from studies.models import Participant, ScreeningResponse, Study
from tests.qdpxkit import TEXT_C, hand_written, hand_written_qde
from transcription.models import Segment, Transcript

pytestmark = pytest.mark.django_db


def _study_codings(study: Study) -> set[tuple[str, str, str]]:
    rows = Coding.objects.filter(transcript_version__transcript__recording__interview__study=study)
    return {(c.text, c.code.name, c.coder.display_name) for c in rows.select_related("code", "coder")}


def test_the_hand_written_project_is_valid_refi_qda() -> None:
    assert validation_errors(hand_written_qde().encode(), "project") == []


def test_a_spec_conformant_project_imports_completely(owner: User) -> None:
    report = import_project_as_study(project=read_qdpx(io.BytesIO(hand_written())), actor=owner, slug="hand")
    study = report.study
    assert study is not None
    assert study.title == "Hand-written project"
    assert _study_codings(study) == {
        ("hope 🌱", "Hope", "Ana Coder"),
        ("Lagos", "Place", "Ben Coder"),
        ("listened at night", "Hope", "Ana Coder"),
        ("chatbot", "Place", "Ben Coder"),
        ("Quito", "Place", "Ben Coder"),
    }
    feelings = Code.objects.get(study=study, name="Feelings")
    hope = Code.objects.get(study=study, name="Hope")
    assert (hope.parent, hope.colour, hope.definition) == (feelings, "#00AA00", "Looking forward")
    assert (feelings.is_codable, feelings.colour) == (False, "#AA0000")
    memos = {m.title: m for m in Memo.objects.filter(study=study).select_related("code", "transcript")}
    assert memos["About the project"].transcript is None
    assert memos["About the project"].code is None
    assert memos["Feelings memo"].code == feelings
    assert memos["On A"].transcript is not None
    assert memos["On hope"].transcript == memos["On A"].transcript
    assert memos["On A"].author.display_name == "Ben Coder"
    cases = {p.code: p for p in Participant.objects.filter(study=study)}
    assert {"Case-A", "Case-B"} <= set(cases)
    answers = {r.participant.code: r.attributes for r in ScreeningResponse.objects.filter(study=study)}
    assert answers == {"Case-A": {"age_group": "30-39", "country": "NG"}, "Case-B": {"age_group": "40-49"}}
    assert report.counts == {
        "codes": 3,
        "cases": 2,
        "variables": 2,
        "variable values": 3,
        "participants made for sources without a case": 1,
        "sources": 3,
        "codings": 5,
        "notes": 4,
        "coders": 2,
    }
    assert any("On hope" not in line and "selection" in line for line in report.dropped)
    assert any("“Call C” is not in the file" in line for line in report.dropped)


def test_an_audio_sources_transcript_is_timed_by_its_sync_points(owner: User) -> None:
    report = import_project_as_study(project=read_qdpx(io.BytesIO(hand_written())), actor=owner, slug="hand")
    transcripts = Transcript.objects.filter(recording__interview__study=report.study)
    [approved] = [t.versions.get(number=2) for t in transcripts if t.versions.get(number=2).text() == TEXT_C]
    assert list(Segment.objects.filter(version=approved).order_by("index").values_list("start", flat=True)) == [0, 2.5]


def test_the_page_imports_a_project_as_a_new_study_and_lists_what_came_in(study: Study, owner: User) -> None:
    owner.can_create_studies = True
    owner.save()
    client = Client()
    client.force_login(owner)
    upload = SimpleUploadedFile("hand.qdpx", hand_written(), content_type="application/zip")
    response = client.post(
        reverse("exports:import_new_study", args=[study.slug]), {"project": upload, "slug": "from-page", "title": ""}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Project imported as a new study" in page
    assert "codings</td><td>5" in page
    assert "is not in the file" in page
    assert Study.objects.get(slug="from-page").memberships.get().user == owner


def test_the_page_refuses_people_who_may_not_create_studies(study: Study, owner: User) -> None:
    client = Client()
    client.force_login(owner)
    upload = SimpleUploadedFile("hand.qdpx", hand_written(), content_type="application/zip")
    response = client.post(reverse("exports:import_new_study", args=[study.slug]), {"project": upload, "slug": "x"})
    assert response.status_code == 403
    assert not Study.objects.filter(slug="x").exists()


def test_the_commands_export_a_study_and_import_it_as_another(owner: User, tmp_path: Path) -> None:
    source = tmp_path / "hand.qdpx"
    source.write_bytes(hand_written())
    out = io.StringIO()
    call_command("import_qdpx", str(source), "by-command", owner=owner.email, stdout=out)
    assert "codings: 5" in out.getvalue()
    assert "notes: 4" in out.getvalue()
    exported = tmp_path / "again.qdpx"
    call_command("export_qdpx", "by-command", str(exported), stdout=io.StringIO())
    again = read_qdpx(exported.open("rb"))
    assert sum(len(s.codings) for s in again.sources) == 5
    with pytest.raises(CommandError, match="Another study already uses the address"):
        call_command("import_qdpx", str(source), "by-command", owner=owner.email, stdout=io.StringIO())
    assert Study.objects.filter(slug="by-command").count() == 1


def test_the_imported_studys_pages_open_for_its_owner(owner: User) -> None:
    report = import_project_as_study(project=read_qdpx(io.BytesIO(hand_written())), actor=owner, slug="hand")
    assert report.study is not None
    transcript = Transcript.objects.filter(recording__interview__study=report.study).first()
    assert transcript is not None
    client = Client()
    client.force_login(owner)
    pages = [
        reverse("studies:detail", args=["hand"]),
        reverse("studies:participants", args=["hand"]),
        reverse("studies:participant", args=["hand", "Case-A"]),
        reverse("review:read", args=["hand", transcript.pk]),
        reverse("coding:codebook", args=["hand"]),
        reverse("exports:page", args=["hand"]),
    ]
    assert {page: client.get(page).status_code for page in pages} == dict.fromkeys(pages, 200)
