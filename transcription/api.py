"""Transcription resources of the REST API, under /api/v1/studies/<slug>/.

Interviews, recordings (metadata; playback links only for roles that may listen), transcription jobs, transcripts,
their segments with words, and transcript exports in every format of `transcription.formats`. Every endpoint checks
the study role through StudyRolePermission (outsiders get 404). Transcript text is the version the review app lets
the role read (`transcription.archive.sources`): redacted by default; `?raw=true` only for owners and researchers,
and every raw read and every export is audit-logged.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from drf_spectacular.utils import extend_schema_view as schema_view
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.audit import record_event
from config.api import ERROR_SCHEMA, StableCursorPagination
from config.sqlrows import KeysetRows, iso_datetime, table_names
from studies.api import LANGUAGE, SLUG, UPDATED_SINCE, choice_param, language_param, membership_of, updated_since
from studies.models import Interview, Participant, StudyMembership
from studies.permissions import StudyRolePermission
from transcription.archive.sources import RawNotAllowed, export_document, version_for
from transcription.formats import FORMATS, UnknownFormat, filename, format_by_name, format_for_accept, format_names
from transcription.models import MediaFile, Recording, Segment, Transcript, TranscriptionJob, TranscriptVersion
from transcription.views.roles import LISTENERS

PERMISSIONS = [IsAuthenticated, StudyRolePermission]
RAW = OpenApiParameter(
    "raw", OpenApiTypes.BOOL, description="Raw (unredacted) text: owners and researchers only; audit-logged."
)


def _filtered(request: Request, rows: QuerySet[Any], *, status_field: str = "", statuses: tuple[str, ...] = ()) -> Any:
    """Apply the `status` and `updated_since` filters a list documents."""
    if statuses:
        status = choice_param(request, "status", list(statuses))
        rows = rows.filter(**{status_field: status}) if status else rows
    since = updated_since(request)
    return rows.filter(updated_at__gte=since) if since else rows


def _raw_requested(request: Request) -> bool:
    raw = request.query_params.get("raw", "false")
    if raw not in ("true", "false"):
        raise exceptions.ValidationError({"raw": ["Give true or false."]})
    return raw == "true"


# --- Interviews, recordings, jobs ----------------------------------------------------------------------------


class InterviewSerializer(serializers.ModelSerializer[Interview]):
    participant = serializers.CharField(source="participant.code", read_only=True)

    class Meta:
        model = Interview
        fields = (
            "id",
            "participant",
            "mode",
            "status",
            "scheduled_start",
            "duration_minutes",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


def _status(choices: list[str]) -> OpenApiParameter:
    return OpenApiParameter("status", str, enum=choices, description="Only rows in this status.")


class StudyScoped(viewsets.GenericViewSet[Any]):
    permission_classes = PERMISSIONS
    lookup_value_regex = "[0-9]+"

    @property
    def membership(self) -> StudyMembership:
        return membership_of(self.request)


@extend_schema(parameters=[SLUG])
@schema_view(list=extend_schema(parameters=[_status(list(Interview.Status.values)), UPDATED_SINCE]))
class InterviewViewSet(StudyScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The study's interviews: participant pseudonym, mode, status and schedule."""

    serializer_class = InterviewSerializer

    def get_queryset(self) -> QuerySet[Interview]:
        if getattr(self, "swagger_fake_view", False):
            return Interview.objects.none()
        rows = Interview.objects.filter(study_id=self.membership.study_id).select_related("participant")
        return (
            rows
            if self.action != "list"
            else _filtered(self.request, rows, status_field="status", statuses=tuple(Interview.Status.values))
        )


class MediaFileSerializer(serializers.ModelSerializer[MediaFile]):
    media_url = serializers.SerializerMethodField()

    class Meta:
        model = MediaFile
        fields = ("id", "duration", "channels", "sample_rate", "codec", "container", "byte_size", "media_url")
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_media_url(self, media: MediaFile) -> str | None:
        """The audited playback endpoint, for roles that may listen; null for everyone else."""
        membership: StudyMembership = self.context["membership"]
        if membership.role not in LISTENERS:
            return None
        return reverse("transcription:media", args=[membership.study.slug, media.pk])


