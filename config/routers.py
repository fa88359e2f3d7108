"""The /api/v1/ router: each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from coding.api import AgreementViewSet, CodeViewSet, CodingViewSet, ExcerptViewSet
from exports.api import TranscriptExportViewSet
from review.api import SegmentViewSet, TranscriptViewSet
from studies.api import ParticipantViewSet, StudyViewSet
from transcription.api import InterviewViewSet, RecordingViewSet, TranscriptionJobViewSet

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
# The same resource's export action is the exports app's (it writes the formats, above review). DRF's register()
# refuses a basename twice, so it joins the registry directly with the same prefix and basename: its URL keeps the
# path and the name `transcript-export`, which no URL of TranscriptViewSet (list, detail) shares.
api_router.registry.append((r"studies/(?P<slug>[^/.]+)/transcripts", TranscriptExportViewSet, "transcript"))
api_router.register(
    r"studies/(?P<slug>[^/.]+)/transcripts/(?P<transcript_id>[0-9]+)/segments", SegmentViewSet, basename="segment"
)
