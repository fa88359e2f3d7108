"""The study archive: contents, data dictionary, methods summary, the task, progress JSON, signed download."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
import srt  # type: ignore[import-untyped]  # the package ships no type hints
from django.core import signing
from django.test import Client
from docx import Document

from accounts.models import AuditEntry, User
from coding.models import Code, CodingAssignment
from coding.services.codings import finish_assignment, start_assignment
from exports import selectors
from exports.archive.methods import methods_figures, methods_text
from exports.formats import format_names
from exports.models import ExportJob
from exports.refi_project import read_qdpx
from exports.services.enqueue import request_export
from exports.services.jobs import run_export
from exports.tests.kit import built, stored_bytes
from studies.models import Study
from studies.tests.factories import ParticipantFactory
from tests.exportkit import code_span, foreign_qdpx, make_transcript, screen
from transcription.models import Transcript

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived_study(study: Study, coder: User) -> Study:
    participant = ParticipantFactory(study=study)
    screen(participant, {"region": "europe", "gender": "woman", "story": "never exported"})
    transcript = make_transcript(study, participant=participant, language="es")
    version = transcript.versions.get(number=2)
    code = Code.objects.create(study=study, name="=Trust")  # a formula-looking name must be defused in CSV
    coding = code_span(version, coder=coder, code=code, start=0, end=5)
    CodingAssignment.objects.create(
        transcript=transcript, transcript_version=version, coder=coder, status="done", finished_at=coding.created_at
    )
    make_transcript(study, language="en")
    return study


def read_csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


def test_the_archive_holds_every_format_codebook_tables_and_summaries(archived_study: Study, owner: User) -> None:
    _, data = built(archived_study, owner)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    for fmt in format_names():
        assert len([n for n in names if n.startswith(f"transcripts/{fmt}/")]) == 2, fmt
    srt_name = next(n for n in names if n.endswith(".srt"))
    assert "[NAME-1]" in next(iter(srt.parse(archive.read(srt_name).decode()))).content
    docx_name = next(n for n in names if n.endswith(".docx"))
    assert any("[PLACE-1]" in p.text for p in Document(io.BytesIO(archive.read(docx_name))).paragraphs)
    assert {"codebook/codebook.csv", "codebook/codebook.qdc", "agreement.json", "methods.md"} <= set(names)
    assert b"Maria" not in data
    assert b"never exported" not in data
    [coding] = read_csv(archive, "codings.csv")
    assert coding["code_name"] == "'=Trust"
    assert coding["text"] == "Hello"
    [excerpt] = read_csv(archive, "excerpts.csv")
    assert excerpt["time_start"] == "0.0"
    people = read_csv(archive, "participants.csv")
    assert {"participant", "region", "gender"} <= set(people[0])
    assert "story" not in people[0]


def test_the_data_dictionary_describes_every_column_of_every_table(archived_study: Study, owner: User) -> None:
    archive = zipfile.ZipFile(io.BytesIO(built(archived_study, owner)[1]))
    described = {(row["file"], row["column"]) for row in read_csv(archive, "data_dictionary.csv")}
    for table in ("codings.csv", "excerpts.csv", "participants.csv"):
        for column in read_csv(archive, table)[0]:
            assert (table, column) in described, (table, column)
    segment_csv = next(n for n in archive.namelist() if n.startswith("transcripts/csv/"))
    for column in read_csv(archive, segment_csv)[0]:
        assert ("transcripts/csv/*.csv", column) in described


def test_the_methods_summary_is_computed_from_the_data(archived_study: Study, owner: User) -> None:
    archive = zipfile.ZipFile(io.BytesIO(built(archived_study, owner)[1]))
    figures = json.loads(archive.read("methods.json"))
    assert figures["transcripts"] == 2
    assert figures["total_duration_seconds"] == 16.0
    assert figures["median_duration_seconds"] == 8.0
    assert figures["languages"] == {"es": 1, "en": 1}
    assert figures["engines"] == ["faster-whisper 1.2.1 (base)"]
    assert figures["share_double_coded"] == 0.0
    assert "16.0 min" not in archive.read("methods.md").decode()
    assert "0.3 min in total" in archive.read("methods.md").decode()


def test_the_methods_summary_counts_only_finished_coding(study: Study, coder: User, researcher: User) -> None:
    first, second = make_transcript(study), make_transcript(study)
    assigned = [
        CodingAssignment.objects.create(transcript=t, transcript_version=t.versions.get(number=2), coder=person)
        for t, person in ((first, coder), (first, researcher), (second, coder))
    ]
    start_assignment(assignment=assigned[0])
    exported = [first.pk, second.pk]
    figures = methods_figures(study, exported=exported)
    assert (figures["transcripts_coded"], figures["share_double_coded"]) == (0, None)
    assert "Coding: 0 transcripts coded; none double-coded." in methods_text(study, figures)
    finish_assignment(assignment=assigned[0])
    assert methods_figures(study, exported=exported)["share_double_coded"] == 0.0
    finish_assignment(assignment=assigned[1])
    figures = methods_figures(study, exported=exported)
    assert (figures["transcripts_coded"], figures["share_double_coded"]) == (1, 1.0)
    assert "Coding: 1 transcripts coded; 100% double-coded." in methods_text(study, figures)


def test_the_task_is_sent_after_commit_and_a_second_run_builds_nothing(
    archived_study: Study, owner: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        job = request_export(study=archived_study, user=owner, kind="qdpx")
    assert len(callbacks) == 1
    run_export(job.pk)
    first = ExportJob.objects.values().get(pk=job.pk)
    run_export(job.pk)  # a duplicated message
    assert ExportJob.objects.values().get(pk=job.pk) == first
    assert first["state"] == ExportJob.State.SUCCEEDED
    assert AuditEntry.objects.filter(action="export.built", study_id=archived_study.pk).count() == 1


def test_progress_json_then_a_signed_link_only_for_its_requester(
    archived_study: Study, owner: User, researcher: User
) -> None:
    job, data = built(archived_study, owner)
    client = Client()
    client.force_login(owner)
    page = client.get(f"/studies/{archived_study.slug}/exports/?export={job.pk}")
    assert b"exports.js" in page.content
    status = client.get(f"/studies/{archived_study.slug}/exports/{job.pk}/status.json").json()
    assert (status["status"], status["progress"]) == ("succeeded", 100)
    response = client.get(status["download_url"])
    assert b"".join(response.streaming_content) == data  # type: ignore[attr-defined]
    assert AuditEntry.objects.filter(action="export.downloaded", actor=owner).count() == 1
    other = Client()
    other.force_login(researcher)
    assert other.get(status["download_url"]).status_code == 404
    assert other.get(f"/studies/{archived_study.slug}/exports/{job.pk}/status.json").status_code == 404


def test_an_old_link_is_refused(archived_study: Study, owner: User, monkeypatch: pytest.MonkeyPatch) -> None:
    job, _ = built(archived_study, owner)
    token = selectors.download_token(job, owner)
    assert selectors.export_for_token(token, study=archived_study, user=owner) == job
    monkeypatch.setattr(selectors, "LINK_SECONDS", -1)
    assert selectors.export_for_token(token, study=archived_study, user=owner) is None
    assert selectors.export_for_token(token[:-2] + "xx", study=archived_study, user=owner) is None
    with pytest.raises(signing.BadSignature):
        signing.TimestampSigner(salt=selectors.SALT).unsign(token[:-2] + "xx")


@pytest.mark.parametrize("role", ["interviewer", "coder", "viewer"])
def test_only_owners_and_researchers_reach_the_exports_page(
    study: Study, role: str, request: pytest.FixtureRequest
) -> None:
    client = Client()
    client.force_login(request.getfixturevalue(role))
    assert client.get(f"/studies/{study.slug}/exports/").status_code == 403
    assert client.post(f"/studies/{study.slug}/exports/start/", {"kind": "archive"}).status_code == 403


def test_a_qdpx_upload_imports_its_codebook_and_reports_sources(study: Study, researcher: User) -> None:
    client = Client()
    client.force_login(researcher)
    upload = foreign_qdpx()
    upload.name = "project.qdpx"
    response = client.post(f"/studies/{study.slug}/exports/import/", {"project": upload})
    assert response.status_code == 200
    assert Code.objects.filter(study=study, name="Hope").exists()
    assert b"Field notes" in response.content
    bad = io.BytesIO(b"nope")
    bad.name = "bad.qdpx"
    response = client.post(f"/studies/{study.slug}/exports/import/", {"project": bad}, follow=True)
    assert b"a .qdpx file is a ZIP archive" in response.content


def test_a_project_of_chosen_transcripts_holds_only_those(archived_study: Study, owner: User) -> None:
    chosen = Transcript.objects.filter(recording__interview__study=archived_study).order_by("id").first()
    assert chosen is not None
    client = Client()
    client.force_login(owner)
    page = client.post(
        f"/studies/{archived_study.slug}/exports/start/", {"kind": "qdpx", "transcripts": str(chosen.pk)}
    )
    export_id = int(page["Location"].rsplit("=", 1)[1])
    run_export(export_id)
    project = read_qdpx(io.BytesIO(stored_bytes(ExportJob.objects.get(pk=export_id).storage_name)))
    assert len(list(project.sources)) == 1
    refused = client.post(f"/studies/{archived_study.slug}/exports/start/", {"kind": "qdpx", "transcripts": "1; DROP"})
    assert refused.status_code == 302
    assert "export=" not in refused["Location"]
