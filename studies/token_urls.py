"""The API token page, under /accounts/tokens/ (config/urls.py) where it has always been: see studies.token_views."""

from django.urls import path

from studies import token_views

app_name = "api_tokens"
urlpatterns = [
    path("", token_views.api_tokens, name="list"),
    path("<str:prefix>/revoke/", token_views.revoke_token, name="revoke"),
]
