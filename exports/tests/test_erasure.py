"""A delete-everything withdrawal removes the person from every export of the study: after it, no file in storage
holds their pseudonym or their words (each archive opened and every member searched), and the rows say deleted."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from accounts.models import AuditEntry, User
from config.media import save_encrypted
from exports.models import ExportJob
from exports.services import jobs
from exports.services.enqueue import request_export
from exports.services.jobs import run_export
from exports.tests.kit import built, member_bytes, stored_exports
from studies.models import ContactDetails, Participant, Study
from studies.services.withdrawal import withdraw_participant
from studies.tests.factories import ParticipantFactory
from tests.exportkit import make_transcript

pytestmark = pytest.mark.django_db

# Words only the withdrawing person said, raw and redacted, distinct from everyone else's transcript.
THEIR_RAW = ("My name is Nadia Haddad and I live in Tripoli.", "The chatbot listened when my brother died.")
THEIR_REDACTED = ("My name is [NAME-2] and I live in [PLACE-2].", "The chatbot listened when my brother died.")
THEIR_WORDS = b"listened when my brother died"


@pytest.fixture
def leaving(study: Study) -> Participant:
    person = ParticipantFactory(study=study, code="P-LEAV")
    ContactDetails.objects.create(participant=person, email="nadia@example.org")
    make_transcript(study, participant=person, raw=THEIR_RAW, redacted=THEIR_REDACTED)
    make_transcript(study, participant=ParticipantFactory(study=study, code="P-STAY"))
    return person


def held_by(files: dict[str, bytes]) -> list[str]:
    """The stored exports whose content holds the person's pseudonym or words."""
    return [
        name for name, data in files.items() if b"P-LEAV" in member_bytes(data) or THEIR_WORDS in member_bytes(data)
    ]


def test_after_an_erasure_no_export_in_storage_holds_the_person(
    study: Study, owner: User, leaving: Participant, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    archive, _ = built(study, owner)
    project, _ = built(study, owner, kind="qdpx")
    legacy = io.BytesIO()
    with zipfile.ZipFile(legacy, "w", zipfile.ZIP_DEFLATED) as old:
        old.writestr("participants.csv", "participant\r\nP-LEAV\r\n")  # an archive of the cache-held era, no row
    save_encrypted(name=f"exports/{study.pk}/{'cd' * 16}.zip", source=io.BytesIO(legacy.getvalue()))
    assert len(held_by(stored_exports())) == 3  # the search finds the person before the withdrawal

    with django_capture_on_commit_callbacks(execute=True):
        withdraw_participant(participant=leaving, scope=Participant.WithdrawalScope.DELETE_ALL)

    assert stored_exports() == {}
    for job in (archive, project):
        job.refresh_from_db()
        assert (job.state, job.storage_name) == (ExportJob.State.DELETED, "")
    entry = AuditEntry.objects.get(action="exports.erased")
    assert entry.detail == {"exports": sorted([archive.pk, project.pk], reverse=True)}
    assert "study export" in mail.outbox[-1].body

    after, data = built(study, owner)  # a new archive has the others, not the person
    assert held_by({after.storage_name: data}) == []
    assert b"P-STAY" in member_bytes(data)


def test_an_export_being_built_during_the_erasure_keeps_no_file(
    study: Study, owner: User, leaving: Participant, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = request_export(study=study, user=owner, kind="qdpx")
    write_qdpx = jobs.write_qdpx

    def withdrawn_meanwhile(project: object, target: io.BufferedIOBase) -> None:
        write_qdpx(project, target)  # type: ignore[arg-type]  # the project was read with the person in it
        withdraw_participant(participant=leaving, scope=Participant.WithdrawalScope.DELETE_ALL)

    monkeypatch.setattr(jobs, "write_qdpx", withdrawn_meanwhile)
    run_export(job.pk)

    job.refresh_from_db()
    assert job.state == ExportJob.State.DELETED
    assert held_by(stored_exports()) == []


def test_withdrawing_but_keeping_the_data_leaves_the_exports(study: Study, owner: User, leaving: Participant) -> None:
    archive, _ = built(study, owner)

    withdraw_participant(participant=leaving, scope=Participant.WithdrawalScope.KEEP_DATA)

    archive.refresh_from_db()
    assert archive.state == ExportJob.State.SUCCEEDED
    assert list(stored_exports()) == [archive.storage_name]
    assert not AuditEntry.objects.filter(action="exports.erased").exists()
