"""Coding resources of the REST API, under /api/v1/studies/<slug>/: codes, codings, excerpts, agreement.

Every endpoint checks the study role through studies.permissions.StudyRolePermission (outsiders 404). Codings are
filtered through coding.selectors.visible_codings, so a coder sees only their own until the transcript version is
adjudicated, exactly as on the pages; excerpts and agreement figures are for owners and researchers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from coding.agreement import AgreementReport, CodeAgreement, Statistic
from coding.analysis import codings_for_analysis, excerpts_of
from coding.models import Code, CodebookVersion, Coding, CodingAssignment
from coding.selectors import double_coded_versions, study_agreement, transcript_agreement, visible_codings
from coding.services import add_coding
from coding.services.codings import CodingError
from studies.models import Role
from studies.permissions import MANAGERS, StudyRolePermission, StudyScopedView
from transcription.models import TranscriptVersion
from transcription.views.roles import LISTENERS

PERMISSIONS = [IsAuthenticated, StudyRolePermission]
# Path parts match anything but "/" (config/routers.py, lookup_value_regex), so a malformed slug, GUID or id still
# reaches the API and gets its JSON 404 rather than the site's HTML one.
SLUG = OpenApiParameter(
    "slug", str, OpenApiParameter.PATH, description="The study's slug.", pattern=r"^[-a-zA-Z0-9_]+$"
)


class CodeSerializer(serializers.ModelSerializer[Code]):
    # DRF collects declared fields, so "parent" does not clash with Field.parent at run time.
    parent = serializers.SlugRelatedField(slug_field="guid", read_only=True, allow_null=True)  # type: ignore[assignment,var-annotated]

    class Meta:
        model = Code
        fields = (
            "guid",
            "name",
            "parent",
            "definition",
            "when_to_use",
            "when_not_to_use",
            "example",
            "colour",
            "is_codable",
            "position",
            "updated_at",
        )
        read_only_fields = fields


@extend_schema(parameters=[SLUG])
@extend_schema_view(
    retrieve=extend_schema(parameters=[OpenApiParameter("guid", OpenApiTypes.UUID, OpenApiParameter.PATH)])
)
class CodeViewSet(StudyScopedView, viewsets.ReadOnlyModelViewSet[Code]):
    """The study's codebook (every member may read it, as on the codebook page)."""

    permission_classes = PERMISSIONS

    serializer_class = CodeSerializer
    lookup_field = "guid"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Code]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reads the model, not a request
            return Code.objects.none()
        return Code.objects.filter(study=self.membership.study).select_related("parent")