class RecordingSerializer(serializers.ModelSerializer[Recording]):
    files = MediaFileSerializer(many=True, read_only=True)

    class Meta:
        model = Recording
        fields = (
            "id",
            "interview",
            "layout",
            "expected_speakers",
            "translate_to_english",
            "files",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


INTERVIEW = OpenApiParameter("interview", OpenApiTypes.INT, description="Only recordings of this interview.")


@extend_schema(parameters=[SLUG])
@schema_view(list=extend_schema(parameters=[INTERVIEW, UPDATED_SINCE]))
class RecordingViewSet(StudyScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Recordings' metadata; `media_url` (the audited player stream) only for owners, researchers, interviewers."""

    serializer_class = RecordingSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "membership": getattr(self.request, "study_membership", None)}

    def get_queryset(self) -> QuerySet[Recording]:
        if getattr(self, "swagger_fake_view", False):
            return Recording.objects.none()
        rows = Recording.objects.filter(interview__study_id=self.membership.study_id).prefetch_related("files")
        if self.action != "list":
            return rows
        raw = self.request.query_params.get("interview")
        if raw is not None:
            if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
                raise exceptions.ValidationError({"interview": ["Give a whole number."]})
            rows = rows.filter(interview_id=int(raw))
        return _filtered(self.request, rows)


class JobSerializer(serializers.ModelSerializer[TranscriptionJob]):
    class Meta:
        model = TranscriptionJob
        fields = (
            "id",
            "recording",
            "status",
            "progress",
            "attempts",
            "eta",
            "device",
            "model_name",
            "error_message",
            "enqueued_at",
            "claimed_at",
            "finished_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


@extend_schema(parameters=[SLUG])
@schema_view(list=extend_schema(parameters=[_status(list(TranscriptionJob.Status.values)), UPDATED_SINCE]))
class TranscriptionJobViewSet(StudyScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Transcription jobs: status, progress, estimated end, and a readable reason when one failed."""

    serializer_class = JobSerializer

    def get_queryset(self) -> QuerySet[TranscriptionJob]:
        if getattr(self, "swagger_fake_view", False):
            return TranscriptionJob.objects.none()
        rows = TranscriptionJob.objects.filter(recording__interview__study_id=self.membership.study_id)
        return (
            rows
            if self.action != "list"
            else _filtered(self.request, rows, status_field="status", statuses=tuple(TranscriptionJob.Status.values))
        )


# --- Transcripts, segments, exports --------------------------------------------------------------------------


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


def _readable_version(request: Request, membership: StudyMembership, transcript: Transcript) -> TranscriptVersion:
    """The version this caller may read (404 when none is approved for them; raw reads audit-logged)."""
    raw = _raw_requested(request)
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


def _transcripts(membership: StudyMembership) -> QuerySet[Transcript]:
    return Transcript.objects.filter(recording__interview__study_id=membership.study_id).select_related(
        "recording__interview__participant"
    )


def _transcript_rows(request: Request, study_id: int) -> KeysetRows:
    """The list's rows in the TranscriptSerializer shape, filtered by `status`, `language` and `updated_since`.

    Hand-written SQL: the busiest endpoint for sync scripts, where the ORM cost several times the query itself.
    """
    status = choice_param(request, "status", list(Transcript.State.values))
    language, since = language_param(request), updated_since(request)
    tables = table_names(transcript=Transcript, recording=Recording, interview=Interview, participant=Participant)
    vendor = connection.vendor
    created, updated = iso_datetime("t.created_at", vendor), iso_datetime("t.updated_at", vendor)
    sql = (
        "SELECT t.id, t.recording_id AS recording, r.interview_id AS interview, p.code AS participant,"  # noqa: S608 (our SQL; values are parameters)
        f" t.state AS status, t.language, t.language_probability, t.duration, {created} AS created_at,"
        f" {updated} AS updated_at FROM {tables['transcript']} t JOIN {tables['recording']} r"
        f" ON r.id = t.recording_id JOIN {tables['interview']} i ON i.id = r.interview_id"
        f" JOIN {tables['participant']} p ON p.id = i.participant_id WHERE i.study_id = %s"
    )
    params: list[Any] = [study_id]
    # The time as the backend stores it (SQLite: UTC text, so a +05:00 offset must be converted first).
    stored_since = connection.ops.adapt_datetimefield_value(since) if since else None
    for column, value in (("t.state", status), ("t.language", language), ("t.updated_at", stored_since)):
        if value is not None:
            sql += f" AND {column} {'>=' if column == 't.updated_at' else '='} %s"
            params.append(value)
    return KeysetRows(sql, params, key="id", column="t.id")


FORMAT = OpenApiParameter(
    "format",
    str,
    enum=format_names(),
    description="The file format; otherwise the Accept header decides (JSON for */*).",
)
EXPORT_RESPONSES: dict[Any, Any] = {(200, fmt.media_type): OpenApiResponse(OpenApiTypes.BINARY) for fmt in FORMATS}
EXPORT_RESPONSES[406] = OpenApiResponse(ERROR_SCHEMA, description="No known format matches; the message lists them.")


@extend_schema(parameters=[SLUG])
@schema_view(
    list=extend_schema(parameters=[_status(list(Transcript.State.values)), LANGUAGE, UPDATED_SINCE]),
    retrieve=extend_schema(parameters=[RAW], responses=TranscriptDetailSerializer),
    export=extend_schema(parameters=[FORMAT, RAW], responses=EXPORT_RESPONSES),
)
class TranscriptViewSet(StudyScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Transcripts; the detail carries the version the caller reads (redacted unless `raw=true`)."""

    serializer_class = TranscriptSerializer

    def get_queryset(self) -> QuerySet[Transcript]:
        if getattr(self, "swagger_fake_view", False):
            return Transcript.objects.none()
        rows = _transcripts(self.membership)
        if self.action != "list":
            return rows
        language = language_param(self.request)
        rows = rows.filter(language=language) if language else rows
        return _filtered(self.request, rows, status_field="state", statuses=tuple(Transcript.State.values))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Plain rows in the TranscriptSerializer shape, not model instances (see _transcript_rows).
        page = self.paginate_queryset(_transcript_rows(request, self.membership.study_id))  # type: ignore[arg-type]
        return self.get_paginated_response(page)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        transcript = self.get_object()
        version = _readable_version(request, self.membership, transcript)
        context = {**self.get_serializer_context(), "version": version, "raw": _raw_requested(request)}
        return Response(TranscriptDetailSerializer(transcript, context=context).data)

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
        version = _readable_version(request, self.membership, transcript)
        document = export_document(
            version,
            title=transcript.recording.interview.participant.code,
            language=transcript.language,
            redacted=not _raw_requested(request),
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
        transcript = get_object_or_404(_transcripts(self.membership), pk=self.kwargs["transcript_id"])
        version = _readable_version(self.request, self.membership, transcript)
        return Segment.objects.filter(version=version)
