"""Streaming a recording to the team's player: decrypted on the fly, HTTP Range supported, every access audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import cast

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from accounts.audit import record_event
from config.crypto import DecryptingReader
from config.media import open_decrypted
from studies.models import StudyMembership
from studies.permissions import study_role
from transcription.media import content_type_for
from transcription.models import MediaFile
from transcription.views.roles import LISTENERS

PIECE = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | bool | None:
    """(first, last) byte of a single satisfiable range; None for no (or an ignored multi-) range; False when
    the range cannot be satisfied (416)."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None  # several ranges or another unit: send the whole file, as RFC 9110 allows
    first, last = match.groups()
    if not first and not last:
        return False
    if not first:
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    return (start, end) if start <= end and start < size else False


def _stream(reader: DecryptingReader, start: int, end: int) -> Iterator[bytes]:
    try:
        reader.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            piece = reader.read(min(PIECE, remaining))
            if not piece:
                return
            remaining -= len(piece)
            yield piece
    finally:
        reader.close()


@require_GET
@study_role(*LISTENERS)
def media(request: HttpRequest, membership: StudyMembership, file_id: int) -> HttpResponse:
    media_file = get_object_or_404(MediaFile, id=file_id, recording__interview__study=membership.study)
    reader = open_decrypted(media_file.storage_name)
    wanted = parse_range(request.headers.get("Range"), reader.size)
    if wanted is False:
        reader.close()
        return HttpResponse(status=416, headers={"Content-Range": f"bytes */{reader.size}"})
    start, end = wanted if isinstance(wanted, tuple) else (0, reader.size - 1)
    record_event(
        action="recording.streamed",
        request=request,
        study_id=membership.study_id,
        target=media_file,
        detail={"first_byte": start, "last_byte": end},
    )
    response = StreamingHttpResponse(
        _stream(reader, start, end), status=206 if wanted else 200, content_type=content_type_for(media_file.container)
    )
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{reader.size}"
    # Never rendered as a page: a download if opened directly, sandboxed, never cached.
    response["Content-Disposition"] = f'attachment; filename="recording-{media_file.id}"'
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    # studies.permissions types views as returning HttpResponse; a streaming response serves the same purpose.
    return cast(HttpResponse, response)
