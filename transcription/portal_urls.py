"""The participant's voice interview in the portal, included under p/portal/ (config/urls.py).

A participant namespace: the portal session from a magic link is the credential (`studies.portal_views.portal_view`
on every view), so the two-factor middleware leaves it open like "participate".
"""

from django.urls import path

from transcription.views import portal, voice_support

app_name = "voice"
urlpatterns = [
    path("interviews/<int:interview_id>/answers/", portal.answers, name="answers"),
    path("interviews/<int:interview_id>/answers/<int:question_id>/", portal.answer_upload, name="answer_upload"),
    path("interviews/<int:interview_id>/answers/<int:question_id>/skip/", portal.skip, name="answer_skip"),
    path("interviews/<int:interview_id>/done/", portal.finish, name="answers_done"),
    # "I need support" (issue #25): open it, read it, stop there; after a stop, ask that the rest is not used.
    path("interviews/<int:interview_id>/support/", voice_support.support_open, name="support_open"),
    path("interviews/<int:interview_id>/support/<int:event_id>/", voice_support.support, name="support"),
    path("interviews/<int:interview_id>/support/<int:event_id>/stop/", voice_support.support_stop, name="support_stop"),
    path("interviews/<int:interview_id>/support/<int:event_id>/cut/", voice_support.support_cut, name="support_cut"),
]
