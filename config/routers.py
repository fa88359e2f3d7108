"""The /api/v1/ router: each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from coding.api import AgreementViewSet, CodeViewSet, CodingViewSet, ExcerptViewSet
from studies.api import ParticipantViewSet, StudyViewSet
from transcription.api import (
    InterviewViewSet,
    RecordingViewSet,
    SegmentViewSet,
    TranscriptionJobViewSet,
    TranscriptViewSet,
)

api_router = DefaultRouter()
api_router.register("studies", StudyViewSet, basename="study")
api_router.register(r"studies/(?P<slug>[^/]+)/codes", CodeViewSet, basename="code")
api_router.register(r"studies/(?P<slug>[^/]+)/codings", CodingViewSet, basename="coding")
api_router.register(r"studies/(?P<slug>[^/]+)/excerpts", ExcerptViewSet, basename="excerpt")
api_router.register(r"studies/(?P<slug>[^/]+)/agreement", AgreementViewSet, basename="agreement")
api_router.register(r"studies/(?P<slug>[^/.]+)/participants", ParticipantViewSet, basename="participant")
api_router.register(r"studies/(?P<slug>[^/.]+)/interviews", InterviewViewSet, basename="interview")
api_router.register(r"studies/(?P<slug>[^/.]+)/recordings", RecordingViewSet, basename="recording")
api_router.register(r"studies/(?P<slug>[^/.]+)/jobs", TranscriptionJobViewSet, basename="job")
api_router.register(r"studies/(?P<slug>[^/.]+)/transcripts", TranscriptViewSet, basename="transcript")
api_router.register(
    r"studies/(?P<slug>[^/.]+)/transcripts/(?P<transcript_id>[0-9]+)/segments", SegmentViewSet, basename="segment"
)
