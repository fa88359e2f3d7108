"""Member checking in the participant's portal, included under p/portal/ (config/urls.py).

A participant namespace: the portal session from a magic link is the credential (`studies.portal_views.portal_view`
on every view), so the two-factor middleware leaves it open like "participate" and "voice".
"""

from django.urls import path

from review.views import checking

app_name = "checking"
urlpatterns = [
    path("transcripts/<int:transcript_id>/", checking.transcript, name="transcript"),
    path("transcripts/<int:transcript_id>/comment/", checking.comment, name="comment"),
    path("transcripts/<int:transcript_id>/answer/", checking.answer, name="answer"),
]
