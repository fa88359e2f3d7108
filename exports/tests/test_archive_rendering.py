"""The study archive as the worker builds it: outside a transaction, the next transcript is rendered on a second
thread with its own connection while this one is compressed, with the cyclic garbage collector paused."""

from __future__ import annotations

import gc
import io
import json
import zipfile

import pytest
from docx import Document

from accounts.models import User
from exports.archive import build
from exports.models import ExportJob
from exports.services.jobs import ExportFailed
from exports.tests.kit import built
from studies.models import Study
from studies.tests.factories import InterviewFactory, ParticipantFactory
from tests.exportkit import make_transcript
from transcription.models import Recording, Transcript

# The rendering thread opens its own connection, which cannot see rows of an open test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def test_outside_a_transaction_every_readable_transcript_is_rendered_in_order(
    study: Study, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "COLLECT_EVERY", 2)  # the periodic collection runs too
    transcripts = [make_transcript(study, language=language) for language in ("es", "en", "fr", "en")]
    unreadable = Transcript.objects.create(
        recording=Recording.objects.create(
            interview=InterviewFactory(study=study, participant=ParticipantFactory(study=study))
        ),
        language="en",
    )  # no version yet: nothing to export

    _, data = built(study, owner)

    archive = zipfile.ZipFile(io.BytesIO(data))
    documents = [n for n in archive.namelist() if n.startswith("transcripts/json/")]
    expected = [f"interview-{t.recording.interview_id}" for t in transcripts]
    assert [next(e for e in expected if e in name) for name in documents] == expected
    assert all(f"interview-{unreadable.recording.interview_id}" not in n for n in archive.namelist())
    languages = [json.loads(archive.read(name))["language"] for name in documents]
    assert languages == ["es", "en", "fr", "en"]
    assert json.loads(archive.read("methods.json"))["transcripts"] == 4
    assert gc.isenabled()


def test_word_documents_are_stored_as_they_are_and_the_text_formats_compressed(study: Study, owner: User) -> None:
    make_transcript(study)

    _, data = built(study, owner)

    archive = zipfile.ZipFile(io.BytesIO(data))
    kinds = {info.filename.rsplit(".", 1)[-1]: info.compress_type for info in archive.infolist()}
    assert kinds["docx"] == zipfile.ZIP_STORED  # a DOCX is a ZIP already
    assert kinds["json"] == kinds["srt"] == kinds["csv"] == zipfile.ZIP_DEFLATED
    docx_name = next(n for n in archive.namelist() if n.endswith(".docx"))
    assert any("[PLACE-1]" in p.text for p in Document(io.BytesIO(archive.read(docx_name))).paragraphs)


def test_the_collector_is_switched_back_on_when_rendering_fails(
    study: Study, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_transcript(study)

    def broken(transcript: Transcript) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(build, "_rendered", broken)
    with pytest.raises(ExportFailed):
        built(study, owner)
    assert gc.isenabled()
    assert ExportJob.objects.get(study=study).error == ExportJob.Error.WRITE_FAILED
