"""Retention deletes exactly what each study's settings say, and nothing else; a second run deletes nothing."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import AuditEntry
from config.media import save_encrypted
from review.models import Approval
from review.tests.factories import machine_transcript
from studies.models import ContactDetails, Study
from studies.services.retention import apply_retention
from studies.tests.factories import ParticipantFactory, StudyFactory
from transcription.models import MediaFile, Transcript
from transcription.tests.factories import MediaFileFactory
from transcription.tests.jobkit import private_media

__all__ = ["private_media"]
pytestmark = pytest.mark.django_db
NOW = timezone.now()


def stored_transcript(study: Study, *, approved_days_ago: int | None) -> tuple[Transcript, str]:
    transcript = machine_transcript(study, ["Some words."])
    name = save_encrypted(name="recordings/retention.enc", source=io.BytesIO(b"audio" * 100))
    MediaFileFactory(recording=transcript.recording, storage_name=name, byte_size=500)
    if approved_days_ago is not None:
        approval = Approval.objects.create(transcript=transcript, version=transcript.versions.get())
        Approval.objects.filter(pk=approval.pk).update(created_at=NOW - timedelta(days=approved_days_ago))
    return transcript, name


def test_raw_audio_goes_only_after_the_retention_period_following_approval(
    private_media: Path, django_capture_on_commit_callbacks: object
) -> None:
    study = StudyFactory(raw_audio_retention_days=30)
    _old, old_name = stored_transcript(study, approved_days_ago=31)
    _recent, recent_name = stored_transcript(study, approved_days_ago=5)
    _unapproved, unapproved_name = stored_transcript(study, approved_days_ago=None)
    _elsewhere, elsewhere_name = stored_transcript(StudyFactory(), approved_days_ago=400)

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        report = apply_retention(now=NOW)

    assert (report.recordings_purged, report.files_deleted) == (1, 1)
    assert not default_storage.exists(old_name)
    assert not MediaFile.objects.filter(storage_name=old_name).exists()
    for kept in (recent_name, unapproved_name, elsewhere_name):
        assert default_storage.exists(kept)
        assert MediaFile.objects.filter(storage_name=kept).exists()
    assert Transcript.objects.count() == 4  # the text stays; only the voice goes
    assert AuditEntry.objects.get(action="retention.raw_audio_deleted").detail == {"recordings": 1, "files": 1}
    assert apply_retention(now=NOW).files_deleted == 0


def test_contact_details_go_only_after_the_study_has_been_closed_long_enough() -> None:
    closed_long_ago = StudyFactory(
        status=Study.Status.CLOSED, contact_retention_days=10, closed_at=NOW - timedelta(days=11)
    )
    closed_lately = StudyFactory(
        status=Study.Status.CLOSED, contact_retention_days=10, closed_at=NOW - timedelta(days=3)
    )
    recruiting = StudyFactory(contact_retention_days=0)
    just_closed = StudyFactory(status=Study.Status.CLOSED, contact_retention_days=1)
    for study in (closed_long_ago, closed_lately, recruiting, just_closed):
        ContactDetails.objects.create(participant=ParticipantFactory(study=study), email="someone@example.org")

    report = apply_retention(now=NOW)

    assert report.contacts_deleted == 1
    assert not ContactDetails.objects.filter(participant__study=closed_long_ago).exists()
    assert ContactDetails.objects.filter(participant__study=closed_lately).exists()
    assert ContactDetails.objects.filter(participant__study=recruiting).exists()
    just_closed.refresh_from_db()
    assert just_closed.closed_at == NOW  # the period starts when a sweep first sees it closed
    assert ContactDetails.objects.filter(participant__study=just_closed).exists()
    assert apply_retention(now=NOW + timedelta(days=1, minutes=1)).contacts_deleted == 1
    assert AuditEntry.objects.filter(action="retention.contacts_deleted").count() == 2


def test_an_archived_study_keeps_its_close_time_and_its_contact_details_still_go() -> None:
    archived = StudyFactory(status=Study.Status.ARCHIVED, contact_retention_days=10, closed_at=NOW - timedelta(days=11))
    ContactDetails.objects.create(participant=ParticipantFactory(study=archived), email="someone@example.org")
    assert apply_retention(now=NOW).contacts_deleted == 1
    archived.refresh_from_db()
    assert archived.closed_at == NOW - timedelta(days=11)  # archiving does not restart or stop the clock
    assert not ContactDetails.objects.filter(participant__study=archived).exists()
