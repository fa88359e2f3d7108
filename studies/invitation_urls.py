"""Accepting an invitation to a study's team (/invitations/...): open to people without an account, the signed
link being the credential (accounts/middleware.py lists the view in OPEN_VIEWS)."""

from django.urls import path

from studies import invitation_views

app_name = "invitations"
urlpatterns = [
    # The token travels in the query string (?token=...), which the access log leaves out.
    path("accept/", invitation_views.accept, name="accept"),
]
