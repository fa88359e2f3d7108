"""Participant-facing URLs (/p/...): public screening and the magic-link portal."""

from django.urls import path

from studies import public_views

app_name = "participate"
urlpatterns = [
    path("<slug:slug>/", public_views.screening, name="screening"),
    path("<slug:slug>/done/<str:token>/", public_views.screening_result, name="screening_result"),
]
