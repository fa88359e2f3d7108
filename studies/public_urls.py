"""Participant-facing URLs (/p/...): the magic-link portal and public screening. The portal's voice interview
is the transcription app's (`transcription/portal_urls.py`, under p/portal/)."""

from django.urls import path

from studies import portal_views, public_views

app_name = "participate"
urlpatterns = [
    # The portal comes first: "portal" is not a study slug.
    path("portal/enter/", portal_views.enter, name="portal_enter"),
    path("portal/new-link/", portal_views.new_link, name="portal_new_link"),
    path("portal/", portal_views.home, name="portal"),
    path("portal/consent/", portal_views.consent, name="portal_consent"),
    path("portal/consent.pdf", portal_views.consent_pdf, name="portal_consent_pdf"),
    path("portal/book/", portal_views.book, name="portal_book"),
    path("portal/cancel/", portal_views.cancel, name="portal_cancel"),
    path("portal/interview.ics", portal_views.calendar_file, name="portal_ics"),
    path("portal/withdraw/", portal_views.withdraw, name="portal_withdraw"),
    path("portal/questionnaires/<int:pk>/", portal_views.questionnaire, name="portal_questionnaire"),
    path("portal/after-interview/<int:event_id>/", portal_views.cut, name="portal_cut"),
    path("<slug:slug>/", public_views.screening, name="screening"),
    path("<slug:slug>/done/<str:token>/", public_views.screening_result, name="screening_result"),
]
