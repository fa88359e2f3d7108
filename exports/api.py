"""Transcript exports of the REST API: /api/v1/studies/<slug>/transcripts/<id>/export/ (`api:transcript-export`).

One transcript as a file in any format of `exports.formats`, in the version the caller reads (`review.sources`):
redacted by default, `?raw=true` only for owners and researchers; every export is audit-logged. The transcripts
resource itself (list, detail, segments) is review's (`review.api`); config/routers.py registers this viewset
beside it under the same prefix and basename, so clients and the schema see one resource.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.utils import extend_schema_view as schema_view
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.request import Request

from accounts.audit import record_event
from config.api import ERROR_SCHEMA
from exports.formats import FORMATS, UnknownFormat, filename, format_by_name, format_for_accept, format_names
from exports.formats.stored import export_document
from review.api import RAW, raw_requested, readable_version, study_transcripts
from studies.api import SLUG
from transcription.api import StudyScoped
from transcription.models import Transcript

FORMAT = OpenApiParameter(
    "format",
    str,
    enum=format_names(),
    description="The file format; otherwise the Accept header decides (JSON for */*).",
)
EXPORT_RESPONSES: dict[Any, Any] = {(200, fmt.media_type): OpenApiResponse(OpenApiTypes.BINARY) for fmt in FORMATS}
EXPORT_RESPONSES[406] = OpenApiResponse(ERROR_SCHEMA, description="No known format matches; the message lists them.")


@extend_schema(parameters=[SLUG])
@schema_view(export=extend_schema(parameters=[FORMAT, RAW], responses=EXPORT_RESPONSES))
class TranscriptExportViewSet(StudyScoped):
    """A transcript of the study as a file (the `export` action of the transcripts resource)."""

    def get_queryset(self) -> QuerySet[Transcript]:
        if getattr(self, "swagger_fake_view", False):
            return Transcript.objects.none()
        return study_transcripts(self.membership)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # `format` and Accept name a transcript format here, not one of DRF's renderers (errors still render JSON).
        return super().perform_content_negotiation(request, force=force or self.action == "export")

    @action(detail=True, methods=["get"])
    def export(self, request: Request, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        """The transcript as a file: JSON, plain text, SRT, WebVTT, DOCX or CSV (streamed)."""
        try:
            name = request.query_params.get("format") or kwargs.get("format")  # ?format=srt or …/export.srt
            fmt = format_by_name(name) if name is not None else format_for_accept(request.headers.get("Accept"))
        except UnknownFormat as error:
            raise exceptions.NotAcceptable(str(error)) from error
        transcript = self.get_object()
        version = readable_version(request, self.membership, transcript)
        document = export_document(
            version,
            title=transcript.recording.interview.participant.code,
            language=transcript.language,
            redacted=not raw_requested(request),
        )
        record_event(
            action="api.transcript.exported",
            request=request._request,
            study_id=self.membership.study_id,
            target=version,
            detail={"format": fmt.name, "raw": not document.redacted},
        )
        response = StreamingHttpResponse(fmt.write(document), content_type=fmt.content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename(fmt, document)}"'
        return response
