"""The /api/v1/ router: each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from coding.api import AgreementViewSet, CodeViewSet, CodingViewSet, ExcerptViewSet
from studies.api import StudyViewSet

api_router = DefaultRouter()
api_router.register("studies", StudyViewSet, basename="study")
api_router.register(r"studies/(?P<slug>[^/.]+)/codes", CodeViewSet, basename="code")
api_router.register(r"studies/(?P<slug>[^/.]+)/codings", CodingViewSet, basename="coding")
api_router.register(r"studies/(?P<slug>[^/.]+)/excerpts", ExcerptViewSet, basename="excerpt")
api_router.register(r"studies/(?P<slug>[^/.]+)/agreement", AgreementViewSet, basename="agreement")
