"""Turning finished uploads into an encrypted Recording with labelled tracks and a queued job."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from config.media import delete_media, save_encrypted
from studies.consent import consent_allows
from studies.models import Interview
from transcription.media import MediaInfo, MediaRefused, probe_media
from transcription.models import INTERVIEWER_SPEAKER, MediaFile, Recording, Track, TranscriptionJob, Upload
from transcription.results import TranscriptionResult
from transcription.services.enqueue import enqueue_on_commit
from transcription.services.jobs import write_transcript
from transcription.services.monitor import TRANSCRIPTION_CONSENT
from transcription.uploads import discard_upload, received_bytes, temp_path

Layout = Recording.Layout


class RecordingRefused(Exception):
    """The recording cannot be accepted; the message is safe to show to the person uploading."""


class UploadIncomplete(RecordingRefused):
    """Not every byte has arrived yet: the uploads are kept so the client can resume."""


class RecordingNotStored(Exception):
    """Storage or the database failed while finishing (transient): the received bytes are kept, so finishing can
    be tried again without sending anything again. The message is safe to show."""


@dataclass(frozen=True)
class RecordingPlan:
    """What the uploader says about the files: mixed → one upload, no speakers; stereo → one upload and a
    speaker per channel (in channel order); tracks → one upload per speaker, speakers in the same order."""

    layout: str
    upload_ids: list[uuid.UUID]
    speakers: list[str] = field(default_factory=list)
    expected_speakers: int = 2
    translate_to_english: bool = False


def speaker_choices(interview: Interview) -> list[str]:
    """Labels a track or channel may carry: the interviewer, or the participant's pseudonymous code."""
    return [INTERVIEWER_SPEAKER, interview.participant.code]


def check_consent(interview: Interview) -> None:
    if not consent_allows(interview.participant, *TRANSCRIPTION_CONSENT):
        raise RecordingRefused(
            _("The participant's current consent does not include audio recording and automatic transcription.")
        )


def add_recording(*, interview: Interview, user: User, plan: RecordingPlan) -> Recording:
    """Validate (by decoding), encrypt and store finished uploads as a Recording, and queue its job on commit.

    The caller has checked the role. On refusal nothing is left behind (temporary files, stored objects, rows),
    except uploads that are merely incomplete, which stay for the client to resume. When storage or the database
    fails instead (RecordingNotStored), the uploads stay too, so that finishing again needs no byte sent again.
    """
    uploads = _uploads(interview, plan.upload_ids)
    for upload in uploads:
        if received_bytes(upload) != upload.size:
            raise UploadIncomplete(_("The upload is not complete yet; it will continue where it stopped."))
    try:
        check_consent(interview)
        _check_plan(interview, plan)
        infos = [probe_media(temp_path(upload)) for upload in uploads]
        if plan.layout == Layout.STEREO and infos[0].channels < len(plan.speakers):
            raise RecordingRefused(_("The file has fewer channels than the speakers given for them."))
        recording = _store(interview, user, plan, uploads, infos)
    except (RecordingRefused, MediaRefused) as error:
        _discard(uploads)  # the files themselves are refused: keeping them would help no one
        raise RecordingRefused(str(error)) from error
    except (OSError, DatabaseError) as error:
        raise RecordingNotStored(
            _("The recording could not be stored just now. Nothing was lost: try finishing it again in a moment.")
        ) from error
    _discard(uploads)
    return recording


def _discard(uploads: list[Upload]) -> None:
    for upload in uploads:
        discard_upload(upload)


def _uploads(interview: Interview, upload_ids: list[uuid.UUID]) -> list[Upload]:
    found = {upload.pk: upload for upload in Upload.objects.filter(interview=interview, pk__in=upload_ids)}
    if not upload_ids or len(found) != len(set(upload_ids)) or len(upload_ids) != len(set(upload_ids)):
        raise RecordingRefused(_("The uploads named do not belong to this interview."))
    return [found[upload_id] for upload_id in upload_ids]


def _check_plan(interview: Interview, plan: RecordingPlan) -> None:
    allowed = set(speaker_choices(interview))
    if any(speaker not in allowed for speaker in plan.speakers) or len(set(plan.speakers)) != len(plan.speakers):
        raise RecordingRefused(_("Each speaker must be the interviewer or the participant, once each."))
    if plan.layout == Layout.MIXED:
        ok = len(plan.upload_ids) == 1 and not plan.speakers and 1 <= plan.expected_speakers <= 10
    elif plan.layout == Layout.STEREO:
        ok = len(plan.upload_ids) == 1 and len(plan.speakers) == 2
    elif plan.layout == Layout.TRACKS:
        ok = len(plan.upload_ids) >= 2 and len(plan.speakers) == len(plan.upload_ids)
    else:
        ok = False
    if not ok:
        raise RecordingRefused(
            _(
                "A mixed or stereo recording is one file (stereo with a speaker per channel); "
                "separate tracks are one file per speaker."
            )
        )


