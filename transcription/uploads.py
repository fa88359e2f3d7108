"""Resumable uploads: bytes arrive in chunks at known offsets and are appended to a private temporary file.

The protocol (views in transcription/views/uploads.py, client in static/transcription/upload.js):
    POST  …/uploads/            {"size": N}               → {"id", "offset": 0, "chunk_size"}
    PUT   …/uploads/<id>/?offset=K   body = the next bytes → {"offset": K + len(body)}
    GET   …/uploads/<id>/                                   → {"offset"}   (how much arrived: resume from here)
    POST  …/recordings/         {"layout", "uploads", …}   → the recording and its transcription job
The server's file length is the truth about what arrived: a chunk cut off mid-way leaves a shorter file,
and the client resumes from whatever offset the server reports.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from studies.models import Interview
from transcription.models import Upload

READ_PIECE = 64 * 1024


class UploadError(Exception):
    """A refused upload request; the message is safe to show to the person uploading."""


class OffsetMismatch(UploadError):
    """The chunk does not start where the received bytes end; the client should resume from `offset`."""

    def __init__(self, offset: int) -> None:
        super().__init__(_("The upload continues at byte %(offset)d.") % {"offset": offset})
        self.offset = offset


def upload_dir() -> Path:
    """The private folder for uploads in progress (created 0700; files inside are 0600)."""
    folder = Path(settings.UPLOAD_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def temp_path(upload: Upload) -> Path:
    return upload_dir() / f"{upload.pk}.part"


def received_bytes(upload: Upload) -> int:
    path = temp_path(upload)
    return path.stat().st_size if path.exists() else 0


def check_size(size: int) -> None:
    if size <= 0:
        raise UploadError(_("The file is empty."))
    if size > settings.MAX_UPLOAD_BYTES:
        limit = settings.MAX_UPLOAD_BYTES / 1024**3
        raise UploadError(_("The file is larger than the limit of %(limit).1f GB.") % {"limit": limit})


def start_upload(*, interview: Interview, user: User, size: int) -> Upload:
    """Open an upload of `size` bytes for `interview`; the caller has checked the role and the consent."""
    check_size(size)
    with transaction.atomic():
        upload = Upload.objects.create(interview=interview, created_by=user, size=size)
        descriptor = os.open(temp_path(upload), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(descriptor)
    return upload


def append_chunk(*, upload: Upload, offset: int, length: int, read: Callable[[int], bytes]) -> int:
    """Append the next `length` bytes (pulled through `read`, a piece at a time) at `offset`; returns the new
    received size. Never holds more than one piece in memory; a second writer at the same time is refused."""
    if length <= 0 or length > settings.UPLOAD_CHUNK_BYTES:
        raise UploadError(_("A chunk must hold between 1 and %(most)d bytes.") % {"most": settings.UPLOAD_CHUNK_BYTES})
    path = temp_path(upload)
    if not path.exists():
        raise UploadError(_("This upload is no longer available; please start again."))
    with path.open("ab") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise UploadError(_("Another request is writing to this upload.")) from error
        current = os.fstat(handle.fileno()).st_size  # after the lock: another writer may have just appended
        if offset != current:
            raise OffsetMismatch(current)
        if offset + length > upload.size:
            raise UploadError(_("The chunk goes beyond the size announced for the file."))
        remaining = length
        while remaining:
            piece = read(min(READ_PIECE, remaining))[:remaining]
            if not piece:
                break  # the client went away: what arrived is kept, the next request resumes after it
            handle.write(piece)
            remaining -= len(piece)
        handle.flush()
        received = os.fstat(handle.fileno()).st_size
    Upload.objects.filter(pk=upload.pk).update(updated_at=timezone.now())  # keeps it from expiring
    return received


def discard_upload(upload: Upload) -> None:
    """Remove an upload's temporary file and its row (after success and after refusal alike)."""
    temp_path(upload).unlink(missing_ok=True)
    Upload.objects.filter(pk=upload.pk).delete()


def discard_expired_uploads() -> int:
    """Remove uploads abandoned for longer than UPLOAD_EXPIRY_HOURS, and temporary files of the same age whose
    row is gone (an interview deleted around them); returns how many uploads and files went."""
    cutoff = timezone.now() - timedelta(hours=settings.UPLOAD_EXPIRY_HOURS)
    expired = list(Upload.objects.filter(updated_at__lt=cutoff))
    for upload in expired:
        discard_upload(upload)
    known = {str(pk) for pk in Upload.objects.values_list("pk", flat=True)}
    orphans = [
        path
        for path in upload_dir().glob("*.part")
        if path.stem not in known and path.stat().st_mtime < cutoff.timestamp()
    ]
    for path in orphans:
        path.unlink(missing_ok=True)
    return len(expired) + len(orphans)
