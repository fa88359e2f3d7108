"""Study resources of the REST API (/api/v1/studies/): studies, and participants under a study's slug."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiToken
from accounts.tokens import token_study_ids
from studies.demographics import demographic_keys, demographics_of
from studies.models import Participant, Study
from studies.permissions import CONTACT_ROLES, StudyRolePermission, StudyScopedView, visible_studies


class StudySerializer(serializers.ModelSerializer[Study]):
    class Meta:
        model = Study
        fields = ("slug", "title", "descriptions", "status", "languages", "target_sample_size", "ethics_reference")
        read_only_fields = fields


class StudyViewSet(StudyScopedView, viewsets.ReadOnlyModelViewSet[Study]):
    """Studies the caller has a role on (and, for a token, that the token is limited to)."""

    serializer_class = StudySerializer
    # Only for the schema generator (it types the slug path parameter from the model); requests use
    # get_queryset, which limits the list to the caller's studies.
    queryset = Study.objects.none()
    lookup_field = "slug"
    lookup_url_kwarg = "slug"
    lookup_value_regex = "[^/]+"
    ordering = ("slug",)

    def get_permissions(self) -> list[BasePermission]:
        if self.action == "retrieve":
            return [IsAuthenticated(), StudyRolePermission()]
        return [IsAuthenticated()]

    def get_queryset(self) -> QuerySet[Study]:
        studies = visible_studies(self.request.user).order_by("slug")
        if isinstance(self.request.auth, ApiToken):
            studies = studies.filter(pk__in=token_study_ids(self.request.auth))
        return studies


# --- Filters shared by the study resources (transcription.api uses them too) ------------------------------

UPDATED_SINCE = OpenApiParameter(
    "updated_since", OpenApiTypes.DATETIME, description="Only rows changed at or after this (incremental sync)."
)


def updated_since(request: Request) -> datetime | None:
    """The `updated_since` parameter: an ISO 8601 time with a zone, or a 400 naming the field."""
    raw = request.query_params.get("updated_since")
    if raw is None:
        return None
    try:
        value = parse_datetime(raw) if len(raw) < 64 else None
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise exceptions.ValidationError({"updated_since": ["Give an ISO 8601 date and time with a time zone."]})
    return value


def choice_param(request: Request, name: str, choices: list[str]) -> str | None:
    """A query parameter that must be one of `choices` (400 otherwise)."""
    raw = request.query_params.get(name)
    if raw is not None and raw not in choices:
        raise exceptions.ValidationError({name: [f"Choose one of: {', '.join(choices)}."]})
    return raw


def language_param(request: Request) -> str | None:
    raw = request.query_params.get("language")
    if raw is not None and not LANGUAGE_CODE.fullmatch(raw):
        raise exceptions.ValidationError({"language": ["Give a language code such as en or pt-BR."]})
    return raw


LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")
LANGUAGE = OpenApiParameter(
    "language", str, pattern=LANGUAGE_CODE.pattern, description="Only rows in this language (ISO 639-1)."
)
SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The study's slug.")


# --- Participants -------------------------------------------------------------------------------------------


class ParticipantSerializer(serializers.ModelSerializer[Participant]):
    pseudonym = serializers.CharField(source="code", read_only=True)
    withdrawn = serializers.SerializerMethodField()
    demographics = serializers.SerializerMethodField()

    class Meta:
        model = Participant
        fields = ("pseudonym", "status", "language", "withdrawn", "demographics", "created_at", "updated_at")
        read_only_fields = fields

    def get_withdrawn(self, participant: Participant) -> bool:
        return participant.withdrawn_at is not None

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_demographics(self, participant: Participant) -> dict[str, object]:
        return dict(self.context.get("demographics", {}).get(participant.pk, {}))


PARTICIPANT_STATUS = OpenApiParameter(
    "status", str, enum=list(Participant.Status.values), description="Only this status."
)


@extend_schema(parameters=[SLUG])
@extend_schema_view(list=extend_schema(parameters=[PARTICIPANT_STATUS, LANGUAGE, UPDATED_SINCE]))
class ParticipantViewSet(StudyScopedView, viewsets.ReadOnlyModelViewSet[Participant]):
    """Participants by pseudonym, with screening demographics only: never contact details."""

    permission_classes = [IsAuthenticated, StudyRolePermission]
    serializer_class = ParticipantSerializer
    study_roles = CONTACT_ROLES
    lookup_field = "code"
    lookup_url_kwarg = "pseudonym"

    def get_queryset(self) -> QuerySet[Participant]:
        if getattr(self, "swagger_fake_view", False):
            return Participant.objects.none()
        participants = Participant.objects.filter(study_id=self.membership.study_id)
        if self.action != "list":
            return participants
        status = choice_param(self.request, "status", list(Participant.Status.values))
        language = language_param(self.request)
        since = updated_since(self.request)
        if status:
            participants = participants.filter(status=status)
        if language:
            participants = participants.filter(language=language)
        return participants.filter(updated_at__gte=since) if since else participants

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "demographics": getattr(self, "_demographics", {})}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        self._demographics = self._demographics_for([p.pk for p in page])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        participant = self.get_object()
        self._demographics = self._demographics_for([participant.pk])
        return Response(self.get_serializer(participant).data)

    def _demographics_for(self, ids: Iterable[int]) -> dict[int, dict[str, object]]:
        return demographics_of(ids, demographic_keys(self.membership.study_id))


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any /api/ path no route matches (a slug with a dot, a malformed id): the JSON error body, not an HTML page."""
    return JsonResponse({"error": {"status": 404, "code": "not_found", "message": "Not found."}}, status=404)
