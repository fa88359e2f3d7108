"""The transcripts resource of the REST API, under /api/v1/studies/<slug>/transcripts/.

Transcripts, the detail with the version the caller reads, and that version's segments with words. Text is always
the version review lets the role read (`review.sources`): redacted by default; `?raw=true` only for owners and
researchers, and every raw read is audit-logged. A transcript's export as a file is the exports app's
(`exports.api`), registered beside these under the same prefix and basename (config/routers.py).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from drf_spectacular.utils import extend_schema_view as schema_view
from rest_framework import exceptions, mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.audit import record_event
from config.api import StableCursorPagination
from review.sources import RawNotAllowed, version_for
from studies.api import LANGUAGE, SLUG, UPDATED_SINCE, language_param
from studies.models import StudyMembership
from transcription.api import StudyScoped, filtered_rows, status_parameter
from transcription.models import Segment, Transcript, TranscriptVersion

RAW = OpenApiParameter(
    "raw", OpenApiTypes.BOOL, description="Raw (unredacted) text: owners and researchers only; audit-logged."
)


def raw_requested(request: Request) -> bool:
    raw = request.query_params.get("raw", "false")
    if raw not in ("true", "false"):
        raise exceptions.ValidationError({"raw": ["Give true or false."]})
    return raw == "true"


class TranscriptSerializer(serializers.ModelSerializer[Transcript]):
    interview = serializers.IntegerField(source="recording.interview_id", read_only=True)
    participant = serializers.CharField(source="recording.interview.participant.code", read_only=True)
    status = serializers.CharField(source="state", read_only=True)

    class Meta:
        model = Transcript
        fields = (
            "id",
            "recording",
            "interview",
            "participant",
            "status",
            "language",
            "language_probability",
            "has_speech",
            "duration",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class VersionSerializer(serializers.ModelSerializer[TranscriptVersion]):
    redacted = serializers.SerializerMethodField()

    class Meta:
        model = TranscriptVersion
        fields = ("id", "number", "engine", "model_name", "redacted", "created_at")
        read_only_fields = fields

    def get_redacted(self, version: TranscriptVersion) -> bool:
        return not self.context.get("raw", False)


class TranscriptDetailSerializer(TranscriptSerializer):
    version = serializers.SerializerMethodField()

    class Meta(TranscriptSerializer.Meta):
        fields: tuple[str, ...] = (*TranscriptSerializer.Meta.fields, "version")  # type: ignore[assignment]
        read_only_fields = fields  # type: ignore[assignment]

    @extend_schema_field(VersionSerializer(allow_null=True))
    def get_version(self, transcript: Transcript) -> dict[str, Any] | None:
        version = self.context.get("version")
        return None if version is None else VersionSerializer(version, context=self.context).data


class SegmentSerializer(serializers.ModelSerializer[Segment]):
    words = serializers.ListField(child=serializers.DictField(child=serializers.JSONField()), read_only=True)
    flags = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Segment
        fields = ("index", "start", "end", "speaker", "language", "text", "flags", "words")
        read_only_fields = fields


def readable_version(request: Request, membership: StudyMembership, transcript: Transcript) -> TranscriptVersion:
    """The version this caller may read (404 when none is approved for them; raw reads audit-logged)."""
    raw = raw_requested(request)
    try:
        version = version_for(transcript, role=membership.role, raw=raw)
    except RawNotAllowed as error:
        raise exceptions.PermissionDenied(str(error)) from error
    if version is None:
        raise exceptions.NotFound("This transcript has no approved version you may read yet.")
    if raw:
        record_event(
            action="api.transcript.raw_read", request=request._request, study_id=membership.study_id, target=version
        )
    return version


def study_transcripts(membership: StudyMembership) -> QuerySet[Transcript]:
    return Transcript.objects.filter(recording__interview__study_id=membership.study_id).select_related(
        "recording__interview__participant"
    )


# The list's rows in TranscriptSerializer's shape, read as values: the list is what sync scripts poll, and model
# instances with a serializer per row cost several times the query. tests/test_api_plain_path.py holds the two equal.
TRANSCRIPT_LIST_VALUES: dict[str, Any] = {
    "interview": F("recording__interview_id"),
    "participant": F("recording__interview__participant__code"),
    "status": F("state"),
}
TRANSCRIPT_LIST_FIELDS = (
    "id",
    "recording",
    "language",
    "language_probability",
    "has_speech",
    "duration",
    "created_at",
    "updated_at",
)


@extend_schema(parameters=[SLUG])
@schema_view(
    list=extend_schema(parameters=[status_parameter(list(Transcript.State.values)), LANGUAGE, UPDATED_SINCE]),
    retrieve=extend_schema(parameters=[RAW], responses=TranscriptDetailSerializer),
)
class TranscriptViewSet(StudyScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Transcripts; the detail carries the version the caller reads (redacted unless `raw=true`)."""

    serializer_class = TranscriptSerializer

    def get_queryset(self) -> QuerySet[Transcript]:
        if getattr(self, "swagger_fake_view", False):
            return Transcript.objects.none()
        rows = study_transcripts(self.membership)
        if self.action != "list":
            return rows
        language = language_param(self.request)
        rows = rows.filter(language=language) if language else rows
        return filtered_rows(self.request, rows, status_field="state", statuses=tuple(Transcript.State.values))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = self.get_queryset().values(*TRANSCRIPT_LIST_FIELDS, **TRANSCRIPT_LIST_VALUES)
        return self.get_paginated_response(self.paginate_queryset(rows))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        transcript = self.get_object()
        version = readable_version(request, self.membership, transcript)
        context = {**self.get_serializer_context(), "version": version, "raw": raw_requested(request)}
        return Response(TranscriptDetailSerializer(transcript, context=context).data)


class SegmentPagination(StableCursorPagination):
    ordering = "index"


@extend_schema(parameters=[SLUG, OpenApiParameter("transcript_id", int, OpenApiParameter.PATH), RAW])
class SegmentViewSet(StudyScoped, mixins.ListModelMixin):
    """Segments (with words) of the version of one transcript the caller reads, in order."""

    serializer_class = SegmentSerializer
    pagination_class = SegmentPagination

    def get_queryset(self) -> QuerySet[Segment]:
        if getattr(self, "swagger_fake_view", False):
            return Segment.objects.none()
        transcript = get_object_or_404(study_transcripts(self.membership), pk=self.kwargs["transcript_id"])
        version = readable_version(self.request, self.membership, transcript)
        return Segment.objects.filter(version=version)
