"""Uploads: resumable, checked by decoding, encrypted in storage, and nothing left behind on refusal."""

from __future__ import annotations

import hashlib
import io
import stat
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.models import User
from accounts.tests.factories import UserFactory
from config.media import open_decrypted
from transcription import uploads
from transcription.models import MediaFile, Recording, TranscriptionJob, Upload
from transcription.services import RecordingPlan, RecordingRefused, UploadIncomplete, add_recording
from transcription.tests import speech
from transcription.tests.jobkit import (
    consented_interview,
    private_media,
    speech_wav,
    stored_files,
    temp_files,
    upload_bytes,
)

__all__ = ["private_media"]


@pytest.fixture
def user(db: None) -> User:
    return UserFactory()


def refuse(data: bytes, user: User, media: Path) -> str:
    interview = consented_interview()
    upload = upload_bytes(interview, user, data)
    with pytest.raises(RecordingRefused) as refused:
        add_recording(interview=interview, user=user, plan=RecordingPlan(layout="mixed", upload_ids=[upload.pk]))
    assert stored_files(media) == []
    assert temp_files() == []
    assert not Upload.objects.exists()
    assert not Recording.objects.exists()
    assert not TranscriptionJob.objects.exists()
    return str(refused.value)


@pytest.mark.django_db
def test_it_refuses_a_file_that_is_not_media_and_leaves_nothing_behind(user: User, private_media: Path) -> None:
    message = refuse(b"<html><script>alert(1)</script></html>" * 100, user, private_media)
    assert "could not be decoded" in message


@pytest.mark.django_db
def test_it_refuses_a_truncated_recording_and_leaves_nothing_behind(user: User, private_media: Path) -> None:
    whole = speech_wav()
    message = refuse(whole[: len(whole) // 2], user, private_media)
    assert "incomplete" in message


@pytest.mark.django_db
def test_it_refuses_an_empty_file_before_anything_is_written(user: User, private_media: Path) -> None:
    with pytest.raises(uploads.UploadError, match="empty"):
        uploads.start_upload(interview=consented_interview(), user=user, size=0)
    assert temp_files() == []
    assert not Upload.objects.exists()


@pytest.mark.django_db
def test_it_refuses_an_oversized_file_whether_announced_or_sent(
    user: User, private_media: Path, settings: SettingsWrapper
) -> None:
    settings.MAX_UPLOAD_BYTES = 1000
    interview = consented_interview()
    with pytest.raises(uploads.UploadError, match="larger than the limit"):
        uploads.start_upload(interview=interview, user=user, size=1001)
    upload = uploads.start_upload(interview=interview, user=user, size=1000)
    with pytest.raises(uploads.UploadError, match="beyond the size"):
        uploads.append_chunk(upload=upload, offset=0, length=1001, read=io.BytesIO(b"x" * 1001).read)
    assert uploads.received_bytes(upload) == 0


@pytest.mark.django_db
def test_an_interrupted_upload_resumes_from_the_servers_offset_with_the_right_checksum(
    user: User, private_media: Path
) -> None:
    data = speech_wav()
    interview = consented_interview()
    upload = uploads.start_upload(interview=interview, user=user, size=len(data))
    uploads.append_chunk(upload=upload, offset=0, length=40_000, read=io.BytesIO(data[:40_000]).read)
    # The connection drops after 25,000 of the next chunk's 40,000 bytes.
    cut = io.BytesIO(data[40_000:65_000])
    uploads.append_chunk(upload=upload, offset=40_000, length=40_000, read=cut.read)
    with pytest.raises(UploadIncomplete):
        add_recording(interview=interview, user=user, plan=RecordingPlan(layout="mixed", upload_ids=[upload.pk]))
    with pytest.raises(uploads.OffsetMismatch) as mismatch:
        uploads.append_chunk(upload=upload, offset=80_000, length=10, read=io.BytesIO(data[80_000:80_010]).read)
    resume = mismatch.value.offset
    # Bytes in progress are private to the platform's user.
    assert stat.S_IMODE(uploads.temp_path(upload).stat().st_mode) == 0o600
    assert stat.S_IMODE(uploads.upload_dir().stat().st_mode) == 0o700
    assert resume == uploads.received_bytes(upload) == 65_000
    uploads.append_chunk(upload=upload, offset=resume, length=len(data) - resume, read=io.BytesIO(data[resume:]).read)
    recording = add_recording(interview=interview, user=user, plan=RecordingPlan("mixed", [upload.pk]))
    media_file = recording.files.get()
    assert media_file.sha256 == hashlib.sha256(data).hexdigest()
    assert media_file.byte_size == len(data)
    with open_decrypted(media_file.storage_name) as plain:
        assert plain.read() == data
    assert temp_files() == []


@pytest.mark.django_db
def test_stored_bytes_are_not_the_plaintext(user: User, private_media: Path) -> None:
    data = speech_wav()
    interview = consented_interview()
    upload = upload_bytes(interview, user, data)
    recording = add_recording(interview=interview, user=user, plan=RecordingPlan("mixed", [upload.pk]))
    (stored,) = stored_files(private_media)
    raw = stored.read_bytes()
    assert data[:4096] not in raw
    assert b"RIFF" not in raw[:64]
    assert recording.files.get().duration == pytest.approx(len(data[44:]) / 2 / speech.RATE, abs=0.05)


@pytest.mark.django_db
def test_a_stereo_file_gets_a_speaker_per_channel_and_a_queued_job(
    user: User, private_media: Path, django_capture_on_commit_callbacks: object
) -> None:
    interview = consented_interview()
    code = interview.participant.code
    data = speech.wav_bytes(speech.synthesize("Hello there."), speech.synthesize("Good morning."))
    upload = upload_bytes(interview, user, data)
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        recording = add_recording(
            interview=interview, user=user, plan=RecordingPlan("stereo", [upload.pk], ["interviewer", code])
        )
    assert [(t.channel, t.speaker) for t in recording.tracks.order_by("channel")] == [(0, "interviewer"), (1, code)]
    assert MediaFile.objects.get().channels == 2
    assert recording.jobs.get().status == TranscriptionJob.Status.QUEUED
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_a_stereo_label_for_a_mono_file_or_an_unknown_speaker_is_refused(user: User, private_media: Path) -> None:
    interview = consented_interview()
    code = interview.participant.code
    upload = upload_bytes(interview, user, speech_wav())
    with pytest.raises(RecordingRefused, match="fewer channels"):
        add_recording(interview=interview, user=user, plan=RecordingPlan("stereo", [upload.pk], ["interviewer", code]))
    upload = upload_bytes(interview, user, speech_wav())
    with pytest.raises(RecordingRefused, match="interviewer or the participant"):
        add_recording(interview=interview, user=user, plan=RecordingPlan("tracks", [upload.pk], ["Jane Doe"]))
    assert stored_files(private_media) == []
    assert temp_files() == []


@pytest.mark.django_db
def test_starting_uploads_is_rate_limited_per_person(private_media: Path, settings: SettingsWrapper) -> None:
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from studies.models import Role
    from studies.tests.factories import MembershipFactory

    cache.clear()
    settings.UPLOAD_STARTS_PER_HOUR = 2
    interview = consented_interview()
    person = MembershipFactory(study=interview.study, role=Role.INTERVIEWER).user
    client = Client()
    client.force_login(person)
    url = reverse("transcription:upload-start", args=[interview.study.slug, interview.pk])
    statuses = [client.post(url, {"size": 100}, content_type="application/json").status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert Upload.objects.filter(interview=interview).count() == 2
