"""Transcription resources of the REST API, under /api/v1/studies/<slug>/.

Interviews, recordings (metadata; playback links only for roles that may listen) and transcription jobs. Every
endpoint checks the study role through StudyRolePermission (outsiders get 404). The transcripts and their segments
are review's resources (`review.api`), since their text is the version review lets the role read; a transcript's
export as a file is the exports app's (`exports.api`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from drf_spectacular.utils import extend_schema_view as schema_view
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from studies.api import SLUG, UPDATED_SINCE, choice_param, updated_since
from studies.models import Interview, StudyMembership
from studies.permissions import StudyRolePermission, StudyScopedView
from transcription.models import MediaFile, Recording, TranscriptionJob
from transcription.views.roles import LISTENERS

PERMISSIONS = [IsAuthenticated, StudyRolePermission]


def filtered_rows(
    request: Request, rows: QuerySet[Any], *, status_field: str = "", statuses: tuple[str, ...] = ()
) -> Any:
    """Apply the `status` and `updated_since` filters a list documents."""
    if statuses:
        status = choice_param(request, "status", list(statuses))
        rows = rows.filter(**{status_field: status}) if status else rows
    since = updated_since(request)
    return rows.filter(updated_at__gte=since) if since else rows


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


def status_parameter(choices: list[str]) -> OpenApiParameter:
    return OpenApiParameter("status", str, enum=choices, description="Only rows in this status.")


class StudyScoped(StudyScopedView, viewsets.GenericViewSet[Any]):
    permission_classes = PERMISSIONS
    lookup_value_regex = "[0-9]+"


@extend_schema(parameters=[SLUG])
@schema_view(list=extend_schema(parameters=[status_parameter(list(Interview.Status.values)), UPDATED_SINCE]))
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
            else filtered_rows(self.request, rows, status_field="status", statuses=tuple(Interview.Status.values))
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
        return {**super().get_serializer_context(), "membership": self.membership}

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
        return filtered_rows(self.request, rows)


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
@schema_view(list=extend_schema(parameters=[status_parameter(list(TranscriptionJob.Status.values)), UPDATED_SINCE]))
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
            else filtered_rows(
                self.request, rows, status_field="status", statuses=tuple(TranscriptionJob.Status.values)
            )
        )
