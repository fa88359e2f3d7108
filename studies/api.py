"""Study resources of the REST API (/api/v1/studies/)."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated

from accounts.models import ApiToken
from studies.models import Study
from studies.permissions import StudyRolePermission, visible_studies


class StudySerializer(serializers.ModelSerializer[Study]):
    class Meta:
        model = Study
        fields = ("slug", "title", "description", "status", "languages", "target_sample_size", "ethics_reference")
        read_only_fields = fields


class StudyViewSet(viewsets.ReadOnlyModelViewSet[Study]):
    """Studies the caller has a role on (and, for a token, that the token is limited to)."""

    serializer_class = StudySerializer
    lookup_field = "slug"
    lookup_url_kwarg = "slug"
    ordering = ("slug",)

    def get_permissions(self) -> list[BasePermission]:
        if self.action == "retrieve":
            return [IsAuthenticated(), StudyRolePermission()]
        return [IsAuthenticated()]

    def get_queryset(self) -> QuerySet[Study]:
        studies = visible_studies(self.request.user).order_by("slug")
        if isinstance(self.request.auth, ApiToken):
            studies = studies.filter(pk__in=self.request.auth.studies.values("pk"))
        return studies
