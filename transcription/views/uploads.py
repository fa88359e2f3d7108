"""The resumable upload endpoints (protocol in transcription/uploads.py); JSON in, JSON out.

Errors are JSON with a readable "error": 400 for bad input, 409 with the server's "offset" when a chunk does
not continue where the received bytes end, 413 for a file over the limit.
"""

from __future__ import annotations

import json
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from studies.models import StudyMembership
from studies.permissions import study_role
from transcription import services, uploads
from transcription.models import Upload
from transcription.views.pages import interview_of
from transcription.views.roles import UPLOADERS

FINISH_BODY_LIMIT = 16 * 1024


def _within_start_limit(user_id: object) -> bool:
    """At most UPLOAD_STARTS_PER_HOUR new uploads per person per clock hour (a runaway script or a stolen
    session cannot fill the private upload folder)."""
    key = f"upload-starts:{user_id}:{int(time.time() // 3600)}"
    cache.add(key, 0, timeout=3600)
    return cache.incr(key) <= settings.UPLOAD_STARTS_PER_HOUR


def _error(message: str, status: int = 400, **extra: object) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _json(request: HttpRequest) -> dict[str, object] | None:
    if len(request.body) > FINISH_BODY_LIMIT:
        return None
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _int(value: object) -> int | None:
    """A non-negative integer from JSON or a query string, else None (never an exception)."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 <= number < 2**63 else None


@require_POST
@study_role(*UPLOADERS)
def start(request: HttpRequest, membership: StudyMembership, interview_id: int) -> JsonResponse:
    interview = interview_of(membership, interview_id)
    if not _within_start_limit(request.user.pk):
        return _error(_("Too many uploads were started in the last hour. Wait a little and try again."), 429)
    data = _json(request)
    size = _int(data.get("size")) if data else None
    if size is None:
        return _error(_("Say the file's size in bytes."))
    try:
        services.check_consent(interview)
        upload = uploads.start_upload(interview=interview, user=request.user, size=size)  # type: ignore[arg-type]
    except services.RecordingRefused as error:
        return _error(str(error), 403)
    except uploads.UploadError as error:
        return _error(str(error), 413 if size > settings.MAX_UPLOAD_BYTES else 400)
    return JsonResponse({"id": str(upload.pk), "offset": 0, "chunk_size": settings.UPLOAD_CHUNK_BYTES}, status=201)


@require_http_methods(["GET", "PUT"])
@study_role(*UPLOADERS)
def chunk(request: HttpRequest, membership: StudyMembership, interview_id: int, upload_id: uuid.UUID) -> JsonResponse:
    interview = interview_of(membership, interview_id)
    upload = get_object_or_404(Upload, pk=upload_id, interview=interview)
    if request.method == "GET":
        return JsonResponse({"id": str(upload.pk), "offset": uploads.received_bytes(upload), "size": upload.size})
    offset, length = _int(request.GET.get("offset")), _int(request.headers.get("Content-Length"))
    if offset is None or length is None:
        return _error(_("Give the chunk's offset and length."))
    try:
        received = uploads.append_chunk(upload=upload, offset=offset, length=length, read=request.read)
    except uploads.OffsetMismatch as error:
        return _error(str(error), 409, offset=error.offset)
    except uploads.UploadError as error:
        return _error(str(error))
    return JsonResponse({"id": str(upload.pk), "offset": received, "size": upload.size})


@require_POST
@study_role(*UPLOADERS)
def finish(request: HttpRequest, membership: StudyMembership, interview_id: int) -> JsonResponse:
    interview = interview_of(membership, interview_id)
    plan = _plan(_json(request))
    if plan is None:
        return _error(_("The request does not describe a recording."))
    try:
        recording = services.add_recording(interview=interview, user=request.user, plan=plan)  # type: ignore[arg-type]
    except services.UploadIncomplete as error:
        return _error(str(error), 409)
    except services.RecordingRefused as error:
        return _error(str(error))
    except services.RecordingNotStored as error:
        response = _error(str(error), 503, retry=True)
        response["Retry-After"] = "30"
        return response
    return JsonResponse({"recording": recording.id, "job": recording.jobs.get().id}, status=201)


def _plan(data: dict[str, object] | None) -> services.RecordingPlan | None:
    if data is None:
        return None
    layout, ids, speakers = data.get("layout"), data.get("uploads"), data.get("speakers", [])
    expected = _int(data.get("expected_speakers", 2))
    if not isinstance(layout, str) or not isinstance(ids, list) or not isinstance(speakers, list) or expected is None:
        return None
    if len(ids) > 8 or not all(isinstance(item, str) for item in [*ids, *speakers]):
        return None
    try:
        upload_ids = [uuid.UUID(item) for item in ids]
    except ValueError:
        return None
    translate = data.get("translate_to_english", False)
    if not isinstance(translate, bool):
        return None
    return services.RecordingPlan(layout, upload_ids, [str(s) for s in speakers], expected, translate)