@dataclass(frozen=True)
class StagedMedia:
    """A file on local disk that decoding accepted (`info` is what decoding found), ready for storage."""

    path: Path
    size: int
    info: MediaInfo


@dataclass(frozen=True)
class StoredMedia:
    """A staged file encrypted into storage under a random name, with the SHA-256 of its plaintext."""

    staged: StagedMedia
    storage_name: str
    sha256: str


@contextmanager
def stored_media(files: Sequence[StagedMedia]) -> Iterator[list[StoredMedia]]:
    """Encrypt the files into storage; should the block raise (a refusal, a rolled-back transaction), the
    stored objects are deleted again, so nothing is left behind in storage."""
    stored: list[StoredMedia] = []
    try:
        for staged in files:
            stored.append(_encrypt(staged))
        yield stored
    except BaseException:
        for item in stored:
            delete_media(item.storage_name)
        raise


def _store(
    interview: Interview, user: User, plan: RecordingPlan, uploads: list[Upload], infos: list[MediaInfo]
) -> Recording:
    staged = [StagedMedia(temp_path(upload), upload.size, info) for upload, info in zip(uploads, infos, strict=True)]
    with stored_media(staged) as stored, transaction.atomic():
        return create_recording_rows(interview=interview, user=user, plan=plan, files=stored)


def _encrypt(staged: StagedMedia) -> StoredMedia:
    """Encrypt the file into storage, hashing the plaintext on the way (one pass for both)."""
    digest = hashlib.sha256()
    with staged.path.open("rb") as plain:
        source = _HashingReader(plain, digest)
        # The name carries no participant data: a random id only.
        name = save_encrypted(name=f"recordings/{uuid.uuid4().hex}.bin", source=cast(IO[bytes], source))
    return StoredMedia(staged, name, digest.hexdigest())


def create_recording_rows(
    *, interview: Interview, user: User | None, plan: RecordingPlan, files: list[StoredMedia]
) -> Recording:
    """The Recording, its MediaFiles and Tracks as the plan lays them out, and its job, sent on commit.

    Call inside the transaction that owns the stored files (see `stored_media`); the plan has been checked.
    """
    recording = Recording.objects.create(
        interview=interview,
        layout=plan.layout,
        uploaded_by=user,
        expected_speakers=plan.expected_speakers if plan.layout == Layout.MIXED else len(plan.speakers),
        translate_to_english=plan.translate_to_english,
    )
    media = [
        MediaFile.objects.create(
            recording=recording,
            storage_name=item.storage_name,
            byte_size=item.staged.size,
            sha256=item.sha256,
            duration=item.staged.info.duration,
            channels=item.staged.info.channels,
            sample_rate=item.staged.info.sample_rate,
            codec=item.staged.info.codec[:32],
            container=item.staged.info.container[:64],
        )
        for item in files
    ]
    if plan.layout == Layout.MIXED:
        Track.objects.create(recording=recording, media_file=media[0])
    elif plan.layout == Layout.STEREO:
        for channel, speaker in enumerate(plan.speakers):
            Track.objects.create(recording=recording, media_file=media[0], channel=channel, speaker=speaker)
    else:
        for media_file, speaker in zip(media, plan.speakers, strict=True):
            Track.objects.create(recording=recording, media_file=media_file, speaker=speaker)
    job = TranscriptionJob.objects.create(recording=recording)
    enqueue_on_commit(job.id)
    return recording


class _HashingReader(io.RawIOBase):
    """Reads through to a file while feeding every byte to a hash (one pass for hashing and encrypting)."""

    def __init__(self, source: IO[bytes], digest: hashlib._Hash) -> None:
        super().__init__()
        self._source, self._digest = source, digest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self._digest.update(data)
        return data


def add_transcribed_recording(
    *, interview: Interview, user: User | None, result: TranscriptionResult, layout: str = Recording.Layout.STEREO
) -> Recording:
    """A recording known by its transcript alone, written elsewhere (the demo study's seeds): no audio file and no
    job; version 1 is `result`. The participant's consent to transcription is checked as for an upload."""
    check_consent(interview)
    with transaction.atomic():
        recording = Recording.objects.create(interview=interview, layout=layout, uploaded_by=user)
        write_transcript(recording, result)
    return recording
