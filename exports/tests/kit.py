"""Building exports in tests: the request service, then the build service run here instead of by a worker."""

from __future__ import annotations

import io
import zipfile

from accounts.models import User
from config.media import open_decrypted, walk_media
from exports.models import ExportJob
from exports.services.enqueue import request_export
from exports.services.jobs import run_export
from studies.models import Study


def built(study: Study, user: User, kind: str = "archive") -> tuple[ExportJob, bytes]:
    """Request an export, run its build here, and return its row (reloaded) and decrypted bytes."""
    job = request_export(study=study, user=user, kind=kind)
    run_export(job.pk)
    job.refresh_from_db()
    return job, stored_bytes(job.storage_name)


def stored_bytes(name: str) -> bytes:
    with open_decrypted(name) as reader:
        return reader.read()


def member_bytes(data: bytes) -> bytes:
    """Every member of a ZIP decompressed and joined, names included, and so on into ZIPs inside it (a DOCX is one):
    what a search for text inside an archive must look at."""
    pieces = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            content = archive.read(name)
            pieces += [name.encode(), member_bytes(content) if content.startswith(b"PK\x03\x04") else content]
    return b"".join(pieces)


def stored_exports() -> dict[str, bytes]:
    """Every file under exports/ in storage, decrypted: stored name -> bytes."""
    try:
        names = list(walk_media("exports"))
    except FileNotFoundError:  # nothing was ever stored
        return {}
    return {name: stored_bytes(name) for name in names}
