"""The /api/v1/ router: each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from studies.api import StudyViewSet

api_router = DefaultRouter()
api_router.register("studies", StudyViewSet, basename="study")