class CodingSerializer(serializers.ModelSerializer[Coding]):
    code: serializers.SlugRelatedField[Code] = serializers.SlugRelatedField(slug_field="guid", read_only=True)
    codebook_version = serializers.IntegerField(source="codebook_version.number", read_only=True)

    class Meta:
        model = Coding
        fields = (
            "id",
            "guid",
            "transcript_version",
            "start",
            "end",
            "text",
            "code",
            "coder",
            "codebook_version",
            "memo",
            "consensus",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class NewCodingSerializer(serializers.Serializer[dict[str, Any]]):
    """Offsets are Unicode code points into the version's text (segments joined by a newline), half-open."""

    transcript_version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    code = serializers.UUIDField()
    start = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    end = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    memo = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


def _updated_since(request: Request) -> datetime | None:
    raw = request.query_params.get("updated_since")
    if raw is None:
        return None
    value = parse_datetime(raw) if len(raw) < 64 else None
    if value is None or value.tzinfo is None:
        raise exceptions.ValidationError({"updated_since": ["Give an ISO 8601 date and time with a time zone."]})
    return value


def _whole_number(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        raise exceptions.ValidationError({name: ["Give a whole number."]})
    return int(raw)


CODING_FILTERS = [
    OpenApiParameter("transcript_version", OpenApiTypes.INT, description="Only codings of this transcript version."),
    OpenApiParameter("code", OpenApiTypes.UUID, description="Only codings of the code with this GUID."),
    OpenApiParameter("consensus", OpenApiTypes.BOOL, description="Only consensus (true) or coders' (false) codings."),
    OpenApiParameter("updated_since", OpenApiTypes.DATETIME, description="Only codings changed at or after this."),
]


@extend_schema(parameters=[SLUG])
@extend_schema_view(list=extend_schema(parameters=CODING_FILTERS))
class CodingViewSet(
    StudyScopedView,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Coding],
):
    """Codings: owners and researchers see all; a coder sees their own until a transcript is adjudicated."""

    permission_classes = PERMISSIONS

    serializer_class = CodingSerializer
    lookup_value_regex = "[^/]+"
    study_roles = frozenset({Role.OWNER, Role.RESEARCHER, Role.CODER})

    def get_queryset(self) -> QuerySet[Coding]:
        if getattr(self, "swagger_fake_view", False):
            return Coding.objects.none()
        membership = self.membership
        codings = visible_codings(user=membership.user, role=membership.role, study_id=membership.study_id)
        if self.action != "list":
            return codings.select_related("code", "codebook_version")
        return self._filtered(codings).select_related("code", "codebook_version")

    def _filtered(self, codings: QuerySet[Coding]) -> QuerySet[Coding]:
        params = self.request.query_params
        version = _whole_number(self.request, "transcript_version")
        if version is not None:
            codings = codings.filter(transcript_version_id=version)
        if "code" in params:
            try:
                codings = codings.filter(code__guid=serializers.UUIDField().to_internal_value(params["code"]))
            except serializers.ValidationError as error:
                raise exceptions.ValidationError({"code": error.detail}) from error
        if "consensus" in params:
            if params["consensus"] not in ("true", "false"):
                raise exceptions.ValidationError({"consensus": ["Give true or false."]})
            codings = codings.filter(consensus=params["consensus"] == "true")
        since = _updated_since(self.request)
        return codings.filter(updated_at__gte=since) if since else codings

    @extend_schema(request=NewCodingSerializer, responses={201: CodingSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Apply a code to a span of a transcript version the caller is assigned and has not finished."""
        given = NewCodingSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data, membership = given.validated_data, self.membership
        assignment = CodingAssignment.objects.filter(
            transcript_version_id=data["transcript_version"],
            coder=membership.user,
            transcript__recording__interview__study=membership.study,
        ).first()
        if assignment is None or assignment.status == CodingAssignment.Status.DONE:
            raise exceptions.ValidationError({"transcript_version": ["You have no open assignment for it."]})
        code = Code.objects.filter(study=membership.study, guid=data["code"]).first()
        if code is None:
            raise exceptions.ValidationError({"code": ["No code with this GUID in the study's codebook."]})
        try:
            coding = add_coding(
                version=assignment.transcript_version,
                coder=membership.user,
                code=code,
                start=data["start"],
                end=data["end"],
                memo=data["memo"],
            )
        except CodingError as error:
            raise exceptions.ValidationError({"non_field_errors": [str(error)]}) from error
        return Response(CodingSerializer(coding).data, status=status.HTTP_201_CREATED)


class ExcerptSerializer(serializers.Serializer[Any]):
    coding = serializers.IntegerField(source="coding.id")
    code = serializers.UUIDField(source="coding.code.guid")
    transcript_version = serializers.IntegerField(source="coding.transcript_version_id")
    start = serializers.IntegerField(source="coding.start")
    end = serializers.IntegerField(source="coding.end")
    text = serializers.CharField(source="coding.text")
    consensus = serializers.BooleanField(source="coding.consensus")
    participant = serializers.CharField()
    demographics = serializers.DictField(child=serializers.JSONField())
    time_start = serializers.FloatField(allow_null=True)
    time_end = serializers.FloatField(allow_null=True)
    audio_url = serializers.CharField(allow_blank=True)


EXCERPT_FILTERS = [
    OpenApiParameter("code", OpenApiTypes.UUID, description="Only excerpts of this code (GUID)."),
    OpenApiParameter("set", str, enum=["final", "all"], description="Final codings (default) or every coder's."),
]


@extend_schema(parameters=[SLUG])
@extend_schema_view(list=extend_schema(parameters=EXCERPT_FILTERS, responses=ExcerptSerializer(many=True)))
class ExcerptViewSet(StudyScopedView, mixins.ListModelMixin, viewsets.GenericViewSet[Coding]):
    """Coded excerpts with the participant's pseudonym, screening demographics and the moment in the audio."""

    permission_classes = PERMISSIONS

    serializer_class = ExcerptSerializer
    study_roles = MANAGERS

    def get_queryset(self) -> QuerySet[Coding]:
        if getattr(self, "swagger_fake_view", False):
            return Coding.objects.none()
        params = self.request.query_params
        if params.get("set", "final") not in ("final", "all"):
            raise exceptions.ValidationError({"set": ["Give final or all."]})
        codings = codings_for_analysis(self.membership.study, final=params.get("set", "final") == "final")
        if "code" in params:
            try:
                codings = codings.filter(code__guid=serializers.UUIDField().to_internal_value(params["code"]))
            except serializers.ValidationError as error:
                raise exceptions.ValidationError({"code": error.detail}) from error
        return codings

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        listening = self.membership.role in LISTENERS
        found = excerpts_of(list(page or []), study=self.membership.study, with_audio=listening)
        by_id = {e.coding.id: e for e in found}
        ordered = [by_id[c.id] for c in page or [] if c.id in by_id]
        return self.get_paginated_response(ExcerptSerializer(ordered, many=True).data)


def _statistic(stat: Statistic) -> dict[str, Any]:
    return {"value": stat.value, "note": stat.note}


def _code_figures(item: CodeAgreement, guids: dict[int, str]) -> dict[str, Any]:
    return {
        "code": guids.get(item.code) if item.code is not None else None,  # type: ignore[call-overload]
        "alpha": _statistic(item.alpha),
        "pairs": [
            {
                "coder_a": int(p.coder_a),
                "coder_b": int(p.coder_b),
                "units": p.units,
                "percent_agreement": _statistic(p.percent_agreement),
                "kappa": _statistic(p.kappa),
            }
            for p in item.pairs
        ],
    }


def agreement_figures(report: AgreementReport | None, guids: dict[int, str]) -> dict[str, Any] | None:
    """An AgreementReport as plain JSON: coders by user id, codes by GUID, undefined figures as null + note."""
    if report is None:
        return None
    return {
        "coders": [int(c) for c in report.coders],
        "segments": report.segments,
        "overall": _code_figures(report.overall, guids) if report.overall else None,
        "codes": [_code_figures(c, guids) for c in report.codes],
    }


AGREEMENT_SCHEMA = inline_serializer(
    "Agreement",
    {
        "unit": serializers.CharField(),
        "codebook_version": serializers.IntegerField(allow_null=True),
        "study": serializers.JSONField(allow_null=True),
        "transcripts": serializers.ListField(child=serializers.JSONField()),
    },
)


class AgreementViewSet(StudyScopedView, viewsets.ViewSet):
    """Agreement figures for the whole study and per double-coded transcript version (owners and researchers)."""

    permission_classes = PERMISSIONS

    study_roles = MANAGERS

    @extend_schema(
        parameters=[
            SLUG,
            OpenApiParameter("codebook_version", OpenApiTypes.INT, description="Only codings made under it."),
        ],
        responses=AGREEMENT_SCHEMA,
    )
    def list(self, request: Request, slug: str) -> Response:
        study = self.membership.study
        number = _whole_number(request, "codebook_version")
        chosen = get_object_or_404(CodebookVersion, study=study, number=number) if number is not None else None
        guids = {i: str(g) for i, g in Code.objects.filter(study=study).values_list("id", "guid")}
        versions: list[TranscriptVersion] = double_coded_versions(study.id)
        return Response(
            {
                "unit": "presence of each code in each transcript segment",
                "codebook_version": number,
                "study": agreement_figures(study_agreement(study.id, codebook_version=chosen), guids),
                "transcripts": [
                    {
                        "transcript_version": v.id,
                        "adjudicated": getattr(getattr(v, "adjudication", None), "status", "") == "done",
                        "figures": agreement_figures(transcript_agreement(v, codebook_version=chosen), guids),
                    }
                    for v in versions
                ],
            }
        )
