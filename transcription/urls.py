"""Included under studies/<slug>/ (config/urls.py); every view checks the study role."""

from django.urls import path

from transcription.views import pages, playback, uploads

app_name = "transcription"
urlpatterns = [
    path("interviews/<int:interview_id>/", pages.interview_page, name="interview"),
    path("interviews/<int:interview_id>/status.json", pages.interview_status, name="interview-status"),
    path("interviews/<int:interview_id>/uploads/", uploads.start, name="upload-start"),
    path("interviews/<int:interview_id>/uploads/<uuid:upload_id>/", uploads.chunk, name="upload-chunk"),
    path("interviews/<int:interview_id>/recordings/", uploads.finish, name="upload-finish"),
    path("transcription/jobs/", pages.job_list, name="jobs"),
    path("transcription/jobs.json", pages.job_list_status, name="jobs-status"),
    path("transcription/jobs/<int:job_id>/retry/", pages.retry, name="retry"),
    path("recordings/<int:recording_id>/retranscribe/", pages.retranscribe, name="retranscribe"),
    path("recordings/media/<int:file_id>/", playback.media, name="media"),
]
